"""Where uploaded media are kept: the local folder (the embedded default) or S3-compatible
object storage shared by every web host (``MEDIA_STORAGE=s3``). README "Object storage".

Imported by prod.py (which puts DEFAULT_STORAGE and PRIVATE_STORAGE in its STORAGES);
development and the test settings keep their local (temporary) folders.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import PRIVATE_STORAGE, env

MEDIA_STORAGE = env("MEDIA_STORAGE", default="local")
# sorl-thumbnail's record of which thumbnails exist: in the database, read through the
# shared cache (CACHE_URL), never on one host's disk, so every host agrees.
THUMBNAIL_KVSTORE = "common.thumbnails.KVStore"

if MEDIA_STORAGE == "local":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    THUMBNAIL_STORAGE = "django.core.files.storage.FileSystemStorage"
elif MEDIA_STORAGE == "s3":
    S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", default="")  # empty: AWS S3 itself
    S3_MEDIA_BUCKET = env("S3_MEDIA_BUCKET")
    S3_PRIVATE_BUCKET = env("S3_PRIVATE_BUCKET")
    # "path" (http://host/bucket/key): MinIO, moto; "virtual" (http://bucket.host/key):
    # Aliyun OSS and Tencent COS require it.
    S3_ADDRESSING_STYLE = env("S3_ADDRESSING_STYLE", default="path")
    _connection = {
        "endpoint_url": S3_ENDPOINT_URL or None,
        "access_key": env("S3_ACCESS_KEY_ID"),
        "secret_key": env("S3_SECRET_ACCESS_KEY"),
        "region_name": env("S3_REGION", default="us-east-1"),
        "addressing_style": S3_ADDRESSING_STYLE,
        "signature_version": env("S3_SIGNATURE_VERSION", default="s3v4"),
        "file_overwrite": False,  # two uploads of one name never replace each other
    }
    # Public media: unsigned URLs. S3_MEDIA_URL (a CDN or custom domain, e.g.
    # https://img.shop.example.cn/) replaces the bucket's own address in links.
    # S3_MEDIA_ACL=public-read marks each object public; set it empty where the bucket
    # policy does that (or where the service refuses ACLs).
    S3_MEDIA_URL = env("S3_MEDIA_URL", default="")
    _domain = urlsplit(S3_MEDIA_URL) if S3_MEDIA_URL else None
    S3_MEDIA_OPTIONS = {
        **_connection,
        "bucket_name": S3_MEDIA_BUCKET,
        "querystring_auth": False,
        "default_acl": env("S3_MEDIA_ACL", default="public-read") or None,
        "custom_domain": (_domain.netloc + _domain.path.rstrip("/")) if _domain else None,
        "url_protocol": f"{_domain.scheme}:" if _domain else "https:",
        # names are generated and never reused: a picture may be cached for a year
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }
    # Private documents: private objects, no URL (common.object_storage.PrivateStorage);
    # the producers' download views stream them after checking who asks.
    S3_PRIVATE_OPTIONS = {
        **_connection,
        "bucket_name": S3_PRIVATE_BUCKET,
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 300,
        "object_parameters": {"CacheControl": "private, no-store"},
    }
    if S3_MEDIA_BUCKET == S3_PRIVATE_BUCKET:
        raise ImproperlyConfigured("S3_PRIVATE_BUCKET must differ from S3_MEDIA_BUCKET.")
    DEFAULT_STORAGE = {"BACKEND": "common.object_storage.MediaStorage"}
    PRIVATE_STORAGE = {"BACKEND": "common.object_storage.PrivateStorage"}
    THUMBNAIL_STORAGE = "common.object_storage.MediaStorage"
    if S3_MEDIA_URL:
        MEDIA_URL = S3_MEDIA_URL.rstrip("/") + "/"
    elif S3_ENDPOINT_URL and S3_ADDRESSING_STYLE == "path":
        MEDIA_URL = f"{S3_ENDPOINT_URL.rstrip('/')}/{S3_MEDIA_BUCKET}/"
    elif S3_ENDPOINT_URL:
        _endpoint = urlsplit(S3_ENDPOINT_URL)
        MEDIA_URL = f"{_endpoint.scheme}://{S3_MEDIA_BUCKET}.{_endpoint.netloc}/"
else:
    raise ImproperlyConfigured("MEDIA_STORAGE must be 'local' or 's3'.")
