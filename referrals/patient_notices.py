"""The e-mails a patient receives, in the patient's own language (``Patient.language``).

Appointment notices, reminders and the request for an outcome report. Subjects never name the
patient; the outcome link carries an opaque token and the language prefix, nothing else.
The contract is docs/languages.md.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from referrals.local_time import visit_zone
from referrals.models import Appointment, NotificationOutbox, OutcomeInvite

REMINDER = "reminder"
OUTCOME_REQUEST = "outcome_request"

APPOINTMENT_KINDS = {
    Appointment.Kind.CONSULT: gettext_lazy("Consultation"),
    Appointment.Kind.PROCEDURE: gettext_lazy("Procedure"),
    Appointment.Kind.FOLLOW_UP: gettext_lazy("Follow-up"),
}

Notice = tuple[str, str]  # (subject, body)


def _absolute(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


def outcome_link(invite: OutcomeInvite) -> str:
    """The absolute address of an invite's page, in its patient's language: the token and nothing else."""
    with translation.override(invite.referral.patient.language):
        return _absolute(reverse("outcome-report", kwargs={"token": invite.token}))


def _when(appointment: Appointment) -> str:
    # In the zone of the practice location, named: the patient goes there (docs/workflow.md).
    starts_at = appointment.starts_at.astimezone(visit_zone(appointment))
    # Translators: a Django date format; Spanish puts "de" between day, month and year.
    day = date_format(starts_at, _("l j F Y"))
    return _("%(kind)s on %(day)s at %(time)s") % {
        "kind": APPOINTMENT_KINDS[Appointment.Kind(appointment.kind)],
        "day": day,
        "time": f"{date_format(starts_at, 'H:i')} {starts_at.tzname()}",
    }


def _appointment_lines(appointment: Appointment | None) -> list[str]:
    if appointment is None:
        return [_("Your practice will contact you with the details.")]
    lines = [_when(appointment), _("with %(practice)s") % {"practice": appointment.practice.name}]
    if appointment.location is not None:
        lines.append(_("at %(place)s") % {"place": appointment.location})
        if appointment.location.phone:
            lines.append(_("Phone: %(phone)s") % {"phone": appointment.location.phone})
    return lines


def _outcome_request(row: NotificationOutbox) -> Notice:
    invites = OutcomeInvite.objects.select_related("referral__patient")
    invite = invites.filter(pk=row.payload.get("invite")).first()
    if invite is None:
        raise ValueError(f"Outbox row {row.pk} names no outcome link.")
    days = (invite.expires_at - invite.created_at).days
    body = [
        _("Your follow-up after your back treatment is due. How are you now?"),
        "",
        _("Please tell your care team in two quick questions (about a minute):"),
        outcome_link(invite),
        "",
        _(
            "The link works once and for %(days)s days. Your answer goes to your practice and to the "
            "doctor who referred you."
        )
        % {"days": days},
    ]
    return _("How is your back since your treatment?"), "\n".join(body)


def _appointment_notice(row: NotificationOutbox) -> Notice:
    appointment_id = row.payload.get("appointment")
    appointments = Appointment.objects.select_related("practice", "location").filter(referral=row.referral)
    if appointment_id:
        appointment = appointments.filter(pk=appointment_id).first()
    else:
        appointment = appointments.filter(status=Appointment.Status.BOOKED).order_by("-created_at").first()
    if row.event_kind == REMINDER:
        subject = _("Reminder: your appointment is coming up")
        opening = _("This is a reminder of your appointment:")
    else:
        subject = _("Your appointment is booked")
        opening = _("Your appointment is booked:")
    closing = _("If you cannot come, please call the practice to change it.")
    return subject, "\n".join([opening, "", *_appointment_lines(appointment), "", closing])


def patient_notice(row: NotificationOutbox) -> Notice:
    """The subject and body of a patient's e-mail, in the language the clinician recorded."""
    with translation.override(row.referral.patient.language):
        if row.event_kind == OUTCOME_REQUEST:
            return _outcome_request(row)
        return _appointment_notice(row)
