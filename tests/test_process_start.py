"""A web process is ready when it starts: its first request waits for no imports, URL table or place index."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter: start the WSGI application as gunicorn does, then report what
# is already loaded before any request arrives.
PROBE = """
import json, sys
from portal.wsgi import application
from django.urls import get_resolver
from directory import places
print(json.dumps({
    "url_tables": sorted(get_resolver()._reverse_dict),
    "views": sorted(m for m in ("directory.apis", "directory.views", "triage.apis", "referrals.apis")
                    if m in sys.modules),
    "place_index_open": getattr(places._held, "connection", None) is not None,
}))
"""


def test_starting_the_wsgi_application_loads_the_views_and_url_tables_and_opens_the_place_index():
    # With DEBUG off a web process needs a real secret key to start at all.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "SECRET_KEY": secrets.token_urlsafe(50)}
    done = subprocess.run(  # noqa: S603 -- our own interpreter and code
        [sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(done.stdout.splitlines()[-1])

    assert loaded == {
        # Each response links its page in every language: each language's table is built.
        "url_tables": ["en", "es"],
        "views": ["directory.apis", "directory.views", "referrals.apis", "triage.apis"],
        "place_index_open": True,
    }
