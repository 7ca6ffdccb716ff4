"""The suite's flush on PostgreSQL (tests/postgres_flush): every table emptied with DELETE."""

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.management.sql import sql_flush
from django.db import connection

from impact.ledger.services import attribution_run
from impact.models import AttributionEntry
from tests.impact.test_ledger import paid_order

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's flush is Django's DELETE already"
)


def test_a_flush_empties_every_table_the_append_only_ledger_too(transactional_db, committed_demo):
    _order, event = paid_order([("YX-DC-004", 1)])
    attribution_run(payment_event_id=event.pk)
    assert AttributionEntry.objects.exists()  # its DELETE trigger refuses a plain DELETE

    statements = sql_flush(no_style(), connection, reset_sequences=False)
    assert statements[0] == "SET LOCAL session_replication_role = replica;"
    assert all(statement.startswith("DELETE FROM ") for statement in statements[1:])

    # As TransactionTestCase's teardown calls it.
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)

    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        holding = []
        for table in tables:
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')  # noqa: S608  (catalog)
            if cursor.fetchone()[0]:
                holding.append(table)
        # The post-migrate handlers write their rows again, as after Django's TRUNCATE.
        assert set(holding) <= {"django_content_type", "auth_permission", "django_site"}
        # The replica role ended with the flush's transaction: triggers and foreign keys work.
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


def test_a_flush_that_resets_sequences_or_cascades_is_djangos_truncate(db):
    for options in ({"reset_sequences": True}, {"reset_sequences": False, "allow_cascade": True}):
        assert sql_flush(no_style(), connection, **options)[0].startswith("TRUNCATE ")
