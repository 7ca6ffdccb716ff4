"""A cached figure that one process at a time recomputes, while the others keep serving it.

During a livestream thousands of viewers ask for the same figures every few
seconds. When the cached copy grows old, letting every web worker recompute it
at once would put the same heavy query on the database dozens of times in the
same instant. Here the first process to notice takes a short lock in the cache
(``cache.add``: only one process can add a key) and recomputes; every other one
keeps answering with the copy it has (stale while revalidate). When there is no
copy at all (the first request, or one just forgotten on purpose), the others
wait a moment for the one computing it, and compute it themselves only if it
takes too long, so a crashed process never leaves the figures unanswered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")


def refreshing_lock_key(key: str) -> str:
    return f"{key}:refreshing"


def cached_value(*, key: str, fresh_until: float, value: object, keep_seconds: float) -> None:
    """Keep ``value`` under ``key``: fresh until ``fresh_until``, stale (but served) after."""
    cache.set(key, (fresh_until, value), keep_seconds)


def cache_read_refreshed(
    *,
    key: str,
    compute: Callable[[], T],
    fresh_seconds: float,
    stale_seconds: float = 60,
    lock_seconds: float = 10,
    wait_seconds: float = 2.0,
    poll_seconds: float = 0.02,
) -> T:
    """The value under ``key``, recomputed by one caller at a time once ``fresh_seconds`` have passed.

    A stale copy (younger than ``fresh_seconds + stale_seconds``) is returned to
    everyone but the one caller that holds the lock and recomputes it.
    """
    entry = cache.get(key)
    if entry is not None and entry[0] > time.time():
        return entry[1]
    lock = refreshing_lock_key(key)
    if cache.add(lock, 1, lock_seconds):
        try:
            value = compute()
            cached_value(
                key=key,
                fresh_until=time.time() + fresh_seconds,
                value=value,
                keep_seconds=fresh_seconds + stale_seconds,
            )
            return value
        finally:
            cache.delete(lock)
    if entry is not None:
        return entry[1]
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        time.sleep(poll_seconds)
        entry = cache.get(key)
        if entry is not None:
            return entry[1]
    return compute()


def is_fresh(entry: tuple[float, object] | None) -> bool:
    """Whether a copy read from the cache (``cache.get(key)``) is still fresh."""
    return entry is not None and entry[0] > time.time()
