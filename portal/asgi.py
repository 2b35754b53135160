"""
ASGI config for portal project.

It exposes the ASGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/asgi/
"""

import os

from django.core.asgi import get_asgi_application

from portal.secret_key import require_real_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_asgi_application()
# With DEBUG off, no web process serves with a missing or development SECRET_KEY.
require_real_secret_key()

# The first request must not wait for imports: load the views as the process starts
# (in gunicorn's master with --preload, so every worker starts with them).
from portal.warm import load_request_code  # noqa: E402

load_request_code()
