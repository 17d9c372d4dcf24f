"""Settings for the feedback and service-recovery app.

Everything that differs between a laptop and production is read from the environment here, once.
The defaults give a working single-machine install (SQLite file, django-q2's ORM broker); the
scale-out configuration only sets DATABASE_URL and REDIS_URL. A setting that cannot work stops
start-up with one ImproperlyConfigured message naming the variable.
"""

import secrets
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from feedback_app.environment import (
    attachments_storage,
    database_from_env,
    env_bool,
    env_hours,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", default=False)

# Where the SQLite file and the generated development key live on a single-machine install.
DATA_DIR = Path(env_str("DATA_DIR") or BASE_DIR / "var")


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` and export it, "
            "or set DEBUG=1 for a development install."
        )
    # Development: one key per checkout, kept beside the database so sessions survive restarts.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must be set when DEBUG is off, "
        "for example ALLOWED_HOSTS=feedback.example.com."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The company the customers deal with, named on every customer page and message.
COMPANY_NAME = env_str("COMPANY_NAME", "Harbour & Co")
# The currency the shop sells in: the restitution form offers it first.
SHOP_CURRENCY = env_str("SHOP_CURRENCY", "GBP").upper()

# Where customers' answers to our e-mails go: each message says Reply-To this address with its
# own key after a "+" (care+1f2e...@shop.example), so a reply finds its case even when the
# customer's mail program drops In-Reply-To. The mailbox behind it is read by fetch_complaints or
# the IMAP poller. Unset: no Reply-To (replies come to DEFAULT_FROM_EMAIL and are matched by
# In-Reply-To and References alone).
REPLY_ADDRESS = env_str("REPLY_ADDRESS").lower()

# The mailbox read every minute for complaints and customers' answers (unset: none is read;
# `manage.py fetch_complaints PATH` reads a maildir or mbox instead). Read messages are marked
# read, never deleted.
IMAP_HOST = env_str("IMAP_HOST")
IMAP_PORT = env_int("IMAP_PORT", 993 if env_bool("IMAP_SSL", default=True) else 143)
IMAP_SSL = env_bool("IMAP_SSL", default=True)
IMAP_STARTTLS = env_bool("IMAP_STARTTLS", default=False)
IMAP_USER = env_str("IMAP_USER")
IMAP_PASSWORD = env_str("IMAP_PASSWORD")
IMAP_FOLDER = env_str("IMAP_FOLDER", "INBOX")
IMAP_BATCH = env_int("IMAP_BATCH", 200)

# Absolute address of this site, used in links that leave it (e-mails to customers).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Text messages (feedback_app/customers/sms.py): the gateway ("console" prints, the default in
# development; "twilio" sends through its REST API; unset: texts fail with a reason), our sender
# number, and how many parts one text may take.
SMS_BACKEND = env_str("SMS_BACKEND", "console" if DEBUG else "")
SMS_FROM = env_str("SMS_FROM")
SMS_API_URL = env_str("SMS_API_URL", "https://api.twilio.com").rstrip("/")
SMS_ACCOUNT_SID = env_str("SMS_ACCOUNT_SID")
SMS_AUTH_TOKEN = env_str("SMS_AUTH_TOKEN")
SMS_MAX_SEGMENTS = env_int("SMS_MAX_SEGMENTS", 4)

# Webhooks: how long a receiver may take to answer (seconds), and whether endpoints may be http
# or on this machine's own network (development only: a registered URL must not reach inside).
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
WEBHOOKS_ALLOW_LOCAL = env_bool("WEBHOOKS_ALLOW_LOCAL", default=DEBUG)


# --- Database -------------------------------------------------------------------------------

DATABASES = {"default": database_from_env(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Redis, cache and background work -------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Without Redis, every web worker on this machine shares one cache on disk, so rate limits
    # count across workers (a per-process cache let 77 of 100 posts through a 20/min limit
    # with four gunicorn workers). diskcache keeps it in SQLite files: adding to a count is one
    # atomic statement, about 80 µs; Django's file cache read the count's file and wrote it
    # anew (about 500 µs an API write here), and two workers counting at once lost a count.
    CACHES = {
        "default": {
            "BACKEND": "feedback_app.core.cache.SharedDiskCache",
            "LOCATION": env_str("CACHE_DIR", str(DATA_DIR / "cache")),
            "OPTIONS": {"size_limit": 256 * 2**20},
        }
    }

Q_CLUSTER = {
    "name": env_str("Q_CLUSTER_NAME", "feedback"),
    "workers": env_int("Q_WORKERS", 2),
    "timeout": env_int("Q_TIMEOUT", 120),
    # A task taken by a cluster that died is handed out again after `retry` seconds; it must
    # exceed timeout, or a slow task is handed to a second worker while it still runs.
    "retry": env_int("Q_RETRY", env_int("Q_TIMEOUT", 120) + 60),
    "max_attempts": 5,
    "queue_limit": 50,
    # Tasks taken from the broker per fetch: a backlog of triage drains in batches.
    "bulk": env_int("Q_BULK", 50),
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 1000,
    "label": "Background tasks",
}
if Q_CLUSTER["retry"] <= Q_CLUSTER["timeout"]:
    raise ImproperlyConfigured("Q_RETRY must be longer than Q_TIMEOUT (seconds).")
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 0.2


# --- E-mail ---------------------------------------------------------------------------------

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Customer care <care@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)


# --- Applications ---------------------------------------------------------------------------

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
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_q",
    "bootstrap",
    "axes",
    "csp",
    # ours, lowest layer first
    "feedback_app.customers",
    "feedback_app.webhooks",
    "feedback_app.staff",
    "surveys",
    "recovery",
    "feedback_app.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of public pages: the switcher's cookie, else the browser's Accept-Language;
    # pages opened from a customer's link use the customer's own (customers/languages.py).
    "django.middleware.locale.LocaleMiddleware",
    # ...except staff pages, the admin and the API: English until the staff UI is translated.
    "feedback_app.middleware.MachinesInEnglishMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Who may open which page: feedback_app/core/policy.py, applied before every view.
    "feedback_app.middleware.AccessPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "feedback_app.middleware.DatabaseBusyMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "feedback_app.urls"
WSGI_APPLICATION = "feedback_app.wsgi.application"
ASGI_APPLICATION = "feedback_app.asgi.application"

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
                "feedback_app.context_processors.site",
                "feedback_app.staff.context_processors.staff_roles",
            ],
        },
    },
]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"


# --- Auth -----------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff logins are protected against guessing: after AXES_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is locked out for AXES_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "login"


# --- Locale and time ------------------------------------------------------------------------

# The languages customers are served in: pages, messages and the staff UI. Translations live in
# locale/<language>/LC_MESSAGES/django.po (compiled to .mo by scripts/install); English is the
# source language, written and formatted as in Britain (feedback_app/formats/en). A customer's
# stored language is one of these codes.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["feedback_app.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# The contact policy: at most one survey invitation, reminder or notice per customer in this many
# days, counted across all of them.
CONTACT_QUIET_PERIOD_DAYS = env_int("CONTACT_QUIET_PERIOD_DAYS", 14)
# Survey invitations: how long a link stays valid, how late an invitation may still go out
# (an invitation due longer ago is not sent: the moment has passed), and when the one reminder
# goes to a customer who has not answered.
SURVEY_LINK_VALID_DAYS = env_int("SURVEY_LINK_VALID_DAYS", 30)
SURVEY_SEND_WINDOW_DAYS = env_int("SURVEY_SEND_WINDOW_DAYS", 7)
SURVEY_REMINDER_AFTER_DAYS = env_int("SURVEY_REMINDER_AFTER_DAYS", 3)
# How often one address may post a public form (anonymous survey link, complaint form).
PUBLIC_FORM_RATE = env_str("PUBLIC_FORM_RATE", "20/m")
# Recovery: SLA clocks run in business hours (local time, TIME_ZONE); the follow-up asking "did we
# make it right?" goes this long after resolution; no single restitution above this amount.
BUSINESS_HOURS = env_str("BUSINESS_HOURS", "09:00-17:00")
# When nothing but replies to customers' own cases goes to them, in each customer's time zone.
QUIET_HOURS = env_hours("QUIET_HOURS", "21:00-08:00")
BUSINESS_DAYS = env_list("BUSINESS_DAYS", ["mon", "tue", "wed", "thu", "fri"])
RECOVERY_FOLLOW_UP_DELAY_HOURS = env_int("RECOVERY_FOLLOW_UP_DELAY_HOURS", 24)
SLA_WARNING_MINUTES = env_int("SLA_WARNING_MINUTES", 60)  # the assignee is told this early
RESTITUTION_MAX_AMOUNT = env_int("RESTITUTION_MAX_AMOUNT", 10_000)
# An approval limit's per-customer total counts what was granted in this many days.
RESTITUTION_CUSTOMER_PERIOD_DAYS = env_int("RESTITUTION_CUSTOMER_PERIOD_DAYS", 90)
# A complaint is acknowledged at once (its reference, the case link, when to expect an answer),
# unless it reached us longer ago than this (an import of old complaints). The case link works
# while the ticket is open and this many days after it closes.
COMPLAINT_ACK_MAX_AGE_HOURS = env_int("COMPLAINT_ACK_MAX_AGE_HOURS", 48)
CASE_LINK_VALID_DAYS = env_int("CASE_LINK_VALID_DAYS", 30)
# A "you said, we did" notice the contact policy holds back (quiet period, open recovery hold)
# waits and goes when first allowed, for at most this many days; then it expires, with why.
IMPROVEMENT_NOTICE_WAIT_DAYS = env_int("IMPROVEMENT_NOTICE_WAIT_DAYS", 60)
# Personal data of customers with no activity for this many months is erased by a daily task
# (0: keep it). Scores, sentiment and amounts stay for the reports.
PERSONAL_DATA_RETENTION_MONTHS = env_int("PERSONAL_DATA_RETENTION_MONTHS", 0)
# Phone numbers written without a country code are read as numbers of this region.
PHONE_DEFAULT_REGION = env_str("PHONE_DEFAULT_REGION", "GB")


# --- Static files ---------------------------------------------------------------------------

# Uploaded files (CSV imports). On several machines, point this at shared storage.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or DATA_DIR / "media")
MEDIA_URL = "media/"
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "feedback_app" / "static"]
# Customers' files (photos, PDFs) and agents' attachments: a private folder, or an S3-compatible
# bucket (see feedback_app.environment.attachments_storage). Never served publicly.
ATTACHMENTS_DIR = Path(env_str("ATTACHMENTS_DIR") or DATA_DIR / "attachments")
ATTACHMENTS_STORAGE = attachments_storage(ATTACHMENTS_DIR)
ATTACHMENT_MAX_MB = env_int("ATTACHMENT_MAX_MB", 10)
ATTACHMENT_MAX_COUNT = env_int("ATTACHMENT_MAX_COUNT", 5)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "attachments": ATTACHMENTS_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}


# --- API ------------------------------------------------------------------------------------

# Seconds an API token's login and roles are kept (0: read on every call); see
# feedback_app.core.api.authentication.
API_AUTH_CACHE_SECONDS = env_int("API_AUTH_CACHE_SECONDS", 5)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous call gets 401 with a WWW-Authenticate header.
        "feedback_app.core.api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["feedback_app.core.api.permissions.PolicyPermission"],
    # JSON only (no endpoint takes files): any other media type is a 415.
    "DEFAULT_PARSER_CLASSES": ["feedback_app.core.api.parsers.SafeJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_FILTER_BACKENDS": [
        "feedback_app.core.api.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "feedback_app.core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["feedback_app.core.api.throttling.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"writes": env_str("API_WRITE_RATE", "600/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Feedback and service recovery API",
    "DESCRIPTION": (
        "Gather feedback, triage it, recover failed customers and close the loop. "
        "Authenticate with a session or with `Authorization: Token <key>`."
    ),
    # /api/v1/ and the schema's revision within it (it never moves in a way that breaks v1).
    "VERSION": "1.1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's error answers, in one shared body (feedback_app/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "feedback_app.api.schema.document_errors",
    ],
    # Choice sets that share a field name get names of their own in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "feedback_app.customers.models.Channel",
        "ContactChannelEnum": "feedback_app.customers.models.ContactChannel",
        "IdentityKindEnum": "feedback_app.customers.models.Identity.Kind",
        "QuestionKindEnum": "surveys.models.Question.Kind",
        "RestitutionKindEnum": "recovery.models.Restitution.Kind",
        "TicketStateEnum": "recovery.models.State",
        "SentimentEnum": "surveys.models.Sentiment",
    },
}


# --- Security -------------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Sending "preload" enrols nothing by itself: a domain joins browsers' preload lists only when
# its owner submits it. Set SECURE_HSTS_PRELOAD=0 to leave the directive out.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Long answers and complaints are allowed, but not without bound.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)


# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-q2 says INFO for every task queued and every schedule run; operators see its
    # warnings and errors, and the intake's summary each minute (surveys.tasks.sweep_untriaged).
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django-q": {"level": env_str("Q_LOG_LEVEL", "WARNING")},
    },
}

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline;
# nothing may frame the pages. Inline style attributes stay allowed (the charts' SVG carries its
# own <style>), which lets no script run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Password reset e-mails: per address asking, and per account asked about.
PASSWORD_RESET_RATE = env_str("PASSWORD_RESET_RATE", "5/h")
