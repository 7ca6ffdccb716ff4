"""No full ID number is written to any log (issue #17).

Logged through the project's real logging configuration (settings.LOGGING, applied by
django.setup()): each test captures what a configured handler writes to its stream,
so the filter on the handler, the formatter and the record all take part.
"""

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.servers.basehttp import WSGIRequestHandler

ROOT = Path(__file__).resolve().parents[2]
ID = "11010519491231002X"  # GB 11643's own example
MASKED = "110105********002X"


@contextmanager
def written_by(logger_name: str) -> Iterator[io.StringIO]:
    """What the handlers LOGGING gives ``logger_name`` write, while the block runs."""
    from django.conf import settings

    # the handlers LOGGING made (dictConfig names them), not pytest's own capture
    handlers = [
        handler
        for handler in logging.getLogger(logger_name).handlers
        if handler.name in settings.LOGGING["handlers"]
    ]
    assert handlers, f"LOGGING configures no handler on {logger_name!r}"
    stream = io.StringIO()
    previous = [handler.setStream(stream) for handler in handlers]  # type: ignore[attr-defined]
    try:
        yield stream
    finally:
        for handler, old in zip(handlers, previous, strict=True):
            handler.setStream(old)  # type: ignore[attr-defined]


def test_every_configured_handler_masks():
    from django.conf import settings

    for name, handler in settings.LOGGING["handlers"].items():
        assert "mask_id_numbers" in handler.get("filters", []), name


def test_a_message_is_masked():
    with written_by("yixiang") as out:
        logging.getLogger("yixiang.impact").warning(f"household head {ID} not found")
    assert out.getvalue().endswith(f"WARNING yixiang.impact: household head {MASKED} not found\n")
    assert ID not in out.getvalue()


def test_args_are_masked_and_other_numbers_kept():
    with written_by("yixiang") as out:
        logging.getLogger("yixiang.impact").info(
            "declaration %s from %s (old card %s), order %s",
            7,
            ID.lower(),
            "110105491231002",
            "1234567890123456789012",
        )
    assert out.getvalue().endswith(
        "INFO yixiang.impact: declaration 7 from 110105********002x "
        "(old card 110105*****1002), order 1234567890123456789012\n"
    )


def test_an_exception_traceback_is_masked():
    with written_by("yixiang") as out:
        try:
            raise ValueError(f"no household with ID number {ID}")
        except ValueError:
            logging.getLogger("yixiang.impact").exception("lookup failed")
    written = out.getvalue()
    assert ID not in written
    assert f"ValueError: no household with ID number {MASKED}\n" in written
    assert "Traceback (most recent call last):" in written


def test_an_error_through_the_root_logger_is_masked():
    with written_by("") as out:
        logging.getLogger("some.library").error("bad row: %r", {"id": ID})
    assert out.getvalue().endswith(f"ERROR some.library: bad row: {{'id': '{MASKED}'}}\n")


def test_the_request_log_of_django_server_is_masked():
    # Django's own request handler, logging a request line as runserver does
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = None
    with written_by("django.server") as out:
        handler.log_message('"%s" %s %s', f"GET /x?q={ID} HTTP/1.1", "200", "12")
        handler.log_message(
            '"%s" %s %s', f"GET /cms/impact/households/?q=%20{ID} HTTP/1.1", "404", "9"
        )
    lines = out.getvalue().splitlines()
    assert lines[0].endswith(f'] "GET /x?q={MASKED} HTTP/1.1" 200 12')
    assert lines[1].endswith(f'] "GET /cms/impact/households/?q=%20{MASKED} HTTP/1.1" 404 9')
    assert ID not in out.getvalue()


def test_a_django_request_error_is_masked():
    with written_by("django") as out:
        logging.getLogger("django.request").warning("Not Found: /declare/%s", ID)
    assert out.getvalue().endswith(f"WARNING django.request: Not Found: /declare/{MASKED}\n")


def test_a_celery_worker_logs_through_the_masking_config():
    """A worker's logging, set up as `celery worker` sets it up, masks a task's log line."""
    script = (
        "import django; django.setup()\n"
        "from config.celery_app import app\n"
        "app.log.setup_logging_subsystem(loglevel='INFO')\n"
        "from celery.utils.log import get_task_logger\n"
        f"get_task_logger('impact.tasks').info('assessed %s', '{ID}')\n"
        "import logging\n"
        f"logging.getLogger('celery.worker').error('task failed for {ID}')\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    logged = run.stdout + run.stderr
    assert ID not in logged
    assert f"INFO impact.tasks: assessed {MASKED}" in logged
    assert f"ERROR celery.worker: task failed for {MASKED}" in logged


def test_gunicorns_access_log_is_masked_through_its_logconfig_dict(tmp_path):
    """A real gunicorn, configured as README says, logs a request line with the ID masked."""
    (tmp_path / "gunicorn_conf.py").write_text(
        "from config.gunicorn_logging import logconfig_dict  # noqa: F401\n"
    )
    (tmp_path / "tiny_app.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('404 Not Found', [('Content-Type', 'text/plain')])\n"
        "    return [b'no']\n"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(tmp_path / "gunicorn_conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "tiny_app:app",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/cms/impact/households/?q={ID}"
        for _attempt in range(100):
            try:
                urllib.request.urlopen(url, timeout=2)
            except urllib.error.HTTPError as answer:
                assert answer.code == 404
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("gunicorn did not answer")
    finally:
        server.terminate()
        logged, _ = server.communicate(timeout=30)
    assert ID not in logged
    assert f'"GET /cms/impact/households/?q={MASKED} HTTP/1.1" 404' in logged
