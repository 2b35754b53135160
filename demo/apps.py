from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and logins (``manage.py seed_demo``): installed unless ``DEMO_DATA`` is off."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
