"""The metrics pages, their CSV export and ``manage.py loop_metrics`` agree and show each person their own."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from tests.referrals.factories import StaffFactory, UserFactory
from tests.referrals.loop_scene import LoopScene, loop_scene

pytestmark = pytest.mark.django_db

ADMIN_PAGE = "/admin/referrals/loopmetrics/"
MY_PAGE = "/referrals/metrics/"
FIRST_HALF = {"since": "2026-01-01", "until": "2026-06-30"}


@pytest.fixture
def scene() -> LoopScene:
    return loop_scene()


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def command_rows(*args: str) -> list[tuple[str, str]]:
    out = io.StringIO()
    call_command("loop_metrics", *args, stdout=out)
    lines = [line.strip() for line in out.getvalue().splitlines() if line.startswith("  ")]
    return [tuple(line.rsplit(": ", 1)) for line in lines]  # type: ignore[misc]


def csv_rows(response: Any) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(response.content.decode()))
    return {row["measure"]: row["value"] for row in rows}


def test_the_admin_page_and_the_command_print_the_same_figures(scene: LoopScene) -> None:
    practice = str(scene.lakeside.pk)
    page = signed_in(scene.lakeside_staff).get(ADMIN_PAGE, {"practice": practice, **FIRST_HALF})
    rows = command_rows("--practice", practice, "--since", "2026-01-01", "--until", "2026-06-30")

    html = page.content.decode()
    assert page.status_code == 200
    assert ("Referrals received", "4") in rows
    assert len(rows) > 20
    for measure, value in rows:
        assert f'<th scope="row">{escape(measure)}</th><td>{escape(value)}</td>' in html


def test_the_csv_export_holds_the_same_figures_as_the_command(scene: LoopScene) -> None:
    response = signed_in(scene.lakeside_staff).get(ADMIN_PAGE, {**FIRST_HALF, "export": "csv"})
    rows = command_rows(
        "--practice", str(scene.lakeside.pk), "--since", "2026-01-01", "--until", "2026-06-30"
    )

    assert response["Content-Type"].startswith("text/csv")
    assert csv_rows(response) == dict(rows)


def test_office_staff_cannot_open_another_practices_figures_on_the_page_or_in_csv(scene: LoopScene) -> None:
    client = signed_in(scene.lakeside_staff)
    other = {"practice": str(scene.summit.pk), **FIRST_HALF}

    assert client.get(ADMIN_PAGE, other).status_code == 404
    assert client.get(ADMIN_PAGE, {**other, "export": "csv"}).status_code == 404
    own = client.get(ADMIN_PAGE, FIRST_HALF).content.decode()
    assert "Lakeside Spine and Vascular" in own
    assert "Summit" not in own


def test_staff_of_no_practice_and_clinicians_get_no_admin_metrics(scene: LoopScene) -> None:
    loner = StaffFactory.create(username="staff.loner")
    loner.practice_memberships.all().delete()

    assert signed_in(loner).get(ADMIN_PAGE).status_code == 404
    assert signed_in(scene.dr_one).get(ADMIN_PAGE).status_code == 302  # to the admin login
    assert "Referral metrics" not in signed_in(loner).get("/admin/").content.decode()
    assert "Referral metrics" in signed_in(scene.lakeside_staff).get("/admin/").content.decode()


@pytest.mark.parametrize("permission", ["view_all_practice_metrics", "route_referral_by_hand"])
def test_coordinators_see_the_whole_portal_and_every_practice_side_by_side(
    scene: LoopScene, permission: str
) -> None:
    coordinator = UserFactory.create(username="coordinator", is_staff=True)
    coordinator.user_permissions.add(Permission.objects.get(codename=permission))

    client = signed_in(coordinator)
    html = client.get(ADMIN_PAGE, FIRST_HALF).content.decode()
    summit = client.get(ADMIN_PAGE, {"practice": str(scene.summit.pk), **FIRST_HALF})

    assert '<th scope="row">Referrals received</th><td>6</td>' in html
    assert "Practices side by side" in html
    assert '<th scope="row">Summit Interventional Radiology</th><td>3</td>' in html
    assert '<th scope="row">Referrals received</th><td>3</td>' in summit.content.decode()


def test_a_clinician_sees_only_the_referrals_they_made_whatever_the_query_says(scene: LoopScene) -> None:
    client = signed_in(scene.dr_one)
    page = client.get(MY_PAGE, {**FIRST_HALF, "practice": str(scene.summit.pk)})
    export = client.get(MY_PAGE, {**FIRST_HALF, "export": "csv"})

    assert '<th scope="row">Referrals received</th><td>3</td>' in page.content.decode()
    assert csv_rows(export)["Referrals received"] == "3"
    assert (
        csv_rows(signed_in(scene.dr_two).get(MY_PAGE, {**FIRST_HALF, "export": "csv"}))["Referrals received"]
        == "3"
    )


def test_a_date_that_cannot_be_read_is_a_400_naming_the_field(scene: LoopScene) -> None:
    response = signed_in(scene.dr_one).get(MY_PAGE, {"since": "last spring"})

    assert response.status_code == 400
    assert "From: &quot;last spring&quot; is not a date; write it as YYYY-MM-DD." in response.content.decode()


def test_the_command_refuses_an_unknown_practice_or_a_bad_date(scene: LoopScene) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--practice"):
        call_command("loop_metrics", "--practice", "999999")
    with pytest.raises(CommandError, match="--until"):
        call_command("loop_metrics", "--until", "2026-13-01")


def test_the_clinicians_page_charts_nothing_over_fewer_than_ten_referrals(scene: LoopScene) -> None:
    html = signed_in(scene.dr_one).get(MY_PAGE, FIRST_HALF).content.decode()

    assert "<svg" not in html
    assert "Too few referrals to draw a chart yet" in html


API = "/api/v1/metrics/"


def api_figures(response: Any) -> dict[str, str]:
    return {row["measure"]: row["value"] for row in response.json()["figures"]}


def test_the_api_gives_a_clinician_their_own_referrals_and_staff_their_own_practice(scene: LoopScene) -> None:
    mine = signed_in(scene.dr_one).get(API, FIRST_HALF)
    office = signed_in(scene.lakeside_staff).get(API, {"practice": str(scene.lakeside.pk), **FIRST_HALF})

    assert api_figures(mine)["Referrals received"] == "3"
    assert office.json()["scope"] == "Lakeside Spine and Vascular"
    assert api_figures(office) == dict(
        command_rows("--practice", str(scene.lakeside.pk), "--since", "2026-01-01", "--until", "2026-06-30")
    )


def test_the_api_hides_another_practice_and_the_whole_portal_from_office_staff(scene: LoopScene) -> None:
    client = signed_in(scene.lakeside_staff)

    assert client.get(API, {"practice": str(scene.summit.pk)}).status_code == 404
    assert client.get(API, {"practice": "all"}).status_code == 404
    assert Client().get(API).status_code in (401, 403)


def test_the_api_names_the_field_of_a_bad_date(scene: LoopScene) -> None:
    response = signed_in(scene.dr_one).get(API, {"since": "2026-07-01", "until": "2026-06-30"})

    assert response.status_code == 400
    assert response.json() == {"since": ["The first day comes after the last day."]}


def test_the_api_shows_coordinators_every_practice_side_by_side(scene: LoopScene) -> None:
    coordinator = UserFactory.create(username="coordinator")
    coordinator.user_permissions.add(Permission.objects.get(codename="view_all_practice_metrics"))

    body = signed_in(coordinator).get(API, {"practice": "all", **FIRST_HALF}).json()

    assert body["practices"][1] == {
        "name": "Summit Interventional Radiology",
        "offered": 3,
        "accepted": "2 of 3 (too few for a rate)",
        "moved_on": "1 of 3 (too few for a rate)",
        "completed": "2 of 2 (too few for a rate)",
        "no_shows": "1 of 3 (too few for a rate)",
    }
