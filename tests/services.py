"""Real services started by a test: a redis-server of its own, and the test database's URL.

A test that takes a broker away starts its own ``redis-server`` on a free port
(never the machine's main Redis) and stops it; worker and beat subprocesses
reach the test database through ``database_url()``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server on ``port``, in memory only, that the test starts and stops."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


def database_url() -> str:
    """The test database, as a worker or beat subprocess must reach it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}{'@' if auth else ''}{db['HOST'] or 'localhost'}{port}/{db['NAME']}"


@contextmanager
def every_task_to(queue: str) -> Iterator[None]:
    """Publish every task to ``queue`` (a test's own worker listens only there), then restore.

    The settings route tasks to the payments, email, long and celery queues; a
    test's worker on a queue of its own would never see them otherwise.
    """
    from celery.app.routes import Router, prepare

    from config.celery_app import app

    amqp = app.amqp
    previous = amqp.router
    amqp.router = Router(
        prepare([lambda *args, **kwargs: {"queue": queue}]), amqp.queues, True, app=app
    )
    try:
        yield
    finally:
        amqp.router = previous
