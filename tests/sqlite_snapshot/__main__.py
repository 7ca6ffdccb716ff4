"""Write tests/sqlite_snapshot/schema.sql from a real ``migrate`` (``make test-schema``).

DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python -m tests.sqlite_snapshot
"""

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="yixiang-schema-") as folder:
        database = str(Path(folder) / "migrated.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", interactive=False, verbosity=0, run_syncdb=True)
        connection.close()
        from tests.sqlite_snapshot import snapshot_write

        print(f"wrote {snapshot_write(database)}")


if __name__ == "__main__":
    main()
