"""Walking the NPPES file in large byte blocks: pure, no database.

``NppesScanner`` hands out only the records that could matter (a wanted taxonomy code
somewhere in the line, or the shape of a deactivated row); everything else is counted and
never parsed. ``directory.nppes`` reads the records it hands out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from typing import BinaryIO

from directory.nppes import parse_record

BLOCK_BYTES = 4 * 1024 * 1024
# Real records are a few kilobytes; an open quote running past this is a broken
# file, and the reader resynchronises at the next line instead of swallowing it.
MAX_RECORD_BYTES = 1024 * 1024


class Candidate(StrEnum):
    TAXONOMY = "taxonomy"
    DEACTIVATED = "deactivated"


# One pass over a block finds, for every newline, whether it is a safe record
# boundary, and picks out deactivated-shaped rows:
#  * ``(?<!"\n)(?<!"\r\n)``: a newline not right after a closing quote (unsafe);
#  * ``"(\d{10})",""``: a quoted NPI followed by a blank entity type, which in the
#    public file only deactivated rows have;
#  * ``(?!"[12])``: a newline not followed by a quoted NPI, NPIs starting with 1 or 2 (unsafe).
# In a file that quotes every field (the public file does), a newline with a quote
# before it and ``"1``/``"2`` after it cannot sit inside a quoted field: inside one,
# the quote after the newline would have to be followed by another quote, a comma
# or a line end. So a block with no "unsafe" newline splits on every newline, and
# the importer never csv-parses what it does not need. Any other block (unquoted
# files, blank lines, a newline inside a field) goes through the exact, slower path.
# CRLF line ends are accepted by the fast path; csv drops the carriage return.
_BOUNDARY_SCAN = re.compile(rb'\n(?:(?<!"\n)(?<!"\r\n)|"(\d{10})",""|(?!"[12]))')
_DEACTIVATED_SHAPE = re.compile(rb'"\d{10}",""')
_START = 2  # data starts after the two-byte boundary stand-in


class NppesScanner:
    """Streams an NPPES file and yields only the records that could matter.

    ``rows_read`` counts every data record (header excluded) as the scan goes, so a
    caller can report progress between yields. Memory stays at about two blocks
    (``block_bytes``) whatever the file size.
    """

    def __init__(
        self,
        stream: BinaryIO,
        taxonomy_codes: Iterable[str],
        block_bytes: int = BLOCK_BYTES,
        on_block: Callable[[NppesScanner], None] | None = None,
    ) -> None:
        self.stream = stream
        self.on_block = on_block
        self.needles = tuple(code.strip().encode("ascii") for code in taxonomy_codes if code.strip())
        self.block_bytes = block_bytes
        self.rows_read = 0
        self.bytes_read = 0
        self.header = self._read_header()

    def _read_header(self) -> list[str]:
        line = self.stream.readline()
        self.bytes_read += len(line)
        header = parse_record(line.lstrip(b"\xef\xbb\xbf"))
        if not header:
            raise ValueError("The file is empty or its header is not CSV.")
        return header

    def candidates(self) -> Iterator[tuple[Candidate, bytes]]:
        """Yield (why, record bytes) for every record holding a wanted code or shaped like a deactivation."""
        # One reused buffer: a closing quote and a newline stand in for the boundary
        # before the first record, then the unfinished tail of the last block, then
        # new bytes.
        buffer = bytearray(_START + 2 * self.block_bytes)
        buffer[0:_START] = b'"\n'
        filled = _START
        while True:
            if len(buffer) - filled < self.block_bytes:
                if filled > 4 * MAX_RECORD_BYTES + self.block_bytes:
                    raise ValueError("This file has no line breaks where an NPPES file has them.")
                buffer.extend(bytes(self.block_bytes))
            with memoryview(buffer) as view:
                count = self.stream.readinto(view[filled : filled + self.block_bytes])  # type: ignore[attr-defined]
            if not count:
                break
            self.bytes_read += count
            filled += count
            # Stop at the second-to-last newline: the line after it must be in hand to
            # check that this newline is a record boundary.
            end = buffer.rfind(b"\n", _START, buffer.rfind(b"\n", 0, filled)) + 1
            if end <= _START:
                continue
            found, tail_start = self._scan_block(buffer, end, filled)
            tail_length = filled - tail_start
            buffer[_START : _START + tail_length] = buffer[tail_start:filled]
            filled = _START + tail_length
            if self.on_block is not None:
                self.on_block(self)
            yield from found
        if filled > _START:
            if buffer[filled - 1] != ord("\n"):
                buffer[filled : filled + 1] = b"\n"
                filled += 1
            found, _ = self._scan_lines(buffer, filled, final=True)
            yield from found

    def _scan_block(
        self, buffer: bytearray, end: int, filled: int
    ) -> tuple[list[tuple[Candidate, bytes]], int]:
        """Candidates in buffer[_START:end] and where the unfinished part starts."""
        deactivated: list[int] = []
        for match in _BOUNDARY_SCAN.finditer(buffer, 0, min(end + 2, filled)):
            position = match.start()
            if position >= end:
                break
            if match.group(1) is None:
                return self._scan_lines(buffer, end, final=False)
            deactivated.append(position + 1)
        self.rows_read += buffer.count(b"\n", _START, end)
        starts: dict[int, Candidate] = {}
        for needle in self.needles:
            hit = buffer.find(needle, _START, end)
            while hit != -1:
                line_start = buffer.rfind(b"\n", 0, hit) + 1
                starts[line_start] = Candidate.TAXONOMY
                hit = buffer.find(needle, buffer.find(b"\n", hit, end), end)
        for line_start in deactivated:
            starts.setdefault(line_start, Candidate.DEACTIVATED)
        found = [(why, bytes(buffer[s : buffer.find(b"\n", s, end)])) for s, why in sorted(starts.items())]
        return found, end

    def _scan_lines(
        self, buffer: bytearray, stop: int, final: bool
    ) -> tuple[list[tuple[Candidate, bytes]], int]:
        """The exact path over buffer[_START:stop]: join lines while a quoted field is open.

        A record stays open while the count of quotes in it is odd. At the end of the
        file (``final``) an unfinished record is still handed out, so the importer
        can report it as malformed.
        """
        found: list[tuple[Candidate, bytes]] = []
        record_start = position = _START
        quotes = 0
        while position < stop:
            newline = buffer.find(b"\n", position, stop)
            if newline == -1:
                break
            quotes += buffer.count(b'"', position, newline)
            position = newline + 1
            if quotes % 2 and position - record_start < MAX_RECORD_BYTES:
                continue
            self._take_record(bytes(buffer[record_start:newline]), found)
            record_start, quotes = position, 0
        if final and record_start < stop:
            self._take_record(bytes(buffer[record_start:stop]).rstrip(b"\n"), found)
            record_start = stop
        return found, record_start

    def _take_record(self, record: bytes, found: list[tuple[Candidate, bytes]]) -> None:
        if not record.strip():
            return  # blank lines are not rows
        self.rows_read += 1
        if any(needle in record for needle in self.needles):
            found.append((Candidate.TAXONOMY, record))
        elif _DEACTIVATED_SHAPE.match(record):
            found.append((Candidate.DEACTIVATED, record))
