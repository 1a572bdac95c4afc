"""kaohe settings: one base, every difference comes from KAOHE_* variables.

A bad value stops start-up with a message naming the variable (see kaohe.env).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from csp.constants import NONCE, NONE, SELF

from kaohe.env import (
    ConfigError,
    env_bool,
    env_int,
    env_key32,
    env_list,
    env_networks,
    env_str,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("KAOHE_DEBUG", True)

SECRET_KEY = env_str("KAOHE_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError(
            "KAOHE_SECRET_KEY is empty: with KAOHE_DEBUG off the server refuses to start "
            "without a secret key (generate one with: python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))')"
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

# Seals ballot boxes and drafts (kaohe.reviews.seal): 32 bytes in URL-safe base64,
# kept outside the database; derived from SECRET_KEY when empty. Never change it while a
# round is open: its sealed boxes could not be opened (docs/operations.md).
BALLOT_KEY = env_key32("KAOHE_BALLOT_KEY")

# The reverse proxies in front of us (docs/operations.md): only their X-Forwarded-*
# headers are believed; with none, the client is REMOTE_ADDR and the headers are ignored.
KAOHE_TRUSTED_PROXIES = env_networks("KAOHE_TRUSTED_PROXIES")

ALLOWED_HOSTS = env_list("KAOHE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("KAOHE_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",  # app label: django_tasks_database
    "kaohe.core",
    "kaohe.accounts",
    "kaohe.org",
    "kaohe.jobs",
    "kaohe.worklogs",
    "kaohe.reviews",
    "kaohe.schemes",
    "kaohe.conduct",
    "kaohe.supervision",
    "kaohe.surveys",
    "kaohe.performance",
    "kaohe.teams",
    "kaohe.scoring",
    "kaohe.outcomes",
    "kaohe.dueprocess",
    "kaohe.notices",
    "kaohe.plans",
    "kaohe.pages",
    "kaohe.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files with debug off (`make run`, small deployments): compressed, with
    # far-future caching of the hashed names collectstatic writes.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kaohe.core.middleware.IdleSessionMiddleware",
    "kaohe.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kaohe.accounts.middleware.PasswordChangeRequiredMiddleware",
    # After the user is known (the refusal is a full page), before any view reads input.
    "kaohe.core.middleware.ControlCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kaohe.urls"
WSGI_APPLICATION = "kaohe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kaohe" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kaohe.accounts.context_processors.access",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        "KAOHE_DATABASE_URL",
        env_str("KAOHE_DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    ).as_django()
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "kaohe.accounts.backends.KaoheBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("KAOHE_PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lockout (django-axes): lock the username+IP pair after repeated failures.
# The IP is the browser's (kaohe.core.http.client_address, KAOHE_TRUSTED_PROXIES).
AXES_CLIENT_IP_CALLABLE = "kaohe.core.http.client_address"
AXES_FAILURE_LIMIT = env_int("KAOHE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("KAOHE_LOGIN_COOLOFF_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# One cache directory for every process of the machine (gunicorn's workers and the job
# worker), so a write in one process drops what the others cached (kaohe.core.cache).
# Deployments on several machines point KAOHE_CACHE_DIR at shared storage or replace
# this with a shared server; see docs/operations.md.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("KAOHE_CACHE_DIR", str(BASE_DIR / "var" / "cache")),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
}

# Sessions end after a working day of inactivity, and when the browser closes.
SESSION_COOKIE_AGE = env_int("KAOHE_SESSION_SECONDS", 8 * 3600, minimum=300)
# Idle expiry without a write per request (kaohe.core.middleware.IdleSessionMiddleware):
# the session is saved when its last save is this old, so it ends between AGE − this
# and AGE after the user's last request.
SESSION_TOUCH_SECONDS = min(300, SESSION_COOKIE_AGE // 10)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("KAOHE_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "kaohe.pages.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS. With debug off, plain-HTTP requests are redirected and browsers told to
# use HTTPS only (HSTS, one year). Behind the TLS-terminating proxy the request
# reaches us as HTTP: the trusted proxy's X-Forwarded-Proto says what the browser used.
SECURE_SSL_REDIRECT = env_bool("KAOHE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("KAOHE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KAOHE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("KAOHE_HSTS_PRELOAD", not DEBUG)
if KAOHE_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts and styles only from our own static
# files, plus inline <script> blocks that carry the request's nonce
# (`<script nonce="{{ request.csp_nonce }}">`); no inline styles or event handlers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "kaohe" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("KAOHE_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# With debug on (development, tests) files are served from the source folders as they
# are: no collectstatic needed. With debug off, from STATIC_ROOT as collectstatic wrote
# them, each name carrying its content's hash (so browsers may cache them for a year).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Decided here, from KAOHE_DEBUG: the test runner turns DEBUG off after settings load,
# and tests must still find the files in static/ without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Roster uploads above this size are refused before they are parsed.
KAOHE_ROSTER_MAX_BYTES = env_int("KAOHE_ROSTER_MAX_MB", 10, minimum=1) * 1024 * 1024
KAOHE_ROSTER_MAX_ROWS = env_int("KAOHE_ROSTER_MAX_ROWS", 20000, minimum=1)
# Larger uploads are imported by the background worker, with a progress bar (about
# 2,000 rows); smaller ones at once, with the result on the page.
KAOHE_ROSTER_JOB_BYTES = env_int("KAOHE_ROSTER_JOB_KB", 128, minimum=0) * 1024
# Excel exports of more rows than this are written by the background worker and
# fetched from the job's page; smaller ones are streamed in the request.
KAOHE_EXPORT_JOB_ROWS = env_int("KAOHE_EXPORT_JOB_ROWS", 20000, minimum=0)
# Django's own request-size guard; uploads larger than this are streamed to disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The result-entry grid posts one field per person and indicator (500 × 43 and more).
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("KAOHE_MAX_FORM_FIELDS", 60000, minimum=1000)

# A fixed "today" for training set-ups and tests (kaohe.core.clock); empty in production.
# The site's address as users reach it, put under each email and group-robot message
# (notices.channels); empty: the messages carry no link.
KAOHE_SITE_URL = env_str("KAOHE_SITE_URL").rstrip("/")
# Webhooks may not point at this machine or a link-local address (notices.targets);
# on for a robot run on the server itself (the tests' local robot).
KAOHE_WEBHOOK_ALLOW_LOCAL = env_bool("KAOHE_WEBHOOK_ALLOW_LOCAL", False)
_today = env_str("KAOHE_TODAY")
try:
    KAOHE_TODAY = dt.date.fromisoformat(_today) if _today else None
except ValueError:
    raise ConfigError(f"KAOHE_TODAY={_today!r} is not a date; write it as 2026-11-20") from None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # A public survey's path carries a household's code: Django's "Not Found: /s/c/..."
    # and "Gone: ..." warnings leave those out (kaohe.core.logs).
    "filters": {"public_paths": {"()": "kaohe.core.logs.PublicPathFilter"}},
    "loggers": {"django.request": {"filters": ["public_paths"]}},
    "root": {"handlers": ["console"], "level": env_str("KAOHE_LOG_LEVEL", "WARNING")},
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Background work (django-tasks, forward-compatible with Django 6's django.tasks): jobs
# are rows in the database and `manage.py db_worker` runs them (`make run` starts it).
# KAOHE_TASKS_IMMEDIATE runs each job inside the request that enqueues it (tests).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("KAOHE_TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}
# A running job silent (no progress written) this long is taken for crashed (its worker
# was killed) and marked failed when next looked at (docs/operations.md).
KAOHE_JOB_STALE_MINUTES = env_int("KAOHE_JOB_STALE_MINUTES", 30, minimum=1)
# On PostgreSQL, progress is written through a connection of its own so the page sees
# it while the job's transaction runs (kaohe.jobs.progress); tests turn it off.
KAOHE_JOB_PROGRESS_OWN_CONNECTION = True
