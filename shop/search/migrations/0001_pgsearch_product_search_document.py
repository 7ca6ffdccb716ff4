import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.core.serializers.json
import django.db.models.deletion
from django.db import migrations, models


class AddIndexOnPostgreSQL(migrations.AddIndex):
    """The GIN index exists only on PostgreSQL; elsewhere the table is never searched."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalogue", "0032_category_exclude_from_menu_category_long_description"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProductSearchDocument",
            fields=[
                (
                    "product",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="catalogue.product",
                    ),
                ),
                ("title", models.TextField(blank=True)),
                ("producer", models.TextField(blank=True)),
                ("category", models.TextField(blank=True)),
                ("description", models.TextField(blank=True)),
                ("search_vector", django.contrib.postgres.search.SearchVectorField(null=True)),
                (
                    "fields",
                    models.JSONField(
                        default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder
                    ),
                ),
                ("indexed_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        AddIndexOnPostgreSQL(
            model_name="productsearchdocument",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="search_doc_vector_gin"
            ),
        ),
    ]
