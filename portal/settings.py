"""Settings for the 1540 Portal, read from the environment.

Every knob is an environment variable with a strict helper: a malformed value stops the
process at start-up instead of being silently ignored. Secrets may also come from a file
(``NAME_FILE``) so that they never sit in the environment of every child process.
The embedded default is SQLite with background tasks run in-process after commit;
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and a real Celery broker.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from portal.core.i18n import UN_LANGUAGES, complete_languages

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=""):
    """A string from NAME, or from the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("PORTAL_DEBUG", False)
# HTTPS-only cookies, redirects and HSTS: on in production, where the portal sits behind TLS.
HTTPS = env_bool("PORTAL_HTTPS", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if HTTPS:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set")
    SECRET_KEY = "insecure-development-key-never-used-in-production"  # noqa: S105 - refused when HTTPS is on

ALLOWED_HOSTS = env_list("PORTAL_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("PORTAL_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before the admin: the translated columns of the reference data (`<app>/translation.py`).
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "portal.core",
    "portal.audit",
    "portal.accounts",
    "states",
    "matrices",
    "assistance",
    "plans",
    "portal.site",
]

# Reference data (State names, organisations, treaties, areas, providers, matrix rows) is stored in each of
# the six UN languages, whatever languages are served yet (settings.LANGUAGES shrinks to the complete
# catalogues): `name_ar`, `name_zh_hans`, `name_en`... read in the active language, English when missing.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = tuple(code for code, _name in UN_LANGUAGES)
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)

MIDDLEWARE = [
    "portal.core.middleware.CorrelationIdMiddleware",
    "portal.core.demo_marking.DemoDataHeaderMiddleware",  # X-Portal-Demo-Data on API responses
    "django.middleware.security.SecurityMiddleware",
    "portal.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database that cannot answer is a 503 with Retry-After; answers to a user are never stored.
    "portal.core.middleware.DatabaseUnavailableMiddleware",
    "portal.core.middleware.PrivateResponsesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.core.middleware.QueryLanguageMiddleware",  # ?lang=xx: a served language, for this request
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.core.middleware.ControlCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A page view's DomainError becomes the error page (or a message on the page it names).
    "portal.core.middleware.DomainErrorPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused by the throttling into the 429 lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "portal.core.context_processors.demo_data",
            ],
            # The presentation vocabulary (dates, durations) in every template.
            "builtins": ["portal.core.templatetags.portal_tags"],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Concurrent web use of one file: a transaction takes the write lock when it begins (BEGIN
    # IMMEDIATE) and a writer waits for the lock up to the busy timeout, instead of failing at once
    # with "database is locked"; with WAL, readers never wait for the writer. A lock still held
    # after the timeout is a 503 with Retry-After (portal.core.middleware).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("PORTAL_SQLITE_BUSY_TIMEOUT", 20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:my_work"  # what waits for the user (a `next` parameter wins)
LOGOUT_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes with the portal's handler, portal/accounts/throttle.py): failed
# logins allowed per username from one address before every login (the portal's and the admin's)
# refuses it for a while; four times that per username from all addresses, and per address.
LOGIN_FAILURE_LIMIT = env_int("PORTAL_LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_SECONDS = env_int("PORTAL_LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Behind the reverse proxy the client is the address the proxy appended to X-Forwarded-For
# (the right-most entry, or the PORTAL_PROXY_COUNT-th from the right behind a chain of proxies).
LOGIN_TRUST_FORWARDED_FOR = env_bool("PORTAL_BEHIND_PROXY", False)
LOGIN_PROXY_COUNT = env_int("PORTAL_PROXY_COUNT", 1)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "portal.accounts.throttle.LoginThrottle"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = "portal.accounts.throttle.cool_off"
AXES_CLIENT_IP_CALLABLE = "portal.accounts.throttle.client_address"
AXES_USERNAME_CALLABLE = "portal.accounts.throttle.username_key"
AXES_LOCKOUT_CALLABLE = "portal.accounts.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = False  # the handler clears only the username's failures from that address
AXES_VERBOSE = False
# Password reset links expire after a day.
PASSWORD_RESET_TIMEOUT = env_int("PORTAL_PASSWORD_RESET_TIMEOUT", 24 * 60 * 60)

LANGUAGE_CODE = "en"
LOCALE_PATHS = [BASE_DIR / "locale"]
# The six official languages of the United Nations, each served only once its catalogue translates every
# string (portal.core.i18n): negotiation, set_language and the switcher never offer a half-done language.
LANGUAGES = [(code, _(name)) for code, name in complete_languages(LOCALE_PATHS[0])]
LANGUAGE_COOKIE_NAME = "django_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Documents people upload (national reports, and every upload to come) go through Django's default
# storage: the local disk under MEDIA_ROOT, or, when PORTAL_S3_BUCKET is set, an S3-compatible store
# that several web servers share. Either way they are private and only served through the portal's
# views, after its visibility checks (never by a link to the store).
_s3_bucket = env_str("PORTAL_S3_BUCKET")
if _s3_bucket:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _s3_bucket,
            "endpoint_url": env_str("PORTAL_S3_ENDPOINT_URL") or None,
            "access_key": env_str("PORTAL_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("PORTAL_S3_SECRET_ACCESS_KEY") or None,
            "region_name": env_str("PORTAL_S3_REGION") or None,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("PORTAL_MANIFEST_STATIC", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# The largest national report (PDF or Word) an official may attach, in megabytes.
MAX_UPLOAD_MB = env_int("PORTAL_MAX_UPLOAD_MB", 10)
MEDIA_ROOT = Path(env_str("PORTAL_MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# Background tasks. Without REDIS_URL they run in-process after the transaction commits.
REDIS_URL = env_str("REDIS_URL")
REDIS_SOCKET_TIMEOUT = env_int("PORTAL_REDIS_SOCKET_TIMEOUT", 3)
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Without these a frozen Redis makes every publish wait forever.
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    "max_retries": 1,
    # Well above the longest task: an unacknowledged message is redelivered after this.
    "visibility_timeout": 3600,
    # Queues are polled in the order of CELERY_TASK_QUEUES: routing never waits behind notifications.
    "queue_order_strategy": "priority",
}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_SOCKET_TIMEOUT
# A worker consumes both queues; e-mails and webhooks to providers and experts go to the second.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue("celery"), Queue("notifications")]
CELERY_TASK_ROUTES = {
    "assistance.notify_provider": {"queue": "notifications"},
    "assistance.alert_experts": {"queue": "notifications"},
}
# Keep a worker's database connection between tasks (Celery closes it after each task otherwise);
# portal/celery.py applies CONN_MAX_AGE and the health checks to tasks as to web requests.
CELERY_DB_REUSE_MAX = 1000
# Publishing happens inside web requests: give up quickly, the durable job row is re-driven later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "portal.core.tasks.record_heartbeat", "schedule": 60.0},
    "redrive-routing-jobs": {"task": "assistance.redrive_pending_jobs", "schedule": 5.0},
    "escalate-unclaimed-requests": {"task": "assistance.escalate_unclaimed", "schedule": 3600.0},
    "refresh-turnaround": {"task": "assistance.refresh_turnaround", "schedule": 600.0},
}

# Assistance routing.
ASSISTANCE_MAX_MATCHES = env_int("PORTAL_ASSISTANCE_MAX_MATCHES", 3)
ASSISTANCE_ESCALATE_AFTER_DAYS = env_int("PORTAL_ASSISTANCE_ESCALATE_AFTER_DAYS", 14)
ASSISTANCE_REDRIVE_AFTER_SECONDS = env_int("PORTAL_ASSISTANCE_REDRIVE_AFTER_SECONDS", 5)
# Fault injection for the reliability tests only: pause inside the routing transaction.
ASSISTANCE_ROUTING_PAUSE_SECONDS = float(env_str("PORTAL_ASSISTANCE_ROUTING_PAUSE_SECONDS", "0") or 0)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            "OPTIONS": {
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = env_str("PORTAL_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("PORTAL_FROM_EMAIL", "1540 Portal <noreply@1540portal.invalid>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "portal.core.api.StablePageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["portal.core.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "600/min", "user": "1200/min"},
}
# The largest JSON body the API reads (a whole matrix of cells fits many times over); beyond: 413.
API_MAX_BODY_BYTES = env_int("PORTAL_API_MAX_BODY_BYTES", 1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "1540 Portal API",
    "DESCRIPTION": (
        "Implementation of UN Security Council resolution 1540 and the CWC, NPT and BWC: "
        "States, matrices and assistance. Public read endpoints need no token; send "
        '`Authorization: Bearer <token>` otherwise. Errors are `{"code", "detail"}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "portal.core.schema.strict_api"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MatrixStatusEnum": "matrices.models.Matrix.Status",
        "RequestStatusEnum": "assistance.models.AssistanceRequest.Status",
        "TreatyStatusEnum": "states.models.TreatyStatus.Status",
    },
}

# Security headers. HTTPS turns on everything that only makes sense behind TLS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("PORTAL_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("PORTAL_LOG_LEVEL", "INFO")},
    # Axes notes every login attempt at INFO; lockouts come at WARNING.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Demo data (make run): the password every demo login shares.
DEMO_PASSWORD = env_str("PORTAL_DEMO_PASSWORD", "demo-1540-portal")
