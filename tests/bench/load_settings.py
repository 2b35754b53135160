"""Settings for the load benchmark: the product's settings plus a benchmark-only URL."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.load_urls"
