"""Create the test database from ``schema.sql`` when it is current (see __init__.py)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db.backends.sqlite3 import creation

from . import SNAPSHOT, snapshot_load, snapshot_script


class DatabaseCreation(creation.DatabaseCreation):
    def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        """Django's ``create_test_db``, with the snapshot in place of ``migrate``."""
        name = self._get_test_db_name()
        script = None if keepdb or self.is_in_memory_db(name) else snapshot_script()
        if script is None:
            if not keepdb:
                self.log(
                    f"{SNAPSHOT} is missing or out of date: migrating the test database "
                    "(`make test-schema` writes the snapshot again)."
                )
            return super().create_test_db(verbosity, autoclobber, serialize, keepdb)

        alias = self.connection.alias
        if verbosity >= 1:
            self.log(
                f"Creating test database for alias {self._get_database_display_str(verbosity, name)}"
                " from the schema snapshot..."
            )
        self._create_test_db(verbosity, autoclobber, keepdb)
        self.connection.close()
        snapshot_load(script, name)
        settings.DATABASES[alias]["NAME"] = name
        self.connection.settings_dict["NAME"] = name
        # What ``migrate`` does after its migrations: content types, permissions and the
        # other post-migrate handlers, which add only what the snapshot lacks.
        emit_post_migrate_signal(max(verbosity - 1, 0), False, alias)
        if serialize:
            self.connection._test_serialized_contents = self.serialize_db_to_string()
        call_command("createcachetable", database=alias)
        self.connection.ensure_connection()
        return name
