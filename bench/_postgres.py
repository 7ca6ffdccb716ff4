"""What the benchmarks share: a throw-away PostgreSQL database of their own, and manage.py."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]


def bench_database_url(name: str) -> str:
    """DATABASE_URL's server with the benchmark's own database ``name``; PostgreSQL only."""
    base = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yixiang"))
    if not base.scheme.startswith("postgres"):
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    return base._replace(path=f"/{name}").geturl()


def admin_execute(url: str, *statements: str) -> None:
    """Run statements (CREATE/DROP DATABASE) on the server's ``postgres`` database."""
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
