"""Trigram indexes for the search of published matrices (`/search/?q=`), on PostgreSQL only.

The search keeps cells whose legal source or remarks contain the text (`icontains`), which
PostgreSQL runs as `UPPER(column) LIKE UPPER('%text%')`: a GIN trigram index on the same expression
answers it without reading every cell. Other databases (SQLite in development) scan, as before.
`pg_trgm` is a trusted extension: the owner of the database may create it.
"""

from django.db import migrations

INDEXES = {"matrices_cell_source_trgm": "source", "matrices_cell_remarks_trgm": "remarks"}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "matrices_cell" USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("matrices", "0002_matrix_review_note")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
