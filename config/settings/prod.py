"""Production: the base settings, tightened. Everything secret comes from the environment."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import MIDDLEWARE, env
from .storage import *  # noqa: F403  (MEDIA_STORAGE=local|s3: README "Object storage")
from .storage import DEFAULT_STORAGE, PRIVATE_STORAGE

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
CACHES = {"default": env.cache("CACHE_URL")}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # see ops_prod.py
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False
# Personal data: PII_KEYS (newest first) with PII_HASH_KEY, or a single PII_KEY (see base).
PII_KEY = env("PII_KEY", default="")
PII_KEYS = env.list("PII_KEYS", default=[])
if not (PII_KEY or PII_KEYS):
    raise ImproperlyConfigured("Set PII_KEYS (with PII_HASH_KEY) or PII_KEY.")

STORAGES = {
    "default": DEFAULT_STORAGE,  # the media folder or bucket (config/settings/storage.py)
    "private": PRIVATE_STORAGE,  # never under MEDIA_ROOT: the web server must not serve it
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The public address (README "Deploy"): e-mail links, the CMS's own links, CSRF's origins.
SITE_URL = env("SITE_URL").rstrip("/")
if urlsplit(SITE_URL).scheme != "https" or not urlsplit(SITE_URL).hostname:
    raise ImproperlyConfigured("SITE_URL must be the site's https:// address.")
WAGTAILADMIN_BASE_URL = SITE_URL
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

# HTTPS is known from the scheme gunicorn passes (wsgi.url_scheme): gunicorn believes
# X-Forwarded-Proto only from its forwarded_allow_ips, which deploy/gunicorn.conf.py takes
# from TRUSTED_PROXIES. Django must not read the header itself (SECURE_PROXY_SSL_HEADER),
# or any client that reaches gunicorn directly could claim https.
SECURE_PROXY_SSL_HEADER = None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
OSCAR_BASKET_COOKIE_SECURE = True
OSCAR_RECENTLY_VIEWED_COOKIE_SECURE = True
OSCAR_URL_SCHEMA = "https"
X_FRAME_OPTIONS = "DENY"
EMAIL_DELIVERY_BACKEND = env(
    "EMAIL_DELIVERY_BACKEND", default="django.core.mail.backends.smtp.EmailBackend"
)
# An SMTP server that wants a login (user, password, STARTTLS or TLS): config/settings/queues.py.

# One host with local media: Django serves MEDIA_ROOT itself (config/media.py); the private
# storage lies outside MEDIA_ROOT (base) and is never served. Off: the front end serves it.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=False)
assert "whitenoise.middleware.WhiteNoiseMiddleware" in MIDDLEWARE

from .ops_prod import *  # noqa: E402, F403  (operations: config/settings/ops_prod.py)
