"""Write a synthetic NPPES ``npidata_pfile`` in the real 330-column V2 format.

Rows look like the public file: every field quoted, individuals and
organizations, several taxonomy slots filled, ZIP+4 practice addresses at real
ZIP codes, and a small share of deactivated rows that carry nothing but the NPI
and the deactivation date. A given share of individuals are interventional
radiologists (taxonomy 2085R0204X in a random one of the 15 slots).

Usage: python tests/bench/make_nppes_file.py OUT.csv [--rows N] [--ir-share 0.002] [--facts OUT.json]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import zipcodes

HEADER_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "nppes" / "npidata_pfile_fileheader_v2.csv"
IR_CODE = "2085R0204X"
OTHER_CODES = (
    "207Q00000X",
    "207R00000X",
    "363LF0000X",
    "163W00000X",
    "1223G0001X",
    "390200000X",
    "225100000X",
    "207X00000X",
    "2085R0202X",
    "208600000X",
    "101YM0800X",
    "183500000X",
    "261QM1300X",
    "332B00000X",
)
LAST_NAMES = [
    "SMITH",
    "JOHNSON",
    "WILLIAMS",
    "BROWN",
    "JONES",
    "GARCIA",
    "MILLER",
    "DAVIS",
    "RODRIGUEZ",
    "MARTINEZ",
    "HERNANDEZ",
    "LOPEZ",
    "GONZALEZ",
    "WILSON",
    "ANDERSON",
    "THOMAS",
    "TAYLOR",
    "MOORE",
    "JACKSON",
    "MARTIN",
    "LEE",
    "PEREZ",
    "THOMPSON",
    "WHITE",
    "HARRIS",
    "SANCHEZ",
    "CLARK",
    "RAMIREZ",
    "LEWIS",
    "ROBINSON",
    "WALKER",
    "YOUNG",
    "ALLEN",
    "KING",
    "WRIGHT",
    "SCOTT",
    "TORRES",
    "NGUYEN",
    "HILL",
]
FIRST_NAMES = [
    "JAMES",
    "MARY",
    "ROBERT",
    "PATRICIA",
    "JOHN",
    "JENNIFER",
    "MICHAEL",
    "LINDA",
    "DAVID",
    "ELIZABETH",
    "WILLIAM",
    "BARBARA",
    "RICHARD",
    "SUSAN",
    "JOSEPH",
    "JESSICA",
    "THOMAS",
    "SARAH",
    "CHARLES",
    "KAREN",
    "PRIYA",
    "WEI",
    "AHMED",
    "FATIMA",
    "CARLOS",
    "ANA",
]
STREETS = [
    "MAIN",
    "OAK",
    "PINE",
    "MAPLE",
    "CEDAR",
    "ELM",
    "WASHINGTON",
    "LAKE",
    "HILL",
    "PARK",
    "MEDICAL",
    "CENTER",
    "HOSPITAL",
]
SUFFIXES = ("ST", "AVE", "DR", "BLVD", "RD", "PKWY", "WAY")
CREDENTIALS = ("MD", "M.D.", "DO", "NP", "PA-C", "RN", "DDS", "PHARMD", "LCSW", "")
ORG_WORDS = ["HEALTH", "MEDICAL", "CLINIC", "CARE", "PARTNERS", "ASSOCIATES", "GROUP", "SERVICES", "IMAGING"]


@dataclass(frozen=True)
class Place:
    zip5: str
    city: str
    state: str


def npi_with_check_digit(base9: str) -> str:
    """Return the 10-digit NPI whose last digit is the Luhn check over ``80840`` + base9."""
    total = 24  # the 80840 prefix's fixed contribution
    for position, char in enumerate(reversed(base9)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return base9 + str((10 - total % 10) % 10)


def real_places(rng: random.Random, count: int = 3000) -> list[Place]:
    """Return a sample of real, standard US ZIP codes with their city and state."""
    standard = [z for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD" and z["active"]]
    return [
        Place(z["zip_code"], z["city"].upper(), z["state"])
        for z in rng.sample(standard, min(count, len(standard)))
    ]


class RowMaker:
    """Builds one 330-field row at a time from a seeded random source."""

    def __init__(self, header: list[str], rng: random.Random, ir_share: float, deactivated_share: float):
        self.rng = rng
        self.width = len(header)
        self.col = {name: i for i, name in enumerate(header)}
        self.slots = [self.col[f"Healthcare Provider Taxonomy Code_{n}"] for n in range(1, 16)]
        self.places = real_places(rng)
        self.ir_share = ir_share
        self.deactivated_share = deactivated_share
        self.used_npis: set[str] = set()
        self.ir_rows = 0
        self.deactivated_rows = 0

    def new_npi(self) -> str:
        while True:
            npi = npi_with_check_digit(str(self.rng.randint(100_000_000, 299_999_999)))
            if npi not in self.used_npis:
                self.used_npis.add(npi)
                return npi

    def row(self) -> list[str]:
        roll = self.rng.random()
        if roll < self.deactivated_share:
            return self.deactivated_row()
        is_ir = roll < self.deactivated_share + self.ir_share
        return self.individual_row(is_ir) if is_ir or self.rng.random() < 0.8 else self.organization_row()

    def deactivated_row(self) -> list[str]:
        self.deactivated_rows += 1
        row = [""] * self.width
        row[self.col["NPI"]] = self.new_npi()
        row[self.col["NPI Deactivation Date"]] = self.date()
        return row

    def individual_row(self, is_ir: bool) -> list[str]:
        rng, col = self.rng, self.col
        row = self.common_row("1")
        row[col["Provider Last Name (Legal Name)"]] = rng.choice(LAST_NAMES)
        row[col["Provider First Name"]] = rng.choice(FIRST_NAMES)
        row[col["Provider Middle Name"]] = rng.choice(("", "A", "MARIE", "J"))
        row[col["Provider Credential Text"]] = "MD" if is_ir else rng.choice(CREDENTIALS)
        row[col["Provider Sex Code"]] = rng.choice("MF")
        row[col["Is Sole Proprietor"]] = rng.choice("NY")
        codes = rng.sample(OTHER_CODES, rng.randint(1, 3))
        self.fill_taxonomies(row, codes)
        if is_ir:
            # Any of the 15 slots, even one after empty slots: the importer must look at all of them.
            self.ir_rows += 1
            self.fill_slot(row, rng.randrange(15), IR_CODE, primary=False)
        return row

    def organization_row(self) -> list[str]:
        rng, col = self.rng, self.col
        row = self.common_row("2")
        name = f"{rng.choice(LAST_NAMES)} {rng.choice(ORG_WORDS)} {rng.choice(ORG_WORDS)} LLC"
        row[col["Provider Organization Name (Legal Business Name)"]] = name
        row[col["Employer Identification Number (EIN)"]] = "<UNAVAIL>"
        row[col["Authorized Official Last Name"]] = rng.choice(LAST_NAMES)
        row[col["Authorized Official First Name"]] = rng.choice(FIRST_NAMES)
        row[col["Authorized Official Title or Position"]] = "OWNER"
        row[col["Authorized Official Telephone Number"]] = self.phone()
        row[col["Is Organization Subpart"]] = "N"
        self.fill_taxonomies(row, rng.sample(OTHER_CODES, rng.randint(1, 2)))
        return row

    def common_row(self, entity_type: str) -> list[str]:
        rng, col = self.rng, self.col
        row = [""] * self.width
        row[col["NPI"]] = self.new_npi()
        row[col["Entity Type Code"]] = entity_type
        place = rng.choice(self.places)
        street = f"{rng.randint(1, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}"
        zip9 = place.zip5 + f"{rng.randint(0, 9999):04d}"
        phone = self.phone()
        for kind in ("Mailing", "Practice Location"):
            prefix = f"Provider Business {kind} Address"
            row[col[f"Provider First Line Business {kind} Address"]] = street
            row[col[f"{prefix} City Name"]] = place.city
            row[col[f"{prefix} State Name"]] = place.state
            row[col[f"{prefix} Postal Code"]] = zip9 if rng.random() < 0.85 else place.zip5
            row[col[f"{prefix} Country Code (If outside U.S.)"]] = "US"
            row[col[f"{prefix} Telephone Number"]] = phone
        if rng.random() < 0.3:
            row[col["Provider Second Line Business Practice Location Address"]] = (
                f"STE {rng.randint(100, 999)}"
            )
        row[col["Provider Enumeration Date"]] = self.date()
        row[col["Last Update Date"]] = self.date()
        row[col["Certification Date"]] = self.date()
        if rng.random() < 0.01:
            row[col["NPI Deactivation Date"]] = self.date(2010, 2015)
            row[col["NPI Reactivation Date"]] = self.date(2016, 2020)
        return row

    def fill_taxonomies(self, row: list[str], codes: list[str]) -> None:
        for slot, code in enumerate(codes):
            self.fill_slot(row, slot, code, primary=slot == 0)

    def fill_slot(self, row: list[str], slot: int, code: str, primary: bool) -> None:
        first = self.slots[slot]
        row[first] = code
        row[first + 1] = f"{self.rng.randint(10000, 999999)}"
        row[first + 2] = self.rng.choice(("CA", "NY", "TX", "FL", "MI"))
        row[first + 3] = "Y" if primary else "N"

    def phone(self) -> str:
        return f"{self.rng.randint(201, 989)}{self.rng.randint(200, 999)}{self.rng.randint(0, 9999):04d}"

    def date(self, first_year: int = 2005, last_year: int = 2026) -> str:
        rng = self.rng
        return f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(first_year, last_year)}"


def quoted(fields: list[str]) -> str:
    """Return one CSV line quoting every field, as the public file does."""
    return '"' + '","'.join(field.replace('"', '""') for field in fields) + '"\n'


@dataclass(frozen=True)
class WrittenFile:
    rows: int
    ir_rows: int
    deactivated_npis: list[str]


def write_file(path: Path, rows: int, seed: int = 2085, ir_share: float = 0.002) -> WrittenFile:
    """Write the file; return what it holds, for a benchmark to check the import against."""
    header = next(csv.reader(HEADER_FILE.open(encoding="utf-8")))
    maker = RowMaker(header, random.Random(seed), ir_share, deactivated_share=0.003)
    deactivated: list[str] = []
    npi_column = maker.col["NPI"]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(quoted(header))
        for _ in range(rows):
            row = maker.row()
            if not row[maker.col["Entity Type Code"]]:
                deactivated.append(row[npi_column])
            out.write(quoted(row))
    return WrittenFile(rows=rows, ir_rows=maker.ir_rows, deactivated_npis=deactivated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2085)
    parser.add_argument("--ir-share", type=float, default=0.002)
    parser.add_argument("--facts", type=Path, help="also write what the file holds, as JSON, here")
    args = parser.parse_args()
    written = write_file(args.out, args.rows, seed=args.seed, ir_share=args.ir_share)
    if args.facts:
        args.facts.write_text(json.dumps(dataclasses.asdict(written)))
    print(f"wrote {args.rows:,} rows to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
