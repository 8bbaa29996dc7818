"""Departments (民政所, 派出所…) are part of the organisation, beside users and roles, not of the request practice.

Only Django's state moves: the table keeps its name and its rows, so nothing is copied and no foreign key is
rebuilt. The request practice's migration 0007 removes the model from its own state.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("regions", "0001_initial"),
        # The table is created there; on a fresh database it must exist before this state refers to it.
        ("petitions", "0006_title_search_index_on_postgresql"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Department",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("name", models.CharField(max_length=50, verbose_name="名称")),
                        ("region_path", models.CharField(db_index=True, editable=False, max_length=15)),
                        ("phone", models.CharField(blank=True, max_length=30, verbose_name="电话")),
                        ("is_active", models.BooleanField(default=True, verbose_name="在用")),
                        (
                            "members",
                            models.ManyToManyField(
                                blank=True,
                                related_name="departments",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="经办人",
                            ),
                        ),
                        (
                            "region",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="regions.region",
                                verbose_name="所属乡镇",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "部门/站所",
                        "verbose_name_plural": "部门/站所",
                        "db_table": "petitions_department",
                        "ordering": ["region_path", "name"],
                        "constraints": [
                            models.UniqueConstraint(fields=("region", "name"), name="department_unique_name")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
