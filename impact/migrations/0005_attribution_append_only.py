"""The ledger is append-only in the database itself, not only in the code.

PostgreSQL: row triggers refuse UPDATE and DELETE on impact_attributionentry.
SQLite (the embedded default): a trigger refuses UPDATE; DELETE is left to the
code and the PROTECT foreign keys, because Django's test flush on SQLite
empties tables with DELETE.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION impact_attribution_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'attribution entries are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER impact_attribution_no_update BEFORE UPDATE ON impact_attributionentry
    FOR EACH ROW EXECUTE FUNCTION impact_attribution_append_only();
CREATE TRIGGER impact_attribution_no_delete BEFORE DELETE ON impact_attributionentry
    FOR EACH ROW EXECUTE FUNCTION impact_attribution_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS impact_attribution_no_update ON impact_attributionentry;
DROP TRIGGER IF EXISTS impact_attribution_no_delete ON impact_attributionentry;
DROP FUNCTION IF EXISTS impact_attribution_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER impact_attribution_no_update BEFORE UPDATE ON impact_attributionentry
BEGIN
    SELECT RAISE(ABORT, 'attribution entries are append-only: UPDATE refused');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS impact_attribution_no_update;"


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP, params=None)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("impact", "0004_attribution_ledger")]

    operations = [migrations.RunPython(up, down)]
