from django.apps import AppConfig


class FhirConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fhir"
    verbose_name = "FHIR R4 directory"

    def ready(self) -> None:
        # The outbox sends FHIR-channel rows through this app, without importing it.
        from fhir.endpoint_delivery import referral_deliver
        from referrals.channels import sender_register
        from referrals.models import NotificationOutbox

        sender_register(channel=NotificationOutbox.Channel.FHIR, sender=referral_deliver)
