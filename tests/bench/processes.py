"""What the benchmark scripts read about running processes from /proc: CPU time and resident memory."""

from __future__ import annotations

import os
import resource
from pathlib import Path

PROC = Path("/proc")


def cpu_seconds(server_pid: int) -> dict[str, float] | None:
    """CPU seconds used so far by the server's processes, PostgreSQL's and this script's finished children.

    Read from /proc (None without it). PostgreSQL's processes are those named ``postgres``
    on this machine; a server elsewhere shows as 0.
    """
    if not (PROC / "self" / "stat").exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    used = {"server": 0.0, "database": 0.0}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # Its own time and its ended children's: the master of each keeps the time of a
        # worker or a backend that has ended (PostgreSQL's parallel workers come and go).
        parent, seconds = int(fields[1]), sum(int(field) for field in fields[11:15]) / tick
        if server_pid in (int(entry.name), parent):  # gunicorn's master and its workers
            used["server"] += seconds
        elif name == "postgres":
            used["database"] += seconds
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["load generator"] = children.ru_utime + children.ru_stime
    return used


def child_pids(pid: int) -> list[int]:
    """The ids of a process's children (a gunicorn master's workers), from /proc."""
    children = PROC / str(pid) / "task" / str(pid) / "children"
    return [int(word) for word in children.read_text().split()] if children.exists() else []


def resident_mb(pid: int) -> float:
    """A process's resident set size now, in MB (VmRSS)."""
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"process {pid} has no VmRSS")
