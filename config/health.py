"""Health endpoints for load balancers: ``/healthz`` (liveness) and ``/readyz`` (readiness).

``/healthz`` answers 200 "ok" as long as the process answers: no database, no cache, no
network. ``/readyz`` checks what a request needs, each check with a short timeout
(``READYZ_TIMEOUT`` seconds, all run side by side): the database (``SELECT 1``), the cache
(a write and a read), the Celery broker (a connection, when one is configured) and both
storages, ``default`` (public media) and ``private`` (licences, certificates). It answers
200 with ``{"status": "ok", "checks": {...}}`` naming each check, or 503 with the failed
ones marked "error" (or "timeout"). The body never says why in detail (no hostnames, no
passwords): the reason is logged at ERROR on the server, where the operator reads it.

``HealthMiddleware`` (second in MIDDLEWARE, after the request id) answers both paths
before anything else runs: no session, no cookies, no CSP header, no host check (a load
balancer probes by address), no HTTPS redirect (``SECURE_REDIRECT_EXEMPT`` says the same
for the URL patterns behind it). The URL patterns exist too, so the paths resolve, are
declared in common/policy.py and can be reversed.

django-health-check is not used: its views answer 500 rather than 503, name checks by
their ``repr`` (which may hold a broker's host) and run inside the full middleware stack.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("yixiang.health")

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"


def check_database() -> None:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            if cursor.fetchone() != (1,):
                raise RuntimeError("SELECT 1 did not return 1")
    finally:
        connection.close()  # this thread's own connection: do not leave it open


def check_cache() -> None:
    cache = caches["default"]
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was written")
    cache.delete(key)


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if not url:
        return  # no broker: tasks run in the web process (eager)
    from kombu import Connection

    timeout = float(settings.READYZ_TIMEOUT)
    transport_options = {
        **getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }
    with Connection(url, connect_timeout=timeout, transport_options=transport_options) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
        client = getattr(conn.default_channel, "client", None)
        if client is not None and hasattr(client, "ping"):
            client.ping()  # Redis: a round trip, not only a socket


def _check_storage(alias: str) -> Callable[[], None]:
    def check() -> None:
        storage = storages[alias]
        if isinstance(storage, FileSystemStorage):
            location = storage.location
            # Django makes the folder on the first save; a fresh site has none yet.
            os.makedirs(location, exist_ok=True)
            if not (os.path.isdir(location) and os.access(location, os.W_OK | os.X_OK)):
                raise RuntimeError(f"storage {alias!r} has no writable folder")
        else:
            storage.exists(".readyz")  # one HEAD against the bucket: credentials and bucket

    return check


def readiness_checks() -> dict[str, Callable[[], None]]:
    checks = {
        "database": check_database,
        "cache": check_cache,
        "broker": check_broker,
        "storage": _check_storage("default"),
    }
    if "private" in settings.STORAGES:
        checks["private_storage"] = _check_storage("private")
    return checks


def readiness() -> dict[str, str]:
    """Each check's result: "ok", "error" or "timeout"."""
    checks = readiness_checks()
    timeout = float(settings.READYZ_TIMEOUT)
    results: dict[str, str] = {}
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    try:
        futures = {name: executor.submit(check) for name, check in checks.items()}
        for name, future in futures.items():
            try:
                future.result(timeout=timeout)
                results[name] = "ok"
            except FutureTimeout:
                results[name] = "timeout"
                logger.error("readiness check %s took longer than %ss", name, timeout)
            except Exception:
                results[name] = "error"
                logger.exception("readiness check %s failed", name)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)  # a hung check is not waited for
    return results


def _answer(body: bytes, status: int, content_type: str) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=content_type)
    add_never_cache_headers(response)
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return _answer(b"ok", 200, "text/plain; charset=utf-8")


def readyz(request: HttpRequest) -> HttpResponse:
    results = readiness()
    ready = all(result == "ok" for result in results.values())
    body = {"status": "ok" if ready else "unavailable", "checks": results}
    return _answer(json.dumps(body).encode(), 200 if ready else 503, "application/json")


class HealthMiddleware:
    """Answers ``/healthz`` and ``/readyz`` (GET or HEAD) before the rest of the stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            path = request.path_info.rstrip("/")
            if path == LIVENESS_PATH:
                return healthz(request)
            if path == READINESS_PATH:
                return readyz(request)
        return self.get_response(request)
