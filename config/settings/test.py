"""Settings for the test suite: the base settings, faster and self-contained.

DATABASE_URL and CELERY_BROKER_URL still come from the environment, so CI
runs the suite on PostgreSQL and Redis. Tasks run eagerly unless a test
starts a real worker (see tests/test_celery_worker.py).
"""

import os
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
# pytest-xdist's workers (pyproject's addopts) are processes of their own: a locmem cache,
# the media folders and the SQLite file below are theirs already. A Redis cache (CI's
# CACHE_URL) is one database they share: each keeps its keys under its own prefix, and
# clears only those (tests/worker_cache.py).
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER and CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "tests.worker_cache.WorkerRedisCache"
    CACHES["default"]["KEY_PREFIX"] = XDIST_WORKER
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
    # each thread has its own connection, with base.py's WAL, busy timeout and IMMEDIATE
    # transactions; nothing here must survive a power cut, so writes are not synced. One
    # folder per process: each xdist worker's database is its own.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.mkdtemp(prefix="yixiang-test-db-")) / "test.sqlite3")
    }
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
    )
    # The test database is made from the migrated schema's snapshot, not by 388 migrations
    # in every worker, while the snapshot is current (tests/sqlite_snapshot/__init__.py).
    DATABASES["default"]["ENGINE"] = "tests.sqlite_snapshot"
else:
    # PostgreSQL: no JIT compilation. The test database's tables are never analysed, so the
    # planner guesses millions of rows for a few dozen and JIT-compiles the query first: the
    # report summaries' refund query took 0.45 s (all compilation) instead of 1 ms, 139 s of
    # the ledger's property test in CI. Production's tables are analysed by autovacuum.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (_options.get("options", "") + " -c jit=off").strip()
    # A committing test's flush empties the tables with DELETE, not TRUNCATE: 0.05 s, not
    # 0.66-0.9 s on the idle machine (tests/postgres_flush/__init__.py).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "tests.postgres_flush"
    if env("TEST_DATABASE_TEMPLATE", default=""):
        # Each worker's test database is a copy of an already migrated database (CREATE
        # DATABASE ... TEMPLATE), so its migrate has nothing left to apply. CI migrates that
        # template once, for real, and makes its other databases from it too (.ci/run).
        DATABASES["default"].setdefault("TEST", {})["TEMPLATE"] = env("TEST_DATABASE_TEMPLATE")

# Tests count queries with analytics off the request path, as production runs it (with a
# broker), whichever database and broker the run has.
SHOP_ANALYTICS = "batched"
