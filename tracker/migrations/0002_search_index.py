"""The full-text search index: PostgreSQL only, on the same expression the search queries use."""

from django.db import migrations

INDEX_NAME = "document_search"


def _index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    # The expression as it stood then (0005 moved the index onto a stored column).
    vector = SearchVector("title", weight="A", config="english") + SearchVector("text", weight="B", config="english")
    return GinIndex(vector, name=INDEX_NAME)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("tracker", "Document"), _index())


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("tracker", "Document"), _index())


class Migration(migrations.Migration):
    dependencies = [("tracker", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
