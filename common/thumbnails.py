"""sorl-thumbnail's record of which thumbnails exist, safe when several processes write it.

sorl's cached-database store remembers a miss by writing an "empty" marker into the
shared cache with ``cache.set``. Two processes (two web hosts, or two workers of one)
that render the same new picture at once can then undo each other:

1. A looks the picture up: not in the cache, not in the database;
2. B records the picture: database row, then ``cache.set(key, picture)``;
3. A, still finishing step 1, writes its "empty" marker over B's entry.

Every later look-up believes the picture was never recorded, for as long as the cache
keeps the marker (a year by default), and sorl refuses to record its thumbnails: "Cannot
add thumbnails for source … that is not in kvstore" (CI's two-hosts check, 2026-12-01).

Here what a look-up read goes into the cache with ``cache.add``, which writes only where
the key is absent, so a miss never covers a record another process has just made. Recording still overwrites
(``cache.set`` after the database row), so a record always covers a stale miss.
"""

from __future__ import annotations

from typing import Any

from sorl.thumbnail.conf import settings
from sorl.thumbnail.kvstores import cached_db_kvstore
from sorl.thumbnail.models import KVStore as KVStoreModel


class KVStore(cached_db_kvstore.KVStore):
    def _get_raw(self, key: str) -> Any:
        value = self.cache.get(key)
        if value is None:
            try:
                value = KVStoreModel.objects.get(key=key).value
            except KVStoreModel.DoesNotExist:
                value = cached_db_kvstore.EMPTY_VALUE
            # fill the cache only where another process has not written it meanwhile
            self.cache.add(key, value, settings.THUMBNAIL_CACHE_TIMEOUT)
        if value == cached_db_kvstore.EMPTY_VALUE:
            return None
        return value
