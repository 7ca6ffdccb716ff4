"""Operations in production: JSON logs, sessions in the database behind the cache, and
the cache and the Celery broker in different Redis databases. Imported at the end of prod.py.
"""

from django.core.exceptions import ImproperlyConfigured

from config.log_config import logging_config

from .base import BASE_LOGGING, env

LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(BASE_LOGGING, LOG_FORMAT)

# SESSION_ENGINE is "cached_db" (prod.py): a session survives a cache restart or eviction,
# written to the database and read through the cache, the same on every web host.


def redis_database(url: str) -> tuple[str, str] | None:
    """(host:port, database number) of a redis:// or rediss:// URL; None for other schemes."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return None
    database = parts.path.strip("/") or "0"
    return f"{(parts.hostname or '').lower()}:{parts.port or 6379}", database


_cache = redis_database(env("CACHE_URL"))
_broker = redis_database(env("CELERY_BROKER_URL"))
if _cache is not None and _cache == _broker:
    # A cache may be flushed or evict keys under memory pressure; queued tasks must not be.
    raise ImproperlyConfigured(
        "CACHE_URL and CELERY_BROKER_URL name the same Redis database: give the cache "
        "its own (for example redis://host:6379/1 for the cache, /0 for the broker)."
    )
