"""A request id on every log line, web and worker (issue #18, README "Operations").

The log lines are written through the project's configured handlers (LOGGING in JSON, as
production writes it), captured from the handlers' streams and parsed.
"""

import io
import json
import logging
import logging.config
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from config.celery_app import app as celery_app
from config.log_config import logging_config
from tests.services import database_url

ROOT = Path(__file__).resolve().parents[2]
ID = "11010519491231002X"  # GB 11643's own example
MASKED = "110105********002X"
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@contextmanager
def json_logs() -> Iterator[io.StringIO]:
    """LOGGING as production configures it (LOG_FORMAT=json), every handler writing here."""
    logging.config.dictConfig(logging_config(settings.BASE_LOGGING, "json"))
    stream = io.StringIO()
    handlers = {
        handler
        for name in [None, *settings.BASE_LOGGING["loggers"]]
        for handler in logging.getLogger(name).handlers
        if handler.name in settings.BASE_LOGGING["handlers"]
    }
    assert len(handlers) == len(settings.BASE_LOGGING["handlers"])
    for handler in handlers:
        handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        yield stream
    finally:
        logging.config.dictConfig(settings.LOGGING)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_handler_masks_and_adds_the_request_id():
    for log_format in ("text", "json"):
        for name, handler in logging_config(settings.BASE_LOGGING, log_format)["handlers"].items():
            assert handler["filters"] == ["mask_id_numbers", "request_id"], (log_format, name)


@pytest.mark.django_db
def test_a_requests_log_lines_are_json_with_the_id_of_its_response(settings, tmp_path):
    # the private folder cannot be made (a file stands in its way): /readyz logs why (ERROR)
    # and Django logs the 503
    (tmp_path / "a-file").write_text("not a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "common.uploads.PrivateFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "a-file" / "gone"},
        },
    }
    with json_logs() as out:
        response = Client().get("/readyz")
        logging.getLogger("yixiang.test").warning("after the request, household %s", ID)
    assert response.status_code == 503
    request_id = response["X-Request-ID"]
    assert HEX_ID.match(request_id)
    records = lines(out)
    assert [(r["level"], r["logger"]) for r in records] == [
        ("ERROR", "yixiang.health"),
        ("ERROR", "django.request"),
        ("WARNING", "yixiang.test"),
    ]
    assert records[0]["message"] == "readiness check private_storage failed"
    assert "exc_info" in records[0]
    assert records[1]["message"] == "Service Unavailable: /readyz"
    assert [r["request_id"] for r in records] == [request_id, request_id, "-"]
    assert all(r["task_id"] == "-" for r in records)
    assert records[2]["message"] == f"after the request, household {MASKED}"
    assert ID not in out.getvalue()


@pytest.mark.django_db
def test_an_id_number_in_an_extra_field_is_masked_in_json(settings):
    with json_logs() as out:
        logging.getLogger("yixiang.test").warning("lookup", extra={"id_number": ID})
    [record] = lines(out)
    assert record["id_number"] == MASKED


@pytest.mark.django_db
def test_json_lines_carry_the_time_in_utc_whatever_the_process_time_zone(settings):
    # Django sets TZ to TIME_ZONE (Asia/Shanghai) in its processes but not in gunicorn's
    # master: one clock, with its offset, keeps a file's lines in order.
    before = datetime.now(UTC)
    with json_logs() as out:
        logging.getLogger("yixiang.test").warning("tick")
    [record] = lines(out)
    written = datetime.fromisoformat(record["time"])
    assert record["time"].endswith("+00:00")
    assert (
        timedelta(0)
        <= written - before.replace(microsecond=before.microsecond // 1000 * 1000)
        < timedelta(seconds=5)
    )


@pytest.mark.django_db
def test_celerys_task_arguments_are_not_written_in_json(settings):
    with json_logs() as out:
        logging.getLogger("celery.app.trace").info(
            "Task x succeeded", extra={"data": {"args": "reset link /confirm/abc"}}
        )
    [record] = lines(out)
    assert "data" not in record
    assert "/confirm/abc" not in out.getvalue()


def test_the_id_of_a_trusted_proxy_is_kept_and_anyone_elses_replaced(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = Client(REMOTE_ADDR="10.1.2.3")
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    assert proxy.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.22")["X-Request-ID"] == "lb-7f3a.22"
    assert HEX_ID.match(stranger.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.22")["X-Request-ID"])
    forged = "x\nERROR forged line"
    assert HEX_ID.match(proxy.get("/healthz", HTTP_X_REQUEST_ID=forged)["X-Request-ID"])
    first, second = Client().get("/healthz"), Client().get("/healthz")
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.integration
@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (Redis); .ci/run sets it"
)
@pytest.mark.django_db(transaction=True)  # the e-mail is queued on commit, inside the request
def test_a_task_queued_by_a_request_logs_its_id_in_a_real_worker(tmp_path):
    queue = celery_app.amqp.router.route({}, "config.tasks.email_send")["queue"].name
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)  # nothing left by an earlier run
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),  # the message waits in the test database's outbox
        "LOG_FORMAT": "json",
        "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
            + ["--concurrency=1", "-Q", queue, "--loglevel=INFO", "--without-heartbeat"]
            + ["--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        get_user_model().objects.create_user("ops-reset", "ops-reset@example.com", "pw-12345678")
        response = Client().post("/shop/password-reset/", {"email": "ops-reset@example.com"})
        assert response.status_code == 302
        request_id = response["X-Request-ID"]
        done: list[dict[str, object]] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not done:
            time.sleep(0.5)
            done = [
                record
                for record in map(json.loads, re.findall(r"^\{.*\}$", log.read_text(), re.M))
                if record["logger"] == "celery.app.trace" and "succeeded" in record["message"]
            ]
    finally:
        celery_app.conf.task_always_eager = previous
        worker.terminate()
        worker.wait(timeout=20)
    assert len(done) == 1, log.read_text()
    assert done[0]["request_id"] == request_id
    assert done[0]["task_id"] != "-"
    assert str(done[0]["task_id"]) in str(done[0]["message"])
    assert "password-reset/confirm" not in log.read_text()  # the task's arguments stay out


def test_gunicorns_access_log_in_json_has_the_request_id_and_skips_health_probes(tmp_path):
    """A real gunicorn with the project's logconfig_dict, LOG_FORMAT=json."""
    (tmp_path / "gunicorn_conf.py").write_text(
        "from config.gunicorn_logging import logconfig_dict  # noqa: F401\n"
    )
    (tmp_path / "tiny_app.py").write_text(
        "def app(environ, start_response):\n"
        "    if environ['PATH_INFO'] == '/healthz':\n"
        "        start_response('200 OK', [('X-Request-ID', 'probe')])\n"
        "        return [b'ok']\n"
        "    start_response('404 Not Found', [('X-Request-ID', 'req-42')])\n"
        "    return [b'no']\n"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}",
        "LOG_FORMAT": "json",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(tmp_path / "gunicorn_conf.py")]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "tiny_app:app"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _attempt in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("gunicorn did not answer")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/shop/?q={ID}", timeout=2)  # noqa: S310
    finally:
        server.terminate()
        logged, _ = server.communicate(timeout=30)
    records = [json.loads(line) for line in logged.splitlines()]
    assert len(records) == 1, logged  # the health probe is not logged
    [record] = records
    assert record["logger"] == "gunicorn.access"
    assert record["request_id"] == "req-42"
    assert (record["method"], record["path"], record["status"]) == ("GET", "/shop/", 404)
    assert f"GET /shop/?q={MASKED} HTTP/1.1" in record["message"]
    assert ID not in logged
