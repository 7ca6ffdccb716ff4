"""The embedded default under concurrent writes: a second writer waits its turn, never fails.

Two real connections to one SQLite file, opened by Django's SQLite backend with the
settings' ``SQLITE_OPTIONS`` (WAL, a busy timeout, IMMEDIATE transactions): while the
first holds a write transaction, the second's write waits, then goes through. With the
options taken away (Python's default deferred transactions, no busy timeout) the same
second write fails with "database is locked", which is what the settings prevent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper


def sqlite(path: Path, alias: str, options: dict) -> DatabaseWrapper:
    return DatabaseWrapper(
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": options,
            "ATOMIC_REQUESTS": False,
            "AUTOCOMMIT": True,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "TIME_ZONE": None,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        },
        alias=alias,
    )


@pytest.fixture
def ledger(tmp_path, django_db_blocker):
    path = tmp_path / "concurrent.sqlite3"
    with django_db_blocker.unblock():
        setup = sqlite(path, "setup", dict(settings.SQLITE_OPTIONS))
        with setup.cursor() as cursor:
            cursor.execute("CREATE TABLE entry (id INTEGER PRIMARY KEY, written_by TEXT)")
        setup.close()
        yield path


@contextmanager
def connected(path: Path, alias: str, options: dict) -> Iterator[DatabaseWrapper]:
    """A connection of this thread's own under ``alias`` (Django keeps them per thread)."""
    wrapper = sqlite(path, alias, options)
    connections[alias] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        del connections[alias]


def second_writer(path: Path, options: dict, outcome: dict, started: threading.Event) -> None:
    """In its own thread and connection: count what is there, then add its own row."""
    with connected(path, "second", options) as second:
        started.set()
        try:
            with transaction.atomic(using="second"), second.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM entry")
                outcome["seen"] = cursor.fetchone()[0]
                cursor.execute("INSERT INTO entry (written_by) VALUES ('second')")
        except OperationalError as error:
            outcome["error"] = str(error)


def race(path: Path, options: dict) -> dict:
    """The first connection writes and holds its transaction while the second tries to write."""
    outcome: dict = {}
    started = threading.Event()
    thread = threading.Thread(target=second_writer, args=(path, options, outcome, started))
    with connected(path, "first", options) as first:
        with transaction.atomic(using="first"), first.cursor() as cursor:
            cursor.execute("INSERT INTO entry (written_by) VALUES ('first')")
            thread.start()
            started.wait()
            # The second writer is now at (or about to reach) its BEGIN, which must wait
            # for this transaction: it may not have finished while this one is open. (A
            # busy machine can only make it wait longer, never make the test fail.)
            thread.join(timeout=1)
            outcome["finished_while_first_open"] = not thread.is_alive()
        thread.join()
        with first.cursor() as cursor:
            cursor.execute("SELECT written_by FROM entry ORDER BY id")
            outcome["rows"] = [row[0] for row in cursor.fetchall()]
    return outcome


def test_a_second_writer_waits_for_the_first_and_then_writes(ledger, django_db_blocker):
    options = dict(settings.SQLITE_OPTIONS)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]

    with django_db_blocker.unblock():
        outcome = race(ledger, options)

    assert "error" not in outcome, outcome
    assert outcome["finished_while_first_open"] is False
    assert outcome["seen"] == 1  # its transaction began after the first one's commit
    assert outcome["rows"] == ["first", "second"]


def test_without_those_options_the_same_second_writer_fails(ledger, django_db_blocker):
    with django_db_blocker.unblock():
        outcome = race(ledger, {"timeout": 0})

    assert outcome["error"] == "database is locked"
    assert outcome["rows"] == ["first"]
