"""Reading the public NPPES ``npidata_pfile`` CSV: pure parsing, no database.

Two halves:

* ``NppesScanner`` walks the file in large byte blocks and hands out only the
  records that could matter (a wanted taxonomy code somewhere in the line, or
  the shape of a deactivated row); everything else is counted and never parsed.
* ``read_provider_row`` turns one parsed record into what the importer acts on:
  a ``ProviderRecord`` to upsert, a ``Deactivation`` to apply, a ``Rejection``
  with its reason, or a ``Skip``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import BinaryIO

from directory.npi import is_valid_npi

TAXONOMY_SLOTS = 15
EXPECTED_COLUMNS = 330
BLOCK_BYTES = 4 * 1024 * 1024
# Real records are a few kilobytes; an open quote running past this is a broken
# file, and the reader resynchronises at the next line instead of swallowing it.
MAX_RECORD_BYTES = 1024 * 1024


class RejectReason(StrEnum):
    BAD_CHECK_DIGIT = "bad NPI check digit"
    WRONG_COLUMN_COUNT = "wrong column count"
    UNREADABLE_CSV = "unreadable CSV"
    MISSING_NAME = "missing provider name"
    UNPLACEABLE_ZIP = "practice ZIP cannot be placed"


class SkipReason(StrEnum):
    OTHER_TAXONOMY = "no wanted taxonomy"
    ORGANIZATION = "organization, not an individual"


# --- Columns ------------------------------------------------------------------


@dataclass(frozen=True)
class NppesColumns:
    """Positions of the columns the importer reads, found by name in the header."""

    width: int
    npi: int
    entity_type: int
    last_name: int
    first_name: int
    middle_name: int
    credential: int
    sex: int
    last_update: int
    deactivation_date: int
    reactivation_date: int
    address_line1: int
    address_line2: int
    city: int
    state: int
    postal_code: int
    country: int
    phone: int
    taxonomy_slots: tuple[int, ...]

    NAMES = {
        "npi": "NPI",
        "entity_type": "Entity Type Code",
        "last_name": "Provider Last Name (Legal Name)",
        "first_name": "Provider First Name",
        "middle_name": "Provider Middle Name",
        "credential": "Provider Credential Text",
        "sex": "Provider Sex Code",
        "last_update": "Last Update Date",
        "deactivation_date": "NPI Deactivation Date",
        "reactivation_date": "NPI Reactivation Date",
        "address_line1": "Provider First Line Business Practice Location Address",
        "address_line2": "Provider Second Line Business Practice Location Address",
        "city": "Provider Business Practice Location Address City Name",
        "state": "Provider Business Practice Location Address State Name",
        "postal_code": "Provider Business Practice Location Address Postal Code",
        "country": "Provider Business Practice Location Address Country Code (If outside U.S.)",
        "phone": "Provider Business Practice Location Address Telephone Number",
    }

    @classmethod
    def from_header(cls, header: Sequence[str]) -> NppesColumns:
        """The column map for ``header``; raises ValueError naming every missing column."""
        position = {name.strip(): index for index, name in enumerate(header)}
        wanted = dict(cls.NAMES)
        wanted.update(
            {f"taxonomy_{n}": f"Healthcare Provider Taxonomy Code_{n}" for n in range(1, TAXONOMY_SLOTS + 1)}
        )
        missing = [name for name in wanted.values() if name not in position]
        if missing:
            raise ValueError(f"This is not an NPPES npidata file: missing column(s) {', '.join(missing)}.")
        if header[0].strip() != "NPI":
            raise ValueError("This is not an NPPES npidata file: the first column must be NPI.")
        slots = tuple(
            position[f"Healthcare Provider Taxonomy Code_{n}"] for n in range(1, TAXONOMY_SLOTS + 1)
        )
        return cls(
            width=len(header),
            taxonomy_slots=slots,
            **{field: position[name] for field, name in cls.NAMES.items()},
        )


# --- Values -------------------------------------------------------------------


def parse_nppes_date(text: str) -> date | None:
    """The date in an NPPES ``MM/DD/YYYY`` field, or None when blank or not a real date."""
    parts = text.strip().split("/")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    month, day, year = (int(part) for part in parts)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def is_deactivated(deactivated_on: date | None, reactivated_on: date | None) -> bool:
    """True when the NPI carries a deactivation that no later (or same-day) reactivation undoes."""
    if deactivated_on is None:
        return False
    return reactivated_on is None or reactivated_on < deactivated_on


_ZIP_RE = re.compile(r"^(\d{5})(\d{4})?$")


def normalise_postal_code(raw: str) -> str | None:
    """``12345`` or ``12345-6789`` from an NPPES 5- or 9-digit ZIP (dash optional), else None."""
    match = _ZIP_RE.match(raw.strip().replace("-", ""))
    if match is None:
        return None
    zip5, plus4 = match.groups()
    return f"{zip5}-{plus4}" if plus4 else zip5


def format_phone(raw: str) -> str:
    """``(616) 773-2908`` for a 10-digit US number; anything else as given, trimmed."""
    digits = "".join(char for char in raw if char.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return raw.strip()[:32]


_KEEP_UPPER = frozenset({"N", "S", "E", "W", "NE", "NW", "SE", "SW", "PO", "US", "II", "III", "IV"})


def display_case(text: str) -> str:
    """NPPES upper-case text in the case people write it: ``1055 GEZON PKWY SW`` -> ``1055 Gezon Pkwy SW``."""
    words = " ".join(text.split()).split(" ")
    return " ".join(
        word if word in _KEEP_UPPER or any(c.isdigit() for c in word) else word.title() for word in words
    )


def _clip(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


# --- Records --------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeAddress:
    """A business practice location as NPPES gives it, ready to store."""

    line1: str
    line2: str
    city: str
    state: str
    postal_code: str  # "12345" or "12345-6789"
    phone: str

    @property
    def zip5(self) -> str:
        return self.postal_code[:5]

    @property
    def key(self) -> tuple[str, ...]:
        return location_key(self.line1, self.line2, self.city, self.state, self.postal_code, self.phone)


def location_key(
    line1: str, line2: str, city: str, state: str, postal_code: str, phone: str
) -> tuple[str, ...]:
    """What makes two practice locations the same office: the address and the phone, normalised.

    NPPES names no practice for individuals, so an office is identified by where it
    is and the number that rings there: colleagues listing the same address and phone
    share one practice. Case, spacing, punctuation and ZIP+4 do not split an office.
    """

    def norm(text: str) -> str:
        return " ".join(re.sub(r"[^0-9A-Z ]", " ", text.upper()).split())

    digits = "".join(char for char in phone if char.isdigit())[-10:]
    return (norm(line1), norm(line2), norm(city), state.strip().upper(), postal_code[:5], digits)


@dataclass(frozen=True)
class ProviderRecord:
    """An individual with a wanted taxonomy, as the directory should list them."""

    npi: str
    first_name: str
    middle_name: str
    last_name: str
    credential: str
    sex: str  # "F", "M" or "U"
    last_updated: date | None
    address: PracticeAddress


@dataclass(frozen=True)
class Deactivation:
    npi: str
    deactivated_on: date


@dataclass(frozen=True)
class Rejection:
    reason: RejectReason
    npi: str


@dataclass(frozen=True)
class Skip:
    reason: SkipReason


RowOutcome = ProviderRecord | Deactivation | Rejection | Skip


def has_wanted_taxonomy(fields: Sequence[str], columns: NppesColumns, codes: frozenset[str]) -> bool:
    """True when any of the 15 taxonomy slots holds one of ``codes``."""
    return any(fields[slot].strip() in codes for slot in columns.taxonomy_slots)


def read_provider_row(fields: Sequence[str], columns: NppesColumns, codes: frozenset[str]) -> RowOutcome:
    """What one parsed NPPES record means for the directory.

    Checked in order: shape (column count), NPI check digit, deactivation (which
    needs no taxonomy: deactivated rows in the public file are blank apart from the
    NPI and the date), wanted taxonomy, individual vs organization, name, and a
    practice ZIP that has the shape of a US ZIP.
    """
    if len(fields) != columns.width:
        return Rejection(RejectReason.WRONG_COLUMN_COUNT, fields[0].strip()[:10] if fields else "")
    npi = fields[columns.npi].strip()
    if not is_valid_npi(npi):
        return Rejection(RejectReason.BAD_CHECK_DIGIT, npi[:10])
    deactivated_on = parse_nppes_date(fields[columns.deactivation_date])
    if deactivated_on and is_deactivated(deactivated_on, parse_nppes_date(fields[columns.reactivation_date])):
        return Deactivation(npi=npi, deactivated_on=deactivated_on)
    if not has_wanted_taxonomy(fields, columns, codes):
        return Skip(SkipReason.OTHER_TAXONOMY)
    if fields[columns.entity_type].strip() != "1":
        return Skip(SkipReason.ORGANIZATION)
    last_name, first_name = fields[columns.last_name].strip(), fields[columns.first_name].strip()
    if not last_name or not first_name:
        return Rejection(RejectReason.MISSING_NAME, npi)
    address = _practice_address(fields, columns)
    if address is None:
        return Rejection(RejectReason.UNPLACEABLE_ZIP, npi)
    sex = fields[columns.sex].strip().upper()
    return ProviderRecord(
        npi=npi,
        first_name=_clip(first_name.title(), 100),
        middle_name=_clip(fields[columns.middle_name].title(), 100),
        last_name=_clip(last_name.title(), 100),
        credential=_clip(fields[columns.credential], 50),
        sex=sex if sex in ("F", "M") else "U",
        last_updated=parse_nppes_date(fields[columns.last_update]),
        address=address,
    )


def _practice_address(fields: Sequence[str], columns: NppesColumns) -> PracticeAddress | None:
    country = fields[columns.country].strip().upper()
    postal_code = normalise_postal_code(fields[columns.postal_code])
    line1 = fields[columns.address_line1].strip()
    if country not in ("", "US") or postal_code is None or not line1:
        return None
    return PracticeAddress(
        line1=_clip(display_case(line1), 200),
        line2=_clip(display_case(fields[columns.address_line2]), 200),
        city=_clip(display_case(fields[columns.city]), 100),
        state=fields[columns.state].strip().upper()[:2],
        postal_code=postal_code,
        phone=format_phone(fields[columns.phone]),
    )


def parse_record(record: bytes) -> list[str] | None:
    """The fields of one CSV record (which may span lines inside quotes), or None if unreadable."""
    try:
        rows = list(csv.reader([record.decode("utf-8", errors="replace").rstrip("\r\n")], strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


# --- Scanning -------------------------------------------------------------------


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
