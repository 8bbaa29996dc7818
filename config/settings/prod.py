"""Production: everything that differs comes from environment variables.

Required: MINQING_SECRET_KEY, MINQING_ALLOWED_HOSTS, DATABASE_URL (postgres://...).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
if not os.environ.get("MINQING_SECRET_KEY"):
    raise ImproperlyConfigured("Set MINQING_SECRET_KEY (a long random string) for production.")
SECRET_KEY = os.environ["MINQING_SECRET_KEY"]
SECURE_SSL_REDIRECT = env_bool("MINQING_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("MINQING_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("MINQING_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
