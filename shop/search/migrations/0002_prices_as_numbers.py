"""Documents written before prices were kept as JSON numbers hold them as text, which sorts
"10.50" before "2.50" and filters a price range wrongly: turn them into numbers in place
(PostgreSQL; the embedded default's Whoosh index keeps its own types)."""

from django.db import migrations

KEYS = ("price", "price_exact")


def prices_as_numbers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for key in KEYS:
            cursor.execute(
                "UPDATE search_productsearchdocument"
                " SET fields = jsonb_set(fields, %s, to_jsonb((fields ->> %s)::numeric))"
                " WHERE jsonb_typeof(fields -> %s) = 'string'",
                [[key], key, key],
            )


class Migration(migrations.Migration):
    dependencies = [("search", "0001_pgsearch_product_search_document")]

    operations = [migrations.RunPython(prices_as_numbers, migrations.RunPython.noop, elidable=True)]
