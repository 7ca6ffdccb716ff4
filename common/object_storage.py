"""Media in S3-compatible object storage (MinIO, Aliyun OSS, Tencent COS, AWS S3).

Two storages, chosen by ``MEDIA_STORAGE=s3`` (config/settings/storage.py):

- ``MediaStorage`` (the ``default`` alias and sorl-thumbnail's storage): public objects in
  ``S3_MEDIA_BUCKET`` with plain, unsigned URLs and long cache headers: product pictures,
  Wagtail images and thumbnails, the same for every web host.
- ``PrivateStorage`` (the ``private`` alias): licences and certificate scans in
  ``S3_PRIVATE_BUCKET``, private objects with no URL at all. They are streamed by the
  producers' permission-checked download views, so a bucket address never reaches a page.

Both read their options from settings (``S3_MEDIA_OPTIONS``, ``S3_PRIVATE_OPTIONS``) when
built with no arguments, because sorl-thumbnail builds its storage from a class path
(``THUMBNAIL_STORAGE``) and rebuilds stored thumbnails' storages the same way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from storages.backends.s3 import S3Storage


class MediaStorage(S3Storage):
    """Public media in the media bucket: unsigned URLs, cached for a year."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{**getattr(settings, "S3_MEDIA_OPTIONS", {}), **options})


class PrivateStorage(S3Storage):
    """Private documents in the private bucket: no URL, served by a view only."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{**getattr(settings, "S3_PRIVATE_OPTIONS", {}), **options})

    def url(self, name: str | None, *args: Any, **kwargs: Any) -> str:
        raise ValueError("Private documents have no URL: link to their download view.")
