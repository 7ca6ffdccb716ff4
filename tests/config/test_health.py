"""/healthz and /readyz for load balancers (issue #18, README "Operations")."""

import json
import os
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.test import Client

REDIS = os.environ.get("OPS_TEST_REDIS", "127.0.0.1:6379")
CACHE_REDIS = f"redis://{REDIS}/4"  # this part's Redis databases: 4 (cache), 5 (broker)
BROKER_REDIS = f"redis://{REDIS}/5"


def _redis_up() -> bool:
    host, port = REDIS.split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return False
    return True


needs_redis = pytest.mark.skipif(not _redis_up(), reason=f"needs Redis at {REDIS}")


def closed_port() -> int:
    """A port nothing listens on: bound, then let go."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


def redis_cache(url: str) -> dict[str, dict[str, object]]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_healthz_is_ok_with_nothing_else():
    # No django_db mark: a database query here would fail the test.
    client = Client(HTTP_HOST="10.0.0.7")  # a load balancer probes by address, not ALLOWED_HOSTS
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert not response.cookies
    assert "Content-Security-Policy" not in response
    assert "no-store" in response["Cache-Control"]


def test_health_probes_over_plain_http_are_not_redirected(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["shop.example.cn"]
    client = Client(HTTP_HOST="shop.example.cn")
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301  # everything else still goes to https
    # the URL patterns behind the middleware are exempt too
    exempt = [re.compile(pattern) for pattern in settings.SECURE_REDIRECT_EXEMPT]
    for path in ("healthz", "readyz"):
        assert any(pattern.match(path) for pattern in exempt), path
    assert not any(pattern.match("shop/") for pattern in exempt)


@needs_redis
@pytest.mark.django_db
def test_readyz_is_ready_with_the_real_database_cache_broker_and_storage(settings):
    settings.CACHES = redis_cache(CACHE_REDIS)
    settings.CELERY_BROKER_URL = BROKER_REDIS
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "broker": "ok",
            "storage": "ok",
            "private_storage": "ok",
        },
    }
    assert not response.cookies


@needs_redis
@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_its_port_is_closed(settings):
    port = closed_port()
    settings.CACHES = redis_cache(CACHE_REDIS)
    settings.CELERY_BROKER_URL = f"redis://:s3cret-pass@127.0.0.1:{port}/5"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "broker": "error",
            "storage": "ok",
            "private_storage": "ok",
        },
    }
    body = response.content.decode()
    assert "127.0.0.1" not in body and str(port) not in body and "s3cret" not in body


@needs_redis
@pytest.mark.django_db
def test_readyz_is_503_naming_the_cache_when_it_is_down(settings):
    settings.CACHES = redis_cache(f"redis://127.0.0.1:{closed_port()}/4")
    settings.CELERY_BROKER_URL = BROKER_REDIS
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"] == {
        "database": "ok",
        "cache": "error",
        "broker": "ok",
        "storage": "ok",
        "private_storage": "ok",
    }


@pytest.mark.django_db
def test_readyz_does_not_hang_on_a_broker_that_never_answers(settings):
    settings.READYZ_TIMEOUT = 0.5
    with silent_server() as port:
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/5"
        response = Client().get("/readyz")  # a probe waiting on the silent broker would hang here
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["broker"] in ("timeout", "error")


@pytest.mark.django_db
def test_readyz_is_503_naming_the_private_storage_when_its_folder_cannot_be_made(
    settings, tmp_path
):
    # A fresh site's missing folder is made (Django would on the first save); one that cannot
    # be made (here a file stands where a parent folder should be) is an error.
    (tmp_path / "a-file").write_text("not a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "common.uploads.PrivateFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "a-file" / "private"},
        },
    }
    response = Client().get("/readyz")
    assert response.status_code == 503
    checks = json.loads(response.content)["checks"]
    assert checks["private_storage"] == "error"
    assert checks["storage"] == "ok"
