"""The embedded default's test database, built from a schema snapshot instead of 388 migrations.

Running every migration of Django, Oscar, Wagtail and ours on SQLite costs about 70 s of
CPU (more on a busy machine), once in every pytest-xdist worker: most of ``make test``'s
time on two cores. Like Rails' ``structure.sql``, ``schema.sql`` here is the database those
migrations produce (tables, indexes, triggers, the rows data migrations and post-migrate
handlers write), dumped by SQLite itself (``iterdump``) from a real ``migrate``. A test
database is created by running that script (a fraction of a second).

The snapshot is used only while it is current: its first line holds a fingerprint of every
installed app's migration files, the installed apps and Django's version, and a hash of the
script itself. When anything in the fingerprint changes (a new migration, an upgraded Oscar
or Wagtail), tests migrate for real as before, say so, and
``tests/config/test_schema_snapshot.py`` fails until ``make test-schema`` writes it again.
Post-migrate handlers (content types, permissions) still run on the loaded database; they
add whatever a code change gave them without a migration. PostgreSQL runs (CI's suite)
always migrate.

``DATABASES["default"]["ENGINE"] = "tests.sqlite_snapshot"`` (config/settings/test.py) makes
Django use this backend: SQLite's own, with this package's ``DatabaseCreation``.
"""

import hashlib
import sqlite3
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parent / "schema.sql"
HEADER = "-- yixiang test schema snapshot; fingerprint "


def fingerprint() -> str:
    """A hash of what decides the migrated schema: the installed apps in order, each one's
    migration files (names and contents), and Django's version."""
    import importlib.util

    import django
    from django.apps import apps

    digest = hashlib.sha256(django.get_version().encode())
    for config in apps.get_app_configs():
        digest.update(f"\0app {config.label} {config.name}".encode())
        spec = importlib.util.find_spec(f"{config.name}.migrations")
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(folder.glob("*.py")):
            digest.update(f"\0{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _body_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def snapshot_script() -> str | None:
    """The snapshot's SQL when it is current and unedited, else None."""
    if not SNAPSHOT.exists():
        return None
    header, _, body = SNAPSHOT.read_text(encoding="utf-8").partition("\n")
    if header != f"{HEADER}{fingerprint()} body {_body_hash(body)}":
        return None
    return body


def snapshot_write(database: str) -> Path:
    """Dump the migrated SQLite database at ``database`` as the snapshot."""
    source = sqlite3.connect(database)
    try:
        body = "\n".join(source.iterdump()) + "\n"
    finally:
        source.close()
    SNAPSHOT.write_text(f"{HEADER}{fingerprint()} body {_body_hash(body)}\n{body}", "utf-8")
    return SNAPSHOT


def snapshot_load(script: str, database: str) -> None:
    target = sqlite3.connect(database)
    try:
        target.executescript(script)
    finally:
        target.close()
