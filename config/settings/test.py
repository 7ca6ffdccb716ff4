"""Settings for the test suite: the base settings, faster and self-contained.

DATABASE_URL and CELERY_BROKER_URL still come from the environment, so CI
runs the suite on PostgreSQL and Redis. Tasks run eagerly unless a test
starts a real worker (see tests/test_celery_worker.py).
"""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, HAYSTACK_CONNECTIONS, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"
PII_KEY = "test-pii-key-not-for-production-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

EMAIL_DELIVERY_BACKEND = env(
    "EMAIL_DELIVERY_BACKEND", default="django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=tempfile.gettempdir())
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://yixiang-test")}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="yixiang-test-media-"))
HAYSTACK_CONNECTIONS["default"]["PATH"] = tempfile.mkdtemp(prefix="yixiang-test-whoosh-")
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="yixiang-test-private-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "common.uploads.PrivateFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A test database in a file, not Django's shared in-memory one: an in-memory database
    # is one connection shared by the test and the live server's threads, and two threads
    # using one SQLite connection at once fail with "database table is locked". In a file,
    # each thread has its own connection; conftest.py turns on WAL so a reader never waits
    # for a writer, and IMMEDIATE transactions make writers queue instead of failing.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.mkdtemp(prefix="yixiang-test-db-")) / "test.sqlite3")
    }
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

# Tests count queries with analytics off the request path, as production runs it (with a
# broker), whichever database and broker the run has.
SHOP_ANALYTICS = "batched"
