"""Benchmarks count a request's queries right however long they run."""

from __future__ import annotations

import pytest
from django.db import connection

from directory.models import Procedure
from tests.bench.common import counted_queries

pytestmark = pytest.mark.django_db


def test_a_request_is_counted_after_the_query_log_has_filled_up() -> None:
    # Django's log keeps the last 9,000 queries; a long benchmark run fills it and a plain
    # CaptureQueriesContext then counts every request as 0 queries.
    connection.queries_log.extend({"sql": "", "time": "0"} for _ in range(connection.queries_limit))

    with counted_queries() as captured:
        list(Procedure.objects.all())
        Procedure.objects.count()

    assert len(captured) == 2
