"""The test settings' Redis cache when xdist workers share one Redis database (CI's CACHE_URL).

Each worker keeps its keys under its own ``KEY_PREFIX`` (its xdist id, gw0, gw1...), and
``clear()`` deletes that worker's keys only: Django's own RedisCache.clear() is FLUSHDB,
which would empty the other workers' caches in the middle of their tests.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache


class WorkerRedisCache(RedisCache):
    def clear(self) -> bool:
        client = self._cache.get_client(None, write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        return True
