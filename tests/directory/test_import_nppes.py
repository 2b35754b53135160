"""Importing NPPES files into the directory: upserts, deactivations, practices, and the command."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.geo import zip_centroid
from directory.importers import ImportProgress, NppesImportSummary, providers_import_nppes
from directory.models import Practice, PracticeLocation, Provider
from tests.directory.test_nppes import FIXTURES, deactivated_row, npi, nppes_csv, nppes_row

pytestmark = pytest.mark.django_db

IR = ["2085R0204X"]


def run_import(rows: list[list[str]], codes: list[str] = IR) -> NppesImportSummary:
    return providers_import_nppes(stream=io.BytesIO(nppes_csv(rows)), taxonomy_codes=codes)


def test_an_ir_row_becomes_a_listed_provider_at_its_zip_plus_4_centroid() -> None:
    summary = run_import([nppes_row()])

    provider = Provider.objects.get(npi=npi("123456789"))
    location = provider.locations.get()
    centroid = zip_centroid("10016")
    assert centroid is not None
    assert (summary.created, summary.kept) == (1, 1)
    assert provider.is_listed and provider.display_name == "Adaeze Okafor, MD"
    assert provider.nppes_last_updated == date(2024, 3, 14)
    assert (location.postal_code, location.latitude, location.longitude) == (
        "10016-6402",
        centroid.lat,
        centroid.lng,
    )
    assert location.geocode_source == PracticeLocation.GeocodeSource.ZIP_CENTROID
    assert location.geocoded_at is not None


def test_non_ir_and_organization_rows_are_skipped() -> None:
    summary = run_import(
        [
            nppes_row(NPI=npi("100000001"), **{"Healthcare Provider Taxonomy Code_1": "207Q00000X"}),
            nppes_row(NPI=npi("100000002"), **{"Entity Type Code": "2"}),
        ]
    )

    assert not Provider.objects.exists()
    assert summary.rows_read == 2 and summary.kept == 0
    assert summary.skipped == {"organization, not an individual": 1}


def test_a_second_run_of_the_same_file_changes_nothing() -> None:
    rows = [nppes_row(NPI=npi(f"10000000{n}")) for n in range(5)]
    run_import(rows)
    first_seen = dict(Provider.objects.values_list("npi", "updated_at"))

    summary = run_import(rows)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 5)
    assert dict(Provider.objects.values_list("npi", "updated_at")) == first_seen
    assert PracticeLocation.objects.count() == 1


def test_changed_data_updates_the_provider() -> None:
    run_import([nppes_row()])

    summary = run_import(
        [nppes_row(**{"Provider Last Name (Legal Name)": "OKAFOR-BELL", "Last Update Date": "01/09/2025"})]
    )

    provider = Provider.objects.get()
    assert (summary.updated, summary.unchanged) == (1, 0)
    assert provider.last_name == "Okafor-Bell" and provider.nppes_last_updated == date(2025, 1, 9)


def test_a_provider_who_moved_is_listed_at_the_new_address_only() -> None:
    run_import([nppes_row()])

    run_import([nppes_row(**{"Provider First Line Business Practice Location Address": "550 1ST AVE"})])

    assert list(Provider.objects.get().locations.values_list("address_line1", flat=True)) == ["550 1ST Ave"]


def test_colleagues_at_the_same_address_and_phone_share_one_practice() -> None:
    run_import(
        [nppes_row(NPI=npi("100000001")), nppes_row(NPI=npi("100000002"), **{"Provider First Name": "JO"})]
    )

    assert Practice.objects.count() == 1
    assert PracticeLocation.objects.get().providers.count() == 2


def test_a_deactivated_row_without_taxonomy_unlists_a_listed_provider() -> None:
    run_import([nppes_row()])

    summary = run_import([deactivated_row(npi("123456789"), on="05/04/2025")])

    provider = Provider.objects.get()
    assert summary.unlisted == 1
    assert not provider.is_listed and provider.deactivated_on == date(2025, 5, 4)


def test_deactivated_npis_never_in_the_directory_are_ignored() -> None:
    summary = run_import([deactivated_row(npi("100000009"))])

    assert summary.rows_read == 1 and summary.unlisted == 0
    assert not Provider.objects.exists()


def test_a_reactivated_provider_is_listed_again() -> None:
    run_import([nppes_row()])
    run_import([deactivated_row(npi("123456789"), on="05/04/2025")])

    summary = run_import(
        [nppes_row(**{"NPI Deactivation Date": "05/04/2025", "NPI Reactivation Date": "06/01/2025"})]
    )

    provider = Provider.objects.get()
    assert summary.updated == 1
    assert provider.is_listed and provider.deactivated_on is None


def test_a_provider_unlisted_by_hand_stays_unlisted() -> None:
    run_import([nppes_row()])
    Provider.objects.update(is_listed=False)

    run_import([nppes_row(**{"Provider Credential Text": "MD, PHD"})])

    assert not Provider.objects.get().is_listed


def test_bad_check_digits_are_rejected_and_named() -> None:
    summary = run_import([nppes_row(NPI="1234567890"), nppes_row(NPI=npi("100000001"))])

    assert list(Provider.objects.values_list("npi", flat=True)) == [npi("100000001")]
    assert summary.rejected == {"bad NPI check digit": 1}
    assert summary.bad_npis == ["1234567890"]


def test_a_zip_with_no_known_centroid_is_counted_and_not_imported() -> None:
    summary = run_import(
        [
            nppes_row(
                NPI=npi("100000001"), **{"Provider Business Practice Location Address Postal Code": "00000"}
            ),
            nppes_row(
                NPI=npi("100000002"), **{"Provider Business Practice Location Address Postal Code": "123"}
            ),
        ]
    )

    assert summary.rejected == {"practice ZIP cannot be placed": 2}
    assert summary.kept == 0
    assert not Provider.objects.exists() and not Practice.objects.exists()


def test_a_row_with_the_wrong_column_count_is_counted_and_the_run_goes_on() -> None:
    summary = run_import([nppes_row(NPI=npi("100000001"))[:200], nppes_row(NPI=npi("100000002"))])

    assert summary.rejected == {"wrong column count": 1}
    assert summary.created == 1


def test_the_real_three_row_sample_imports_with_the_right_counts() -> None:
    sample = (FIXTURES / "npidata_pfile_sample_v2.csv").read_bytes()

    as_ir = providers_import_nppes(stream=io.BytesIO(sample), taxonomy_codes=IR)
    as_technologist = providers_import_nppes(stream=io.BytesIO(sample), taxonomy_codes=["106S00000X"])

    assert (as_ir.rows_read, as_ir.kept, as_ir.created) == (3, 0, 0)
    assert (as_technologist.rows_read, as_technologist.kept, as_technologist.created) == (3, 1, 1)
    provider = Provider.objects.get()
    assert (provider.npi, provider.display_name) == ("1851806699", "Nicholas Michael Potter, MA")
    assert provider.locations.get().postal_code == "49509-9542"


def test_the_command_prints_the_summary(tmp_path: Path) -> None:
    path = tmp_path / "npidata.csv"
    path.write_bytes(nppes_csv([nppes_row(), nppes_row(NPI="1234567890"), deactivated_row(npi("100000009"))]))
    out = io.StringIO()

    call_command("import_nppes", str(path), stdout=out, stderr=io.StringIO())

    printed = out.getvalue()
    for line in [
        "rows read: 3",
        "kept: 1",
        "created: 1",
        "updated: 0",
        "unchanged: 0",
        "unlisted (deactivated): 0",
        "rejected: 1",
        "  bad NPI check digit: 1 (first NPIs: 1234567890)",
    ]:
        assert line in printed.splitlines()


def test_the_command_keeps_the_taxonomy_codes_it_is_given(tmp_path: Path) -> None:
    path = tmp_path / "npidata.csv"
    path.write_bytes(nppes_csv([nppes_row(**{"Healthcare Provider Taxonomy Code_1": "2085R0202X"})]))

    call_command("import_nppes", str(path), "--taxonomy", "2085R0202X", stdout=io.StringIO())

    assert Provider.objects.count() == 1


def test_the_command_names_a_missing_file_and_a_file_that_is_not_nppes(tmp_path: Path) -> None:
    not_nppes = tmp_path / "other.csv"
    not_nppes.write_text("a,b,c\n1,2,3\n")

    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_nppes", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="not an NPPES npidata file"):
        call_command("import_nppes", str(not_nppes))


def test_progress_is_reported_while_the_file_is_read() -> None:
    seen: list[ImportProgress] = []

    providers_import_nppes(
        stream=io.BytesIO(nppes_csv([nppes_row(NPI=npi(f"10000000{n}")) for n in range(4)])),
        taxonomy_codes=IR,
        on_progress=seen.append,
        progress_every_seconds=0,
    )

    assert seen and seen[-1].rows_read >= 3
