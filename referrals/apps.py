from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"

    def ready(self) -> None:
        from referrals.enrolment import watch_practices

        watch_practices()
        # The task layer listens for new outbox rows, and delivery for notices that failed
        # for good (signals of referrals.notifications), in every process: web, worker, command.
        import referrals.delivery
        import referrals.tasks  # noqa: F401
