"""Reading the public NPPES ``npidata_pfile`` CSV: pure parsing, no database.

``read_provider_row`` turns one parsed record into what the importer acts on:
a ``ProviderRecord`` to upsert, a ``Deactivation`` to apply, a ``Rejection`` with
its reason, or a ``Skip``. ``directory.nppes_scanner`` finds those records in the
file without parsing the rest.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from directory.npi import is_valid_npi

TAXONOMY_SLOTS = 15
EXPECTED_COLUMNS = 330


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
