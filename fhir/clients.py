"""OAuth 2.0 clients of the FHIR referral exchange: registered for a clinician or for a practice.

A client acts as a portal user, so the access rules need nothing new: a clinician's client
is that clinician; a practice's client is a system user who is an active staff member of the
practice (docs/fhir-referrals.md). Revoking deletes the client and with it every token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import Application

from directory.enrolment import PracticeMembership
from directory.models import Practice


class ClientError(Exception):
    """The client cannot be registered or revoked as asked."""


@dataclass(frozen=True)
class Credentials:
    """What the administrator hands to the client's owner, once: the secret is stored hashed."""

    client_id: str
    client_secret: str
    user: Any


def practice_system_username(practice: Practice) -> str:
    return f"fhir-practice-{practice.pk}"


@transaction.atomic
def client_create_for_clinician(*, username: str) -> Credentials:
    """A client acting as the clinician ``username`` (an active user who is not office staff)."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ClientError(f"No active user is called {username!r}.")
    if PracticeMembership.objects.filter(user=user).exists():
        raise ClientError(f"{username!r} works for a practice; register a client for the practice instead.")
    return _application(user, name=f"FHIR client of {username}")


@transaction.atomic
def client_create_for_practice(*, practice_id: int) -> Credentials:
    """A client acting as the practice's system user, made (or reused) as an active staff member."""
    practice = Practice.objects.filter(pk=practice_id).first()
    if practice is None:
        raise ClientError(f"No practice has the id {practice_id}.")
    user, created = get_user_model().objects.get_or_create(
        username=practice_system_username(practice),
        defaults={"first_name": practice.name[:150], "last_name": "(FHIR system)"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    PracticeMembership.objects.get_or_create(user=user, practice=practice)
    return _application(user, name=f"FHIR client of {practice.name}"[:255])


def _application(user: Any, *, name: str) -> Credentials:
    secret = generate_client_secret()
    application = Application.objects.create(
        user=user,
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    return Credentials(client_id=application.client_id, client_secret=secret, user=user)


@transaction.atomic
def client_revoke(*, client_id: str) -> None:
    """Delete the client: its tokens go with it, and the next call with one is a 401."""
    deleted, _ = Application.objects.filter(client_id=client_id).delete()
    if not deleted:
        raise ClientError(f"No client has the id {client_id!r}.")
