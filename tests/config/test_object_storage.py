"""Media in S3-compatible object storage (issue #18): product pictures and thumbnails in a
public bucket, licences in a private one served only by the permission-checked view.

The far side of the network is a real S3-compatible server: moto's server mode, started
for the session as a subprocess on a free port. Each test gets its own pair of buckets.
"""

import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
import requests
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models.fields.files import FieldFile
from django.utils.functional import empty
from oscar.core.loading import get_model
from PIL import Image
from sorl.thumbnail import default as thumbnail_default
from sorl.thumbnail import get_thumbnail
from sorl.thumbnail.models import KVStore

from producers.models import Certificate, Producer
from tests.producers.documents import pdf_bytes, picture_bytes
from tests.producers.factories import producer_user, staff_user
from tests.producers.test_dashboard import form_errors, product_form_data, product_url
from tests.producers.test_onboarding import CREDIT_CODE, applicant, application

ProductImage = get_model("catalogue", "ProductImage")
BASE_DIR = Path(__file__).resolve().parents[2]
MOTO_SERVER = Path(sys.executable).parent / "moto_server"
KEY, SECRET, REGION = "test-key-id", "test-secret-key", "us-east-1"
GENERATED = r"[0-9a-f]{32}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """A moto S3 server on a free port, for the session; skipped only if it cannot start."""
    if not MOTO_SERVER.exists():
        pytest.skip(f"moto_server not found at {MOTO_SERVER}")
    port = _free_port()
    process = subprocess.Popen(
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None:
                    pytest.skip("moto_server exited at start")
                time.sleep(0.1)
        else:
            pytest.skip("moto_server did not answer within 10 s")
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def _client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name=REGION,
    )


def _keys(client, bucket: str) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def _get(url: str) -> bytes:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, url
    return response.content


@pytest.fixture
def s3(settings, s3_endpoint):
    """The settings MEDIA_STORAGE=s3 gives (config/settings/storage.py), on fresh buckets."""
    client = _client(s3_endpoint)
    media, private = f"media-{uuid.uuid4().hex[:12]}", f"private-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=media)
    client.create_bucket(Bucket=private)
    connection = {
        "endpoint_url": s3_endpoint,
        "access_key": KEY,
        "secret_key": SECRET,
        "region_name": REGION,
        "addressing_style": "path",
        "signature_version": "s3v4",
        "file_overwrite": False,
    }
    settings.S3_MEDIA_OPTIONS = {
        **connection,
        "bucket_name": media,
        "querystring_auth": False,
        "default_acl": "public-read",
        "url_protocol": "http:",
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }
    settings.S3_PRIVATE_OPTIONS = {
        **connection,
        "bucket_name": private,
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 300,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "common.object_storage.MediaStorage"},
        "private": {"BACKEND": "common.object_storage.PrivateStorage"},
    }
    settings.THUMBNAIL_STORAGE = "common.object_storage.MediaStorage"
    settings.MEDIA_URL = f"{s3_endpoint}/{media}/"
    thumbnail_default.storage._wrapped = empty  # sorl builds its storage once
    # a document field looks its storage (the "private" alias) up once, when the models
    # load: look it up again, as a process started with these settings would
    fields = [(Producer._meta.get_field("licence"), Producer._meta.get_field("licence").storage)]
    fields.append(
        (Certificate._meta.get_field("document"), Certificate._meta.get_field("document").storage)
    )
    try:
        for field, _ in fields:
            field.storage = field._storage_callable()
            assert field.storage.__class__.__name__ == "PrivateStorage"
        yield client, media, private
    finally:
        for field, storage in fields:
            field.storage = storage
        thumbnail_default.storage._wrapped = empty


def _upload_product_picture(client, content: bytes):
    client.force_login(producer_user(partner_code="dongchuan-hongtudi"))
    formset = client.get(product_url("YX-DC-001")).context["image_formset"]
    index = len(formset.initial_forms)
    # a browser posts no file for the pictures already there (the demo's, on the local disk)
    data = {
        key: value
        for key, value in product_form_data(client, "YX-DC-001").items()
        if not isinstance(value, FieldFile)
    }
    data[f"{formset.prefix}-{index}-original"] = SimpleUploadedFile("土豆.png", content)
    response = client.post(product_url("YX-DC-001"), data)
    assert response.status_code == 302, form_errors(response)
    return ProductImage.objects.filter(product__upc="YX-DC-001").latest("pk")


@pytest.mark.django_db
def test_a_product_picture_lands_in_the_media_bucket_and_its_url_fetches_it(client, s3):
    s3_client, media, private = s3
    content = picture_bytes("PNG", (64, 48))
    image = _upload_product_picture(client, content)

    name = image.original.name
    assert re.fullmatch(rf"shop/products/\d{{4}}/\d{{2}}/{GENERATED}\.png", name)
    assert _keys(s3_client, media) == [name]
    assert _keys(s3_client, private) == []
    assert not (Path(django_settings.MEDIA_ROOT) / name).exists()
    head = s3_client.head_object(Bucket=media, Key=name)
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    # a plain, unsigned URL on the bucket, fetched over HTTP from the server
    endpoint = s3_client.meta.endpoint_url
    assert image.original.url == f"{endpoint}/{media}/{name}"
    assert _get(image.original.url) == content


@pytest.mark.django_db
def test_a_thumbnail_is_made_in_the_media_bucket_and_recorded_in_the_database(client, s3):
    s3_client, media, _ = s3
    image = _upload_product_picture(client, picture_bytes("PNG", (64, 48)))

    thumbnail = get_thumbnail(image.original, "32x32", crop="center")

    endpoint = s3_client.meta.endpoint_url
    assert thumbnail.url.startswith(f"{endpoint}/{media}/shop/cache/")
    key = thumbnail.url.removeprefix(f"{endpoint}/{media}/")
    assert key in _keys(s3_client, media)
    with Image.open(io.BytesIO(_get(thumbnail.url))) as picture:
        assert picture.size == (32, 32)
    # which thumbnails exist is kept in the database (and the shared cache), not on a disk
    assert KVStore.objects.filter(value__contains=key).count() == 1


@pytest.mark.django_db
def test_a_licence_lands_in_the_private_bucket_and_only_the_view_serves_it(client, s3):
    s3_client, media, private = s3
    content = pdf_bytes()
    user = applicant()
    client.force_login(user)
    response = client.post(
        "/shop/producers/apply/",
        application(licence=SimpleUploadedFile("licence.pdf", content, "application/pdf")),
    )
    assert response.status_code == 200
    producer = Producer.objects.get(credit_code=CREDIT_CODE)
    name = producer.licence.name
    assert re.fullmatch(rf"producers/licences/{GENERATED}\.pdf", name)
    assert _keys(s3_client, private) == [name]
    assert _keys(s3_client, media) == []
    assert not (Path(django_settings.PRIVATE_MEDIA_ROOT) / name).exists()
    # the private storage has no URL: no page can link to the bucket
    with pytest.raises(ValueError, match="no URL"):
        storages["private"].url(name)

    url = f"/shop/producers/files/licence/{producer.pk}/"
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="licence-{producer.pk}.pdf"'
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == content

    client.force_login(producer_user(partner_code="xundian-lanfeng"))
    assert client.get(url).status_code == 404

    # no page or response, the applicant's or the back office's, names the private bucket
    client.force_login(staff_user())
    pages = [
        response.content,
        client.get(f"/cms/producers/{producer.pk}/").content,
        client.get(url).getvalue(),
    ]
    for page in pages:
        assert private.encode() not in page
        assert b"X-Amz-Signature" not in page


@pytest.mark.django_db
def test_a_licence_missing_from_the_bucket_is_a_404(client, s3):
    s3_client, _, private = s3
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    producer.licence.save("licence.pdf", ContentFile(pdf_bytes()))
    s3_client.delete_object(Bucket=private, Key=producer.licence.name)
    client.force_login(producer_user(partner_code="dongchuan-hongtudi"))
    assert client.get(f"/shop/producers/files/licence/{producer.pk}/").status_code == 404


@pytest.mark.django_db
def test_media_copy_copies_a_bucket_to_a_folder_and_back_keeping_names(s3, tmp_path):
    s3_client, media, _ = s3
    s3_client.put_object(Bucket=media, Key="shop/products/2026/11/a.png", Body=b"first")
    s3_client.put_object(Bucket=media, Key="original_images/b.jpg", Body=b"second")
    out = io.StringIO()

    call_command("media_copy", "--from", "default", "--to", str(tmp_path / "copy"), stdout=out)

    assert out.getvalue() == "2 copied, 0 already there.\n"
    assert (tmp_path / "copy/shop/products/2026/11/a.png").read_bytes() == b"first"
    assert (tmp_path / "copy/original_images/b.jpg").read_bytes() == b"second"

    (tmp_path / "copy/shop/new.png").write_bytes(b"third")
    out = io.StringIO()
    call_command("media_copy", "--from", str(tmp_path / "copy"), "--to", "default", stdout=out)
    assert out.getvalue() == "1 copied, 2 already there.\n"
    assert sorted(_keys(s3_client, media)) == [
        "original_images/b.jpg",
        "shop/new.png",
        "shop/products/2026/11/a.png",
    ]
    assert s3_client.get_object(Bucket=media, Key="shop/new.png")["Body"].read() == b"third"


def _settings_from(environment: dict[str, str], module: str) -> dict:
    """The storage settings a fresh process computes from ``environment``."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'storages': s.STORAGES, 'media_url': s.MEDIA_URL, "
        "'thumbnails': s.THUMBNAIL_STORAGE, 'kvstore': s.THUMBNAIL_KVSTORE, "
        "'media': getattr(s, 'S3_MEDIA_OPTIONS', None), "
        "'private': getattr(s, 'S3_PRIVATE_OPTIONS', None)}, default=str))"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("S3_", "MEDIA_", "DJANGO_"))
    }
    env.update(environment, DJANGO_SETTINGS_MODULE=module)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


PROD = {
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "shop.example.cn",
    "SITE_URL": "https://shop.example.cn",
    "DATABASE_URL": "sqlite:////tmp/yx-s3-settings.sqlite3",
    "CACHE_URL": "locmemcache://",
    "CELERY_BROKER_URL": "memory://",
    "PII_KEY": "k" * 43,
}


def test_production_with_media_storage_s3_uses_both_buckets():
    got = _settings_from(
        {
            **PROD,
            "MEDIA_STORAGE": "s3",
            "S3_ENDPOINT_URL": "http://minio:9000",
            "S3_ACCESS_KEY_ID": "id",
            "S3_SECRET_ACCESS_KEY": "secret",
            "S3_MEDIA_BUCKET": "yx-media",
            "S3_PRIVATE_BUCKET": "yx-private",
        },
        "config.settings.prod",
    )
    assert got["storages"]["default"] == {"BACKEND": "common.object_storage.MediaStorage"}
    assert got["storages"]["private"] == {"BACKEND": "common.object_storage.PrivateStorage"}
    assert got["storages"]["staticfiles"]["BACKEND"].startswith("whitenoise.")
    assert got["thumbnails"] == "common.object_storage.MediaStorage"
    assert got["kvstore"] == "common.thumbnails.KVStore"
    assert got["media_url"] == "http://minio:9000/yx-media/"
    assert (got["media"]["bucket_name"], got["media"]["querystring_auth"]) == ("yx-media", False)
    assert got["media"]["default_acl"] == "public-read"
    assert (got["media"]["region_name"], got["media"]["addressing_style"]) == ("us-east-1", "path")
    assert got["private"]["bucket_name"] == "yx-private"
    assert got["private"]["default_acl"] == "private"


def test_virtual_addressing_puts_the_bucket_in_the_host_name():
    got = _settings_from(
        {
            **PROD,
            "MEDIA_STORAGE": "s3",
            "S3_ENDPOINT_URL": "https://cos.ap-guangzhou.myqcloud.com",
            "S3_ADDRESSING_STYLE": "virtual",
            "S3_REGION": "ap-guangzhou",
            "S3_ACCESS_KEY_ID": "id",
            "S3_SECRET_ACCESS_KEY": "secret",
            "S3_MEDIA_BUCKET": "yx-media-1250000000",
            "S3_PRIVATE_BUCKET": "yx-private-1250000000",
        },
        "config.settings.prod",
    )
    assert got["media_url"] == "https://yx-media-1250000000.cos.ap-guangzhou.myqcloud.com/"
    assert got["media"]["addressing_style"] == "virtual"
    assert got["private"]["region_name"] == "ap-guangzhou"


def test_a_custom_media_domain_replaces_the_bucket_address():
    got = _settings_from(
        {
            **PROD,
            "MEDIA_STORAGE": "s3",
            "S3_ENDPOINT_URL": "https://oss-cn-hangzhou.aliyuncs.com",
            "S3_ADDRESSING_STYLE": "virtual",
            "S3_REGION": "oss-cn-hangzhou",
            "S3_ACCESS_KEY_ID": "id",
            "S3_SECRET_ACCESS_KEY": "secret",
            "S3_MEDIA_BUCKET": "yx-media",
            "S3_PRIVATE_BUCKET": "yx-private",
            "S3_MEDIA_URL": "https://img.shop.example.cn/",
            "S3_MEDIA_ACL": "",
        },
        "config.settings.prod",
    )
    assert got["media_url"] == "https://img.shop.example.cn/"
    assert (got["media"]["custom_domain"], got["media"]["url_protocol"]) == (
        "img.shop.example.cn",
        "https:",
    )
    assert got["media"]["default_acl"] is None


def test_the_embedded_default_keeps_the_local_folders():
    got = _settings_from(PROD, "config.settings.prod")
    assert got["storages"]["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert got["storages"]["private"]["BACKEND"] == "common.uploads.PrivateFileSystemStorage"
    assert got["thumbnails"] == "django.core.files.storage.FileSystemStorage"
    assert got["media_url"] == "/media/"
    assert got["media"] is None


def test_the_same_bucket_for_media_and_private_files_is_refused():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("S3_", "MEDIA_", "DJANGO_"))
    }
    env.update(
        MEDIA_STORAGE="s3",
        S3_ACCESS_KEY_ID="id",
        S3_SECRET_ACCESS_KEY="secret",
        S3_MEDIA_BUCKET="yx",
        S3_PRIVATE_BUCKET="yx",
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        **PROD,
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "S3_PRIVATE_BUCKET must differ from S3_MEDIA_BUCKET." in result.stderr
