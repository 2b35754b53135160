"""Locust users for tests/bench/load.py: each run drives one endpoint, named by LOAD_ENDPOINT."""

from __future__ import annotations

import os
import random
import uuid
from typing import Any

from locust import FastHttpUser, task

ENDPOINT = os.environ["LOAD_ENDPOINT"]
ZIPS = os.environ["LOAD_ZIPS"].split(",")
TOKEN = os.environ.get("LOAD_TOKEN", "")
ANSWER_KEYS = os.environ["LOAD_ANSWER_KEYS"].split(",")


def answers(*yes: str) -> dict[str, bool]:
    return {key: key in yes for key in ANSWER_KEYS}


def referral_body() -> dict[str, Any]:
    return {
        "patient": {
            "first_name": "Load",
            "last_name": f"Patient{random.randrange(1_000_000)}",
            "birth_date": "1970-05-17",
            "sex": "female",
            "phone": "555-0100",
            "postal_code": random.choice(ZIPS),
        },
        "triage": {"pain_duration_weeks": 8, "answers": answers("leg_weakness")},
        "requested_procedure": "epidural-steroid-injection",
        "clinical_question": "Radicular pain for 8 weeks despite PT; is an epidural injection appropriate?",
        "pain_score": 7,
    }


class PortalUser(FastHttpUser):
    """Sends requests back to back (no think time): the server's capacity is what is measured."""

    @task
    def one_request(self) -> None:
        if ENDPOINT == "search":
            self.client.get(f"/api/v1/providers/?near={random.choice(ZIPS)}&radius=25", name="search")
        elif ENDPOINT == "self_check":
            body = {
                "age": random.randint(18, 69),
                "pain_duration_weeks": random.randint(0, 20),
                "answers": answers(),
            }
            self.client.post("/api/v1/triage/assessments/", json=body, name="self_check")
        elif ENDPOINT == "referral":
            headers = {"Authorization": f"Token {TOKEN}", "Idempotency-Key": str(uuid.uuid4())}
            self.client.post("/api/v1/referrals/", json=referral_body(), headers=headers, name="referral")
        else:
            self.client.get("/bench/trivial/", name="trivial")
