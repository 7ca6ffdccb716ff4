"""PostgreSQL's backend with a DELETE flush for small test tables (see __init__.py)."""

from functools import cached_property

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade or not self.connection.is_superuser:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # One transaction (flush's execute_sql_flush): SET LOCAL ends with it.
        return [
            f"{style.SQL_KEYWORD('SET LOCAL')} session_replication_role = replica;",
            *(
                f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
                for table in tables
            ),
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    @cached_property
    def is_superuser(self) -> bool:
        """Whether the connection's role may change ``session_replication_role``."""
        with self.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            return bool(cursor.fetchone()[0])
