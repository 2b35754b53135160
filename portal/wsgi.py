"""
WSGI config for portal project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()

# The first request must not wait for imports: load the views as the process starts
# (in gunicorn's master with --preload, so every worker starts with them).
from portal.warm import load_request_code  # noqa: E402

load_request_code()
