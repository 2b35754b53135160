"""Every patient page, rendered in English and in Spanish, for the readability script."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.test import Client

from triage.rules import ANSWER_KEYS

PageRequest = Callable[[Client, str], Any]


def _get(path: str) -> PageRequest:
    return lambda client, prefix: client.get(prefix + path, follow=True)


def _post(path: str, data: dict[str, str]) -> PageRequest:
    return lambda client, prefix: client.post(prefix + path, data, follow=True)


def self_check_answers(*, age: int, weeks: int, yes: tuple[str, ...] = ()) -> dict[str, str]:
    """A full self-check form submission: the keys in ``yes`` answered yes, all others no."""
    answers = {key: "yes" if key in yes else "no" for key in ANSWER_KEYS}
    return {"age": str(age), "pain_duration_weeks": str(weeks), **answers}


def _directory() -> str:
    """Three offices in downtown Denver; returns the NPI of one provider."""
    from tests.directory.factories import PracticeLocationFactory, ProviderFactory

    npi = ""
    for index, procedures in enumerate(
        (["epidural-steroid-injection", "facet-joint-injection"], ["vertebroplasty-kyphoplasty"], [])
    ):
        location = PracticeLocationFactory.create(postal_code="80202")
        provider = ProviderFactory.create(
            locations=[location],
            procedures=procedures,
            conditions=["herniated-disc", "spinal-stenosis"] if index == 0 else [],
            languages=["en", "es"],
        )
        npi = npi or provider.npi
    return npi


def _outcome_token() -> str:
    """The token of a patient's one-time outcome link (reading the page does not use it up)."""
    from referrals.patient_outcomes import outcome_invite_send
    from tests.referrals.factories import ReferralFactory

    return outcome_invite_send(referral=ReferralFactory.create()).token


def patient_pages() -> Iterator[tuple[str, str, str]]:
    """(page name, English HTML, Spanish HTML) for every patient page and state."""
    npi = _directory()
    token = _outcome_token()
    pages: dict[str, PageRequest] = {
        "home": _get("/"),
        "finder": _get("/find/"),
        "finder results": _get("/find/?near=80202&radius=25"),
        "finder, no results": _get("/find/?near=10001&radius=5"),
        "finder, unknown place": _get("/find/?near=00000"),
        "finder, which city": _get("/find/?near=springfield"),
        "provider profile": _get(f"/find/{npi}/"),
        "provider, report sent": _post(f"/find/{npi}/", {"problem": "phone"}),
        "provider, report missing answer": _post(f"/find/{npi}/", {}),
        "self-check": _get("/check/"),
        "self-check, nothing answered": _post("/check/", {}),
        "result: emergency": _post("/check/", self_check_answers(age=48, weeks=1, yes=("saddle_numbness",))),
        "result: urgent": _post("/check/", self_check_answers(age=48, weeks=1, yes=("fever",))),
        "result: soon": _post("/check/", self_check_answers(age=72, weeks=1)),
        "result: self-care": _post("/check/", self_check_answers(age=35, weeks=2)),
        "result: self-care, 6 weeks or more": _post("/check/", self_check_answers(age=35, weeks=8)),
        "outcome report": _get(f"/outcome/{token}/"),
        "outcome report, nothing answered": _post(f"/outcome/{token}/", {}),
        "outcome link unusable": _get("/outcome/not-a-real-token/"),
    }
    for name, request in pages.items():
        english = request(Client(), "").content.decode()
        spanish = request(Client(), "/es").content.decode()
        yield name, english, spanish
