"""Cached search answers: reused while the directory stands still, never once it changes."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from directory.geo import Origin
from directory.models import Procedure
from directory.selectors import providers_near
from directory.serializers import ProviderResultSerializer
from tests.directory.factories import PracticeLocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

DENVER = Origin(lat=39.7392, lng=-104.9903, label="Denver, CO")


def nearby(**kwargs):
    return ProviderFactory(locations=[PracticeLocationFactory(latitude=39.75, longitude=-104.99)], **kwargs)


def search_counting_rows() -> tuple[list[str], int, int]:
    """(NPIs on the first page, the total, how many statements read the listing's rows)."""
    with CaptureQueriesContext(connection) as queries:
        page, total = providers_near(origin=DENVER, radius_km=25).page(1, 20)
    reads = sum("FROM directory_searchlisting " in query["sql"] for query in queries.captured_queries)
    return [provider.npi for provider in page], total, reads


def test_the_same_search_again_is_answered_without_reading_the_listing():
    provider = nearby()

    first = search_counting_rows()
    again = search_counting_rows()

    assert first[:2] == again[:2] == ([provider.npi], 1)
    assert first[2] >= 2
    assert again[2] == 0


def test_a_directory_change_is_seen_by_the_very_next_search():
    staying, leaving = nearby(), nearby()
    assert search_counting_rows()[1] == 2

    leaving.is_listed = False
    leaving.save()

    npis, total, reads = search_counting_rows()
    assert (npis, total) == ([staying.npi], 1)
    assert reads >= 2


def test_a_change_rolled_back_leaves_no_cached_answer_behind():
    provider = nearby()
    assert search_counting_rows()[:2] == ([provider.npi], 1)

    with pytest.raises(RuntimeError), transaction.atomic():
        nearby()
        assert search_counting_rows()[1] == 2  # seen, and cached, inside the transaction
        raise RuntimeError("the change is abandoned")

    assert search_counting_rows()[:2] == ([provider.npi], 1)
    # The next change must not meet the abandoned one's answer (two providers found).
    provider.is_listed = False
    provider.save()
    assert search_counting_rows()[:2] == ([], 0)


def test_a_zero_cache_time_reads_the_listing_every_time(settings):
    settings.SEARCH_CACHE_SECONDS = 0
    nearby()

    search_counting_rows()

    assert search_counting_rows()[2] >= 2


def test_renaming_a_procedure_shows_the_new_name_on_the_very_next_search():
    procedure = Procedure.objects.order_by("pk")[0]
    provider = nearby(procedures=[procedure.slug])
    first = providers_near(origin=DENVER, radius_km=25)[0]
    assert [entry.name for entry in first.offered_procedures] == [procedure.name]

    procedure.name = "Image-guided nerve block (renamed)"
    procedure.save()

    found = providers_near(origin=DENVER, radius_km=25)[0]
    assert found.npi == provider.npi
    assert [entry.name for entry in found.offered_procedures] == ["Image-guided nerve block (renamed)"]


def test_the_catalog_is_read_once_while_the_directory_stands_still():
    nearby(procedures=[Procedure.objects.order_by("pk")[0].slug])
    providers_near(origin=DENVER, radius_km=25)[:]

    with CaptureQueriesContext(connection) as queries:
        providers_near(origin=DENVER, radius_km=30)[:]

    assert not any("directory_procedure" in query["sql"] for query in queries.captured_queries)


def test_renaming_a_practice_or_changing_its_phone_shows_on_the_very_next_search():
    provider = nearby()
    practice = provider.locations.get().practice
    assert providers_near(origin=DENVER, radius_km=25)[0].nearest_location.practice.name == practice.name

    practice.name = "Front Range Spine and Vascular"
    practice.phone = "303-555-0199"
    practice.save()

    found = providers_near(origin=DENVER, radius_km=25)[0].nearest_location.practice
    assert (found.name, found.phone) == ("Front Range Spine and Vascular", "303-555-0199")


def test_without_the_result_cache_a_page_and_its_json_take_two_statements_once_the_catalog_is_kept(settings):
    settings.SEARCH_CACHE_SECONDS = 0
    provider = nearby(procedures=[Procedure.objects.order_by("pk")[0].slug])
    providers_near(origin=DENVER, radius_km=25)[:]

    with CaptureQueriesContext(connection) as queries:
        page, total = providers_near(origin=DENVER, radius_km=30).page(1, 20)
        shown = ProviderResultSerializer(page, many=True, context={"units": "km"}).data

    assert total == 1
    assert [found.npi for found in page] == [provider.npi]
    assert [entry.slug for entry in page[0].offered_procedures] == [provider.procedures.get().slug]
    assert page[0].nearest_location.practice.name == provider.locations.get().practice.name
    assert shown[0]["location"]["city"] == provider.locations.get().city
    assert len(queries.captured_queries) == 2  # the count (with the listing's version), the ranked page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_on_postgresql_a_search_run_again_reuses_its_prepared_statements_and_answers_the_same(settings):
    settings.SEARCH_CACHE_SECONDS = 0
    near = nearby()
    farther = ProviderFactory(locations=[PracticeLocationFactory(latitude=39.9, longitude=-104.99)])

    def search() -> tuple[list[str], int]:
        page, total = providers_near(origin=DENVER, radius_km=30).page(1, 20)
        return [provider.npi for provider in page], total

    first = search()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%searchlisting%"]
        )
        prepared = cursor.fetchone()[0]
    again = search()

    assert first == again == ([near.npi, farther.npi], 2)
    assert prepared == 2  # the count and the ranked page, each prepared once on this connection
