"""Two processes recording the same new picture at once (common/thumbnails.py).

CI's two-hosts check failed on 2026-12-01 with "Cannot add thumbnails for source
`shop/products/…/yx-dc-003.jpg` that is not in kvstore": one host remembered a miss in the
shared cache after the other had recorded the picture. Here the two processes are two
stores over the same database and cache, and the second records the picture exactly
between the first one's database miss and its cache write.
"""

from unittest import mock

import pytest
from django.core.files.storage import FileSystemStorage
from sorl.thumbnail.helpers import ThumbnailError
from sorl.thumbnail.images import ImageFile
from sorl.thumbnail.kvstores.base import add_prefix
from sorl.thumbnail.kvstores.cached_db_kvstore import KVStore as SorlKVStore
from sorl.thumbnail.models import KVStore as KVStoreModel

from common.thumbnails import KVStore

pytestmark = pytest.mark.django_db


def picture(name):
    image = ImageFile(name, FileSystemStorage())
    image.set_size((640, 480))  # known: the stores never open the file
    return image


def look_up_while_another_records(a, b, source):
    """``a.get(source)``, with ``b`` recording ``source`` after a's database miss."""
    real_get = KVStoreModel.objects.get
    interposed = []

    def get(**lookup):
        try:
            return real_get(**lookup)
        except KVStoreModel.DoesNotExist:
            if not interposed:
                interposed.append(True)
                b.get_or_set(picture(source.name))
            raise

    with mock.patch.object(KVStoreModel.objects, "get", side_effect=get):
        found = a.get(source)
    assert interposed, "the other process never ran between the miss and the cache write"
    return found


def test_a_miss_remembered_late_does_not_hide_a_picture_another_process_recorded():
    a, b = KVStore(), KVStore()
    source = picture("shop/products/2026/12/race-1.jpg")

    assert look_up_while_another_records(a, b, source) is None  # it was a miss when asked
    assert a.get(source) is not None  # and now the record is seen, from the cache too
    assert KVStoreModel.objects.filter(key=add_prefix(source.key)).exists()

    # what sorl does next when it has made a thumbnail: record it under its source
    thumbnail = picture("shop/cache/ab/cd/race-1-thumb.jpg")
    a.get_or_set(source)
    a.set(thumbnail, source)
    assert a.get(thumbnail) is not None
    assert b.get(thumbnail) is not None


def test_sorls_own_store_loses_the_record_in_the_same_interleaving():
    """The interleaving above is the one that broke CI: with sorl's store it still does."""
    a, b = SorlKVStore(), SorlKVStore()
    source = picture("shop/products/2026/12/race-2.jpg")

    assert look_up_while_another_records(a, b, source) is None
    # recorded in the database, but the cache says it never was
    assert KVStoreModel.objects.filter(key=add_prefix(source.key)).exists()
    assert a.get(source) is None
    with pytest.raises(ThumbnailError, match="not in kvstore"):
        a.set(picture("shop/cache/ab/cd/race-2-thumb.jpg"), source)


def test_a_picture_read_from_the_database_is_then_read_from_the_cache(
    django_assert_num_queries,
):
    store = KVStore()
    source = picture("shop/products/2026/12/cached.jpg")
    store.set(source)
    store.cache.delete(add_prefix(source.key))  # as after a cache restart
    with django_assert_num_queries(1):
        assert store.get(source) is not None
    with django_assert_num_queries(0):
        assert store.get(source) is not None
