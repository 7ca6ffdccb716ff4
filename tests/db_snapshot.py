"""The test database's committed rows, kept and put back in a fraction of a second.

Tests that need committed data (a live server's threads, a worker process) run with
``transactional_db``, whose end empties every table. The next such test needs the demo
again: loading it costs about 5.6 s of CPU on SQLite (the 2-core machine), and a module that
leaves the database as it found it used Django's JSON serialization of every row, both
ways. A snapshot does the same in a fraction of a second:

- SQLite: the database file copied by SQLite's online backup API, both ways (the
  connections of a live server's threads are idle between tests; they see the rows put back).
- PostgreSQL: every table copied into a schema of the test database's own
  (``CREATE TABLE … AS SELECT``), and put back with ``DELETE`` and ``INSERT … SELECT`` in
  one transaction, with row triggers (foreign keys, the ledger's) off for the copy
  (``session_replication_role``; the suite's role is the server's superuser in CI).
  Sequences are not wound back: the rows put back keep their ids and new rows get higher
  ones.

The root conftest.py takes one after the demo's session load (``demo_snapshot``), and
``demo_put_back`` below puts it back where a test emptied the tables.
"""

from __future__ import annotations

import itertools
import sqlite3
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from oscar.core.loading import get_model

SCHEMA = "yx_test_snapshot"
_numbers = itertools.count(1)


class Snapshot:
    """What the test database holds now, to be put back later (``put_back``)."""

    def __init__(self) -> None:
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            self.path = Path(tempfile.mkdtemp(prefix="yixiang-test-snapshot-")) / "db.sqlite3"
            target = sqlite3.connect(self.path)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        elif connection.vendor == "postgresql":
            self.schema = f"{SCHEMA}_{next(_numbers)}"
            self.tables = _postgres_tables()
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{self.schema}"')
                for table, columns in self.tables.items():
                    cursor.execute(
                        f'CREATE TABLE "{self.schema}"."{table}" AS '  # noqa: S608  (names from the catalog)
                        f'SELECT {columns} FROM public."{table}"'
                    )
        else:  # the project runs on these two only (README "Tests")
            raise ImproperlyConfigured(
                f"tests/db_snapshot.py keeps SQLite and PostgreSQL databases, not {connection.vendor}"
            )

    def put_back(self) -> None:
        """Make the database hold exactly what it held when the snapshot was taken."""
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            source = sqlite3.connect(self.path)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
            return
        # One transaction (one commit to wait for); SET LOCAL ends with it.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            # DELETE, not TRUNCATE: a few rows each, and no new files (tests/postgres_flush).
            for table in self.tables:
                cursor.execute(f'DELETE FROM public."{table}"')  # noqa: S608  (from the catalog)
            for table, columns in self.tables.items():
                cursor.execute(
                    f'INSERT INTO public."{table}" ({columns}) '  # noqa: S608  (names from the catalog)
                    f'SELECT {columns} FROM "{self.schema}"."{table}"'
                )


def demo_put_back(snapshot: Snapshot) -> None:
    """The demo, committed, unless the database still holds it.

    A transactional test before this one may have emptied the tables: the database the
    session's demo load made is put back (Wagtail's root page and default locale with it).
    """
    if not get_model("catalogue", "Product").objects.filter(upc="YX-DC-001").exists():
        snapshot.put_back()


def _postgres_tables() -> dict[str, str]:
    """Every table of the public schema, with its columns a query may write (not generated)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, string_agg(format('%I', c.column_name), ', '
                                            ORDER BY c.ordinal_position)
            FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
              AND c.is_generated = 'NEVER'
            GROUP BY c.table_name
            """
        )
        return dict(cursor.fetchall())
