"""The full-text index of requests (minqing.petitions.search): an FTS5 table on SQLite, a tsvector table with a
GIN index on PostgreSQL, filled with the requests already there."""

from django.db import migrations

from minqing.core.fulltext import CreateFulltextIndex
from minqing.petitions.search import FIELDS, PETITIONS


def fill(apps, schema_editor):
    PETITIONS.rebuild(model=apps.get_model("petitions", "Petition"))


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0011_petitioner_id_number_village_hint_transfer_events"),
    ]

    operations = [
        CreateFulltextIndex(name="petition", fields=[f for f, _w in FIELDS]),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
