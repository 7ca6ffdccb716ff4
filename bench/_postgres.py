"""What the benchmarks share: a throw-away PostgreSQL database of their own, the environment
of their processes, manage.py, gunicorn."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]


def bench_database_url(name: str) -> str:
    """DATABASE_URL's server with the benchmark's own database ``name``; PostgreSQL only."""
    base = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yixiang"))
    if not base.scheme.startswith("postgres"):
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    return base._replace(path=f"/{name}").geturl()


def admin_execute(url: str, *statements: str) -> None:
    """Run statements (CREATE/DROP DATABASE) on the server's ``postgres`` database."""

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def database_create(url: str) -> None:
    """The benchmark's database of ``url``, new and empty (one left by an earlier run is dropped)."""
    name = urlparse(url).path.lstrip("/")
    admin_execute(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")


def database_drop(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    admin_execute(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def bench_env(
    url: str, *, scratch: Path | None = None, unset: Iterable[str] = ("CELERY_BROKER_URL",)
) -> dict[str, str]:
    """The environment of the benchmark's processes: production settings without debug on the
    database of ``url``, without the variables ``unset`` (by default the Celery broker: nothing
    is queued, tasks run where they are called), and, given a ``scratch`` folder, with the
    media and the search index in it and e-mail kept in memory."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "false",
        "PII_KEY": "bench-pii-key",
    }
    if scratch is not None:
        env["MEDIA_ROOT"] = str(scratch / "media")
        env["WHOOSH_PATH"] = str(scratch / "whoosh")
        env["EMAIL_DELIVERY_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    for name in unset:
        env.pop(name, None)
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(
    env: dict,
    *,
    port: int,
    workers: int,
    threads: int,
    log: Path,
    ready_path: str = "/",
    keep_alive: int | None = None,
) -> subprocess.Popen:
    """gunicorn serving the project on loopback, once ``ready_path`` answers 200."""

    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--backlog=2048",
            "--timeout=120",
            *([f"--keep-alive={keep_alive}"] if keep_alive else []),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            # The first page of each worker loads the Chinese word list: give it time.
            if requests.get(f"http://127.0.0.1:{port}{ready_path}", timeout=30).status_code == 200:
                return server
        except (requests.ConnectionError, requests.Timeout):
            pass
        if server.poll() is not None:
            break
        time.sleep(0.5)
    server.terminate()
    sys.exit(f"gunicorn did not start; see {log}")
