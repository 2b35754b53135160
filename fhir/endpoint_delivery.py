"""Referrals POSTed to a practice's FHIR endpoint as transaction Bundles (docs/fhir-referrals.md).

The notification outbox owns when a row is sent, retried and given up (``referrals.channels``);
this module only turns a row into a Bundle and hands it to the endpoint, once per call.

- A new referral is a ``transaction`` of Patient, ServiceRequest, QuestionnaireResponse and
  Task, each a conditional create (``ifNoneExist`` on its identifier): a resent Bundle finds
  the copies the first one made and creates nothing.
- A cancellation is the same Bundle with the Task a conditional update on its identifier.
- 2xx is delivered; 408, 429, 5xx and a network failure are retried with the outbox's
  backoff; any other answer (a 4xx, a redirect) is a permanent failure: the referral moves
  on and the endpoint is set to ``error``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from fhir import referral_resources
from fhir.catalog import canonical
from fhir.outcomes import FHIR_JSON
from referrals.channels import PermanentFailure, Withdrawn
from referrals.models import NotificationOutbox, Referral, ReferralEvent

RETRYABLE_STATUSES = {408, 429}


def bundle_post(*, base_url: str, bundle: dict[str, Any]) -> None:
    """POST ``bundle`` to the FHIR base URL; raises ``PermanentFailure`` when it must not be resent.

    Any other exception (a 5xx, 408, 429, a timeout, a refused connection) is worth a retry.
    A redirect is not followed: a moved endpoint is the practice's to update.
    """
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise PermanentFailure("The endpoint's base URL is not http(s).")
    response = requests.post(
        base_url.rstrip("/"),
        data=json.dumps(bundle, cls=DjangoJSONEncoder).encode(),
        headers={"Content-Type": FHIR_JSON, "Accept": FHIR_JSON},
        timeout=settings.FHIR_ENDPOINT_TIMEOUT_SECONDS,
        allow_redirects=False,
    )
    if response.status_code >= 500 or response.status_code in RETRYABLE_STATUSES:
        response.raise_for_status()
    if not 200 <= response.status_code < 300:
        raise PermanentFailure(f"the endpoint answered HTTP {response.status_code}.")


def full_url(resource: dict[str, Any]) -> str:
    """The entry's ``urn:uuid:``, the same on every attempt (so a resent Bundle is identical)."""
    name = f"{settings.PORTAL_BASE_URL}/fhir/{resource['resourceType']}/{resource['id']}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def identifier_query(resource: dict[str, Any]) -> str:
    """``identifier=<system>|<value>`` for the resource's (first) identifier."""
    identifier = resource["identifier"]
    identifier = identifier[0] if isinstance(identifier, list) else identifier
    return f"identifier={identifier['system']}|{identifier['value']}"


def _reference(reference: str, urns: dict[str, str]) -> str:
    """A resource in the Bundle by its entry's urn; any other by its absolute URL on the portal."""
    return urns.get(reference) or canonical(reference)


def _local_references(value: Any, urns: dict[str, str]) -> Any:
    """``value`` with every reference resolvable at the receiver (see ``_reference``)."""
    if isinstance(value, dict):
        return {
            key: _reference(item, urns) if key == "reference" else _local_references(item, urns)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_local_references(item, urns) for item in value]
    return value


def _request(resource: dict[str, Any], *, update: bool) -> dict[str, str]:
    if update:
        return {"method": "PUT", "url": f"{resource['resourceType']}?{identifier_query(resource)}"}
    return {"method": "POST", "url": resource["resourceType"], "ifNoneExist": identifier_query(resource)}


def transaction_bundle(
    resources: list[dict[str, Any]], *, update: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A ``transaction`` creating each resource unless one with its identifier exists.

    Resources of a type in ``update`` instead replace (or create) the receiver's copy found
    by their identifier. References between the resources point at their entries' urns.
    """
    urns = {f"{item['resourceType']}/{item['id']}": full_url(item) for item in resources}
    entries = [
        {
            "fullUrl": full_url(resource),
            "resource": _local_references(resource, urns),
            "request": _request(resource, update=resource["resourceType"] in update),
        }
        for resource in resources
    ]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


# Patient and QuestionnaireResponse carry no identifier of their own on the portal's pages;
# at a receiver each needs one, for the conditional create that keeps a resend from doubling it.
_IDENTIFIER_SYSTEMS = {"Patient": "sid/patient", "QuestionnaireResponse": "sid/questionnaire-response"}


def _identified(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` with the portal's identifier first (the one ``ifNoneExist`` searches on)."""
    path = _IDENTIFIER_SYSTEMS.get(resource["resourceType"])
    if path is None:
        portal = canonical(referral_resources.REFERRAL_SYSTEM_PATH)
        identifiers = sorted(resource["identifier"], key=lambda item: item.get("system") != portal)
        return {**resource, "identifier": identifiers}
    identifier = {"system": canonical(path), "value": resource["id"]}
    # QuestionnaireResponse.identifier is one Identifier; Patient.identifier a list of them.
    single = resource["resourceType"] == "QuestionnaireResponse"
    return {**resource, "identifier": identifier if single else [identifier]}


def referral_bundle(referral: Referral, *, cancelled: bool = False) -> dict[str, Any]:
    """The transaction a practice's endpoint receives for ``referral`` (see the module's docstring)."""
    resources = [
        referral_resources.patient(referral),
        referral_resources.service_request(referral),
        referral_resources.questionnaire_response(referral),
        referral_resources.task(referral),
    ]
    update = frozenset({"Task"}) if cancelled else frozenset()
    return transaction_bundle([_identified(resource) for resource in resources], update=update)


def referral_deliver(row: NotificationOutbox) -> None:
    """The outbox's sender for the FHIR channel: the row's referral, POSTed to its endpoint.

    A referral that left the practice before its Bundle went out is not sent: the Task
    would name the practice it is with now, which is not this practice's business.
    """
    if row.referral.practice_id != row.practice_id:
        raise Withdrawn("the referral left this practice before its Bundle went out.")
    cancelled = row.event_kind == ReferralEvent.Kind.CANCELLED
    bundle_post(base_url=row.recipient_address, bundle=referral_bundle(row.referral, cancelled=cancelled))
