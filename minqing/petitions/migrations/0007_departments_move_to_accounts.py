"""Requests point at the organisation's departments (accounts.Department); the request practice forgets its own.

State only, as in accounts 0002: the table, its rows, the constraint and the foreign key are untouched. The
content type follows the model, so permissions and audit rows that name it stay attached.
"""

import django.db.models.deletion
from django.db import migrations, models


def _move_content_type(apps, schema_editor, src: str, dst: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if ContentType.objects.using(db).filter(app_label=dst, model="department").exists():
        return  # already created by a post_migrate run; the old one (if any) goes with the model's state
    ContentType.objects.using(db).filter(app_label=src, model="department").update(app_label=dst)


def forwards(apps, schema_editor):
    _move_content_type(apps, schema_editor, "petitions", "accounts")


def backwards(apps, schema_editor):
    _move_content_type(apps, schema_editor, "accounts", "petitions")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_department_joins_the_organisation"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("petitions", "0006_title_search_index_on_postgresql"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="petition",
                    name="department",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="petitions",
                        to="accounts.department",
                        verbose_name="承办部门",
                    ),
                ),
                migrations.RemoveConstraint(model_name="department", name="department_unique_name"),
                migrations.DeleteModel(name="Department"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
