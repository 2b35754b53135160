"""With a real worker on Redis, the people a referral concerns hear about it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from referrals import services
from referrals.models import NotificationOutbox, Referral
from tests.services.conftest import Scene, Workers, to, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_submitting_emails_the_practice_and_accepting_emails_the_clinician(
    workers: Workers, scene: Scene, mail: Callable[[], list[dict[str, Any]]]
) -> None:
    workers.start()
    response = scene.submit()
    assert response.status_code == 201, response.content
    referral = Referral.objects.get(public_id=response.json()["id"])

    [practice_mail] = wait_for(lambda: to(scene.near_staff.email, mail()), what="the practice's e-mail")
    assert "awaiting your answer" in practice_mail["subject"]
    assert "Lopez" not in practice_mail["subject"]

    services.referral_accept(referral=referral, user=scene.near_staff)
    [clinician_mail] = wait_for(lambda: to(scene.clinician.email, mail()), what="the clinician's e-mail")
    assert "was accepted" in clinician_mail["subject"]
    assert not NotificationOutbox.objects.exclude(status=NotificationOutbox.Status.SENT).exists()
