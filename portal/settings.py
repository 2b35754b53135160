"""Settings for the IR Portal.

Every production switch is an environment variable; the defaults give the
embedded mode (SQLite file, tasks run in-process) that ``make run`` uses.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ

from portal.caching import cache_settings
from portal.logging_config import logging_config
from portal.oauth import oauth2_provider
from portal.schedule import beat_schedule
from portal.secret_key import DEVELOPMENT_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The fallback key serves a developer's machine only: with DEBUG off the web and worker
# processes refuse to start on it, and `check --deploy` fails (portal/secret_key.py).
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "directory",
    "fhir",
    "triage",
    "referrals",
]
# The demo data and logins (manage.py seed_demo), like NHS's "nonprod" app: on by default for
# the embedded mode and a developer's machine; production turns it off (docs/data.md).
DEMO_DATA = env.bool("DEMO_DATA", default=True)
if DEMO_DATA:
    INSTALLED_APPS += ["demo"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Patient pages come in English (/find/) and Spanish (/es/find/); a browser that prefers
    # Spanish, or a person who chose it, is sent to the Spanish page.
    "django.middleware.locale.LocaleMiddleware",
    "portal.language.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.language.language_alternates",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A persistent connection is checked before a request reuses it, so the first request after a
# database restart reconnects instead of failing with a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Read the file through a memory map and keep more pages per connection: a search
    # reads scattered rows of a large file, which otherwise costs a system call a page.
    # The default maps as much as SQLite allows (just under 2 GiB): a million-location
    # directory is a file of over a GiB whose locations, written last, lie past the first GiB.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        f"PRAGMA mmap_size={env.int('SQLITE_MMAP_BYTES', default=0x7FFF0000)}; PRAGMA cache_size=-65536"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
# Patient pages are offered in these languages; clinician and office pages stay in English.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="IR Portal <no-reply@irportal.example>")

# --- API ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "referrals.tokens.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": ["portal.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IR Portal API",
    "DESCRIPTION": "Find interventional radiologists, check back-pain red flags, refer patients.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Names for the referral API's choice sets (several share a field name such as "status").
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "referrals.models.Referral.Status",
        "ReferralEventKindEnum": "referrals.models.ReferralEvent.Kind",
        "AppointmentKindEnum": "referrals.models.Appointment.Kind",
        "AppointmentStatusEnum": "referrals.models.Appointment.Status",
        "VisitOutcomeEnum": "referrals.serializers.VISIT_OUTCOME_CHOICES",
    },
}

# An API token not used for this many days is refused (401) until a new one is made.
API_TOKEN_IDLE_DAYS = env.int("API_TOKEN_IDLE_DAYS", default=30)

# FHIR referral exchange: EHRs and practice systems sign in with OAuth 2.0 client
# credentials (POST /o/token/); a token lasts FHIR_TOKEN_SECONDS (docs/fhir-referrals.md).
OAUTH2_PROVIDER = oauth2_provider(token_seconds=env.int("FHIR_TOKEN_SECONDS", default=3600))

# --- Background work ---------------------------------------------------------
# With no broker configured, tasks run eagerly in the web process (embedded mode).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="irportal")
# The soft limit raises inside a task (it stops cleanly), the hard limit kills its process.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=50)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60)
# A web request gives up publishing within about a second when the broker is down: the outbox
# row it wrote stays pending and the periodic sweep delivers it.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 10}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_SEND_TASK_EVENTS = False
# A worker keeps its database connection for this many tasks (Celery closes it after every
# task otherwise); a dropped connection is noticed and replaced on the next one all the same.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=100)
# Due times live in the database; beat only polls. Every job is safe to run twice or on two
# workers at once, so a short period costs a few cheap queries and nothing else.
BACKGROUND_SWEEP_SECONDS = env.float("BACKGROUND_SWEEP_SECONDS", default=30.0)
CELERY_BEAT_SCHEDULE = beat_schedule(sweep_seconds=BACKGROUND_SWEEP_SECONDS)
# Outbox delivery. A claimed row is held for the lease (longer than the hard time limit, so a
# live worker never loses its claim); a failed send waits base * 2**(attempt-1) seconds, at
# most the ceiling, and after the last attempt the row is marked failed.
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=120)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=30)
NOTIFICATION_RETRY_MAX_SECONDS = env.int("NOTIFICATION_RETRY_MAX_SECONDS", default=3600)
NOTIFICATION_SWEEP_BATCH = env.int("NOTIFICATION_SWEEP_BATCH", default=100)
# After a send, how long a worker keeps trying to record it while the database is unreachable
# (a restart); below the task's soft time limit.
NOTIFICATION_RECORD_PATIENCE_SECONDS = env.float("NOTIFICATION_RECORD_PATIENCE_SECONDS", default=30.0)
# /health/ turns 503 when a notification has waited longer than this.
NOTIFICATION_HEALTH_MAX_AGE_SECONDS = env.int("NOTIFICATION_HEALTH_MAX_AGE_SECONDS", default=900)
# Appointment reminders go out this many hours before the visit (each once).
APPOINTMENT_REMINDER_HOURS = env.list("APPOINTMENT_REMINDER_HOURS", cast=int, default=[48, 24])
# Local hour of the day from which the overdue follow-up digest goes out.
DIGEST_HOUR = env.int("DIGEST_HOUR", default=7)
# A patient's one-time link to report their outcome works for this many days.
OUTCOME_LINK_DAYS = env.int("OUTCOME_LINK_DAYS", default=14)
# Links in e-mails point here.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# A practice's FHIR endpoint must answer a referral Bundle within this many seconds, or the
# attempt counts as failed and is retried with the outbox's backoff (docs/fhir-referrals.md).
FHIR_ENDPOINT_TIMEOUT_SECONDS = env.float("FHIR_ENDPOINT_TIMEOUT_SECONDS", default=10.0)

# --- Directory ---------------------------------------------------------------
# Taxonomy codes kept by the NPPES importer: Vascular & Interventional Radiology.
DIRECTORY_TAXONOMY_CODES = env.list("DIRECTORY_TAXONOMY_CODES", default=["2085R0204X"])
# Optional street-address geocoder (a geopy geocoder class name, e.g. "Nominatim").
# Unset: only the offline ZIP and "City, ST" centroids are used.
GEOCODER = env.str("GEOCODER", default="")
GEOCODER_USER_AGENT = env.str("GEOCODER_USER_AGENT", default="ir-portal")
GEOCODER_MIN_DELAY_SECONDS = env.float("GEOCODER_MIN_DELAY_SECONDS", default=1.0)
# Where the place index (ZIP and city centroids, a few MB) is built on a machine's first
# start; any directory the portal's processes may write to once and read afterwards.
PLACE_INDEX_DIR = env.str("PLACE_INDEX_DIR", default=str(BASE_DIR / ".cache"))

# --- Logging -----------------------------------------------------------------
LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"))

# --- Production mode ---------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Referrals ---------------------------------------------------------------
# Routing looks for practices within this distance of the patient's ZIP. 50 miles is
# about an hour's drive in most of the US: far enough to reach an IR office outside big
# cities, near enough for a patient with back pain to attend repeated visits.
REFERRAL_ROUTING_RADIUS_MILES = env.float("REFERRAL_ROUTING_RADIUS_MILES", default=50.0)
# How many ranked candidates a routing event keeps to show why a practice was chosen.
REFERRAL_SHORTLIST_SIZE = env.int("REFERRAL_SHORTLIST_SIZE", default=5)
# A new-referral notice still undelivered this long after routing counts as failed: the
# referral moves on to the next practice (docs/workflow.md).
REFERRAL_DELIVERY_GRACE_MINUTES = env.int("REFERRAL_DELIVERY_GRACE_MINUTES", default=30)
# The referral coordinators: told of unroutable and undeliverable referrals, and named to
# clinicians as the people to contact when no practice could be found.
REFERRAL_COORDINATOR_EMAIL = env.str("REFERRAL_COORDINATOR_EMAIL", default="coordinators@irportal.example")
REFERRAL_COORDINATOR_CONTACT = env.str(
    "REFERRAL_COORDINATOR_CONTACT",
    default="the IR Portal referral coordinators (coordinators@irportal.example, 555-0100)",
)
# How long a practice has to accept or decline, by triage disposition; then it moves on.
REFERRAL_ACCEPTANCE_HOURS = {
    "urgent": env.int("REFERRAL_ACCEPTANCE_HOURS_URGENT", default=24),
    "soon": env.int("REFERRAL_ACCEPTANCE_HOURS_SOON", default=72),
    "self_care": env.int("REFERRAL_ACCEPTANCE_HOURS_SELF_CARE", default=7 * 24),
}
# Follow-ups due after a fulfilled procedure appointment, in days (2 weeks and 3 months).
REFERRAL_FOLLOW_UP_DAYS = env.list("REFERRAL_FOLLOW_UP_DAYS", cast=int, default=[14, 90])

# --- Public map ---------------------------------------------------------------
# Tile server of the map beside /find/ results; Leaflet itself is served from our static files.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")

# --- Hardening: caches, login throttling, idle timeout, CSP, rate limits, no-store ---
# The shared cache holds the public rate-limit counters. Production mode points CACHE_URL
# at Redis (e.g. redis://127.0.0.1:6379/1) so every web process counts together; the
# embedded mode is one process, where an in-memory cache is enough; behind HTTPS (production)
# the rate-limit check's complaint about such a cache stands.
# An unreachable Redis is logged and the request goes on without it (portal/caching.py).
CACHES = {"default": cache_settings(env.str("CACHE_URL", default="locmemcache://"))}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
RATELIMIT_FAIL_OPEN = True
if CACHES["default"]["BACKEND"].endswith("LocMemCache") and not SECURE_SSL_REDIRECT:
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

INSTALLED_APPS += ["axes", "csp", "django_ratelimit"]
MIDDLEWARE += [
    "csp.middleware.CSPMiddleware",
    "portal.middleware.PatientDataNoStoreMiddleware",
    "portal.middleware.PublicRateLimitMiddleware",
    # django-axes wants to be last, to see the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "portal.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a username from one address after this many failed logins (admin, /accounts/login/),
# for the cool-off; a correct password during the lock is refused too.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address a login attempt counts against: the same one the public rate limits use,
# so behind a proxy (TRUSTED_PROXY_COUNT) every client is not one address.
AXES_CLIENT_IP_CALLABLE = "portal.middleware.client_address"

# Clinicians and office staff are signed out after 15 minutes without a request: every
# request pushes the expiry forward, and closing the browser ends the session too.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=15 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Content Security Policy: only our own scripts and styles (no inline code), map tiles from
# the configured tile server, nothing framed, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "{0.scheme}://{0.netloc}".format(urlsplit(MAP_TILE_URL))],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Public endpoints (search, self-check, listing reports) per client address, as django-ratelimit
# rates ("120/m" = 120 a minute). Generous: a person never meets them, a scraper soon does.
PUBLIC_RATE_LIMITS = {
    "search": env.str("RATE_LIMIT_SEARCH", default="120/m"),
    "self_check": env.str("RATE_LIMIT_SELF_CHECK", default="30/m"),
    "listing_report": env.str("RATE_LIMIT_LISTING_REPORT", default="10/h"),
    "outcome_report": env.str("RATE_LIMIT_OUTCOME_REPORT", default="20/h"),
}
RATELIMIT_USE_CACHE = "default"
# How many reverse proxies in front of the portal append to X-Forwarded-For (0: clients
# connect directly and the header is ignored). Rate limits and the login lockout both count by
# the address this gives (portal.middleware.client_address).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
RATELIMIT_IP_META_KEY = "portal.middleware.client_address"

# Responses under these paths may carry patient or symptom data: never cached anywhere.
PATIENT_DATA_PATH_PREFIXES = [
    "/referrals/",
    "/admin/",
    "/accounts/",
    "/check/",
    "/es/check/",
    "/api/v1/referrals/",
    "/api/v1/triage/",
    "/outcome/",
]

# --- API schema: error answers -------------------------------------------------
# Every operation's schema also lists the errors the framework gives around the views
# (bad input, not signed in, not found, rate limited), so clients and the fuzzer can rely on it.
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "portal.schema.document_error_responses",
    "portal.schema.document_input_limits",
]
