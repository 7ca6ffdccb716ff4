"""The SQLite test schema snapshot (tests/sqlite_snapshot) is current and is the migrated schema.

The suite makes its SQLite test database from the snapshot instead of running every
migration. These checks hold on any database the suite runs on: they load the snapshot
into a file of their own.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

from tests.config.test_sqlite_writes import sqlite
from tests.sqlite_snapshot import SNAPSHOT, fingerprint, snapshot_load, snapshot_script


@pytest.fixture
def loaded(tmp_path, django_db_blocker):
    """A connection to a database made from the snapshot, as the suite makes its own."""
    script = snapshot_script()
    assert script is not None, (
        f"{SNAPSHOT} is missing or out of date (fingerprint {fingerprint()}): run `make test-schema`"
    )
    path = tmp_path / "from-snapshot.sqlite3"
    snapshot_load(script, str(path))
    with django_db_blocker.unblock():
        wrapper = sqlite(path, "snapshot", {})
        connections["snapshot"] = wrapper
        try:
            yield wrapper
        finally:
            wrapper.close()
            del connections["snapshot"]


def test_the_snapshot_has_every_migration_applied(loaded):
    """``migrate`` on a database made from the snapshot would have nothing to do."""
    executor = MigrationExecutor(loaded)
    targets = executor.loader.graph.leaf_nodes()
    assert executor.migration_plan(targets) == []
    assert set(executor.loader.graph.nodes) - set(executor.loader.applied_migrations) == set()


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="Wagtail's search index models differ by database: the SQLite ones are in the snapshot",
)
def test_every_model_has_its_table_and_columns_in_the_snapshot(loaded):
    """Independently of the migrations' bookkeeping: what the models say is there, is there."""
    with loaded.cursor() as cursor:
        tables = set(loaded.introspection.table_names(cursor))
        missing = []
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            # Oscar's test factories define two models of their own (oscar.test.factories
            # .models: Band, Member) when a test imports them; no migration makes them.
            if not meta.managed or meta.proxy or model.__module__.startswith("oscar.test."):
                continue
            if meta.db_table not in tables:
                missing.append(meta.db_table)
                continue
            columns = {
                column.name
                for column in loaded.introspection.get_table_description(cursor, meta.db_table)
            }
            missing += [
                f"{meta.db_table}.{field.column}"
                for field in meta.local_concrete_fields
                # SQLite's own row id of a full-text table (Wagtail's index) is not listed.
                if field.column not in columns and field.column != "rowid"
            ]
    assert missing == []


def test_an_edited_snapshot_is_not_used(tmp_path, monkeypatch):
    """A hand edit (the body no longer matches its hash) sends the suite back to migrating."""
    edited = tmp_path / "schema.sql"
    edited.write_text(SNAPSHOT.read_text(encoding="utf-8") + "DROP TABLE auth_user;\n", "utf-8")
    monkeypatch.setattr("tests.sqlite_snapshot.SNAPSHOT", edited)
    assert snapshot_script() is None
