"""Reading NPPES rows: check digits, taxonomy slots, deactivations, ZIPs, and the fast scanner."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from directory.npi import is_valid_npi, npi_check_digit
from directory.nppes import (
    Deactivation,
    NppesColumns,
    ProviderRecord,
    Rejection,
    RejectReason,
    Skip,
    SkipReason,
    is_deactivated,
    normalise_postal_code,
    read_provider_row,
)
from directory.nppes_scanner import Candidate, NppesScanner

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nppes"
HEADER = next(csv.reader((FIXTURES / "npidata_pfile_fileheader_v2.csv").open(encoding="utf-8")))
COLUMNS = NppesColumns.from_header(HEADER)
IR = frozenset({"2085R0204X"})


def npi(body: str) -> str:
    """A valid NPI from nine digits."""
    return body + npi_check_digit(body)


def nppes_row(**values: str) -> list[str]:
    """A 330-field row for an individual interventional radiologist; ``values`` override by column name."""
    row = dict.fromkeys(HEADER, "")
    row.update(
        {
            "NPI": npi("123456789"),
            "Entity Type Code": "1",
            "Provider Last Name (Legal Name)": "OKAFOR",
            "Provider First Name": "ADAEZE",
            "Provider Credential Text": "MD",
            "Provider Sex Code": "F",
            "Provider First Line Business Practice Location Address": "462 1ST AVE",
            "Provider Second Line Business Practice Location Address": "STE 200",
            "Provider Business Practice Location Address City Name": "NEW YORK",
            "Provider Business Practice Location Address State Name": "NY",
            "Provider Business Practice Location Address Postal Code": "100166402",
            "Provider Business Practice Location Address Country Code (If outside U.S.)": "US",
            "Provider Business Practice Location Address Telephone Number": "2125551234",
            "Last Update Date": "03/14/2024",
            "Healthcare Provider Taxonomy Code_1": "2085R0204X",
            "Healthcare Provider Primary Taxonomy Switch_1": "Y",
        }
    )
    row.update(values)
    return [row[name] for name in HEADER]


def deactivated_row(npi_number: str, on: str = "05/04/2025") -> list[str]:
    """A deactivated row as the public file has them: the NPI and the date, nothing else."""
    row = [""] * len(HEADER)
    row[COLUMNS.npi] = npi_number
    row[COLUMNS.deactivation_date] = on
    return row


def nppes_csv(rows: list[list[str]], newline: str = "\n") -> bytes:
    """A whole file, every field quoted like the public file."""
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator=newline).writerows([HEADER, *rows])
    return out.getvalue().encode("utf-8")


# --- check digits ---------------------------------------------------------------


@pytest.mark.parametrize("number", ["1234567893", "1851806699", "1699600866", "1669740403"])
def test_known_npis_pass_the_check_digit(number: str) -> None:
    assert is_valid_npi(number)


@pytest.mark.parametrize("number", ["1234567890", "1851806698", "123456789", "12345678930", "12345678X3"])
def test_npis_with_a_wrong_check_digit_or_shape_fail(number: str) -> None:
    assert not is_valid_npi(number)


def test_a_bad_check_digit_row_is_rejected_with_its_npi() -> None:
    outcome = read_provider_row(nppes_row(NPI="1234567890"), COLUMNS, IR)

    assert outcome == Rejection(RejectReason.BAD_CHECK_DIGIT, "1234567890")


# --- taxonomy and entity type ------------------------------------------------------


def test_taxonomy_in_slot_1_is_kept() -> None:
    assert isinstance(read_provider_row(nppes_row(), COLUMNS, IR), ProviderRecord)


def test_taxonomy_in_slot_15_is_kept() -> None:
    row = nppes_row(
        **{
            "Healthcare Provider Taxonomy Code_1": "207Q00000X",
            "Healthcare Provider Taxonomy Code_15": "2085R0204X",
        }
    )

    assert isinstance(read_provider_row(row, COLUMNS, IR), ProviderRecord)


def test_other_taxonomies_are_skipped() -> None:
    row = nppes_row(**{"Healthcare Provider Taxonomy Code_1": "207Q00000X"})

    assert read_provider_row(row, COLUMNS, IR) == Skip(SkipReason.OTHER_TAXONOMY)


def test_the_code_outside_a_taxonomy_slot_does_not_count() -> None:
    row = nppes_row(
        **{"Healthcare Provider Taxonomy Code_1": "207Q00000X", "Provider License Number_1": "2085R0204X"}
    )

    assert read_provider_row(row, COLUMNS, IR) == Skip(SkipReason.OTHER_TAXONOMY)


def test_organization_rows_are_skipped() -> None:
    row = nppes_row(
        **{"Entity Type Code": "2", "Provider Organization Name (Legal Business Name)": "RAD, INC"}
    )

    assert read_provider_row(row, COLUMNS, IR) == Skip(SkipReason.ORGANIZATION)


def test_an_ir_row_reads_as_a_display_ready_record() -> None:
    record = read_provider_row(nppes_row(), COLUMNS, IR)

    assert isinstance(record, ProviderRecord)
    assert (record.first_name, record.last_name, record.credential, record.sex) == (
        "Adaeze",
        "Okafor",
        "MD",
        "F",
    )
    assert record.address.line1 == "462 1ST Ave"
    assert record.address.postal_code == "10016-6402"
    assert record.address.phone == "(212) 555-1234"
    assert record.last_updated == date(2024, 3, 14)


# --- deactivation ---------------------------------------------------------------


def test_a_blank_deactivated_row_is_a_deactivation_without_any_taxonomy() -> None:
    outcome = read_provider_row(deactivated_row(npi("123456789")), COLUMNS, IR)

    assert outcome == Deactivation(npi=npi("123456789"), deactivated_on=date(2025, 5, 4))


def test_a_later_reactivation_keeps_the_provider() -> None:
    row = nppes_row(**{"NPI Deactivation Date": "01/02/2020", "NPI Reactivation Date": "03/04/2021"})

    assert isinstance(read_provider_row(row, COLUMNS, IR), ProviderRecord)


def test_a_reactivation_before_the_latest_deactivation_does_not_undo_it() -> None:
    assert is_deactivated(date(2022, 1, 1), date(2021, 1, 1))
    assert not is_deactivated(date(2022, 1, 1), date(2022, 1, 1))
    assert not is_deactivated(None, None)


# --- ZIPs and shape ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("10016", "10016"), ("100166402", "10016-6402"), ("10016-6402", "10016-6402"), (" 02134 ", "02134")],
)
def test_5_and_9_digit_zips_are_normalised(raw: str, expected: str) -> None:
    assert normalise_postal_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "1001", "1001664", "ABCDE", "K1A0B1"])
def test_zips_that_are_not_5_or_9_digits_are_refused(raw: str) -> None:
    assert normalise_postal_code(raw) is None


def test_a_practice_outside_the_us_cannot_be_placed() -> None:
    row = nppes_row(
        **{"Provider Business Practice Location Address Country Code (If outside U.S.)": "CA"},
    )

    assert read_provider_row(row, COLUMNS, IR) == Rejection(RejectReason.UNPLACEABLE_ZIP, npi("123456789"))


def test_a_row_with_the_wrong_column_count_is_rejected() -> None:
    outcome = read_provider_row(nppes_row()[:-3], COLUMNS, IR)

    assert outcome == Rejection(RejectReason.WRONG_COLUMN_COUNT, npi("123456789"))


def test_a_header_without_the_taxonomy_columns_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="Healthcare Provider Taxonomy Code_15"):
        NppesColumns.from_header(HEADER[:103])


# --- the scanner ------------------------------------------------------------------


def _scan(data: bytes, block_bytes: int = 1 << 20) -> tuple[int, list[tuple[Candidate, str]]]:
    scanner = NppesScanner(io.BytesIO(data), ["2085R0204X"], block_bytes=block_bytes)
    found = [(why, next(csv.reader([record.decode()]))[0]) for why, record in scanner.candidates()]
    return scanner.rows_read, found


def _mixed_rows() -> list[list[str]]:
    other = {"Healthcare Provider Taxonomy Code_1": "207Q00000X"}
    return [
        nppes_row(NPI=npi("100000001"), **other),
        nppes_row(NPI=npi("100000002")),
        deactivated_row(npi("100000003")),
        nppes_row(
            NPI=npi("100000004"), **{**other, "Provider Organization Name (Legal Business Name)": 'A, "B"'}
        ),
        nppes_row(
            NPI=npi("100000005"),
            **{
                "Healthcare Provider Taxonomy Code_1": "",
                **{"Healthcare Provider Taxonomy Code_15": "2085R0204X"},
            },
        ),
        nppes_row(NPI=npi("100000006"), **other),
    ]


EXPECTED = [
    (Candidate.TAXONOMY, npi("100000002")),
    (Candidate.DEACTIVATED, npi("100000003")),
    (Candidate.TAXONOMY, npi("100000005")),
]


@pytest.mark.parametrize("block_bytes", [1 << 20, 1500, 3000, 7777])
def test_the_scanner_hands_out_only_rows_that_could_matter_and_counts_every_row(block_bytes: int) -> None:
    rows_read, found = _scan(nppes_csv(_mixed_rows() * 3), block_bytes)

    assert rows_read == 18
    assert found == EXPECTED * 3


@pytest.mark.parametrize("block_bytes", [1 << 20, 1500])
def test_the_scanner_reads_crlf_files_the_same(block_bytes: int) -> None:
    rows_read, found = _scan(nppes_csv(_mixed_rows(), newline="\r\n"), block_bytes)

    assert (rows_read, found) == (6, EXPECTED)


@pytest.mark.parametrize("block_bytes", [1 << 20, 1500, 4000])
def test_a_line_break_inside_a_quoted_field_does_not_split_the_row(block_bytes: int) -> None:
    rows = _mixed_rows()
    rows[1] = nppes_row(
        NPI=npi("100000002"), **{"Provider Second Line Business Practice Location Address": 'STE 2\n"1'}
    )
    rows[0] = nppes_row(NPI=npi("100000001"), **{"Provider Other Organization Name": "X\n2085R0204X"})

    rows_read, found = _scan(nppes_csv(rows), block_bytes)

    assert rows_read == 6
    assert found == [(Candidate.TAXONOMY, npi("100000001")), *EXPECTED]


def test_a_file_without_a_final_newline_still_counts_its_last_row() -> None:
    rows_read, found = _scan(nppes_csv(_mixed_rows()).rstrip(b"\n"))

    assert (rows_read, found) == (6, EXPECTED)
