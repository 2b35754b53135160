"""Celery application: configured from Django settings under the CELERY_ namespace."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_a_development_secret_key(**kwargs: Any) -> None:
    """With DEBUG off, no worker starts with a missing or development SECRET_KEY."""
    from portal.secret_key import require_real_secret_key

    require_real_secret_key()
