"""The path indexes differ by database on purpose (migration 0005): check each database got its own."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _indexes() -> dict[str, str]:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'petitions_petition'")
        else:
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'petitions_petition'"
            )
        return {name: (sql or "") for name, sql in cur.fetchall()}


def test_prefix_filters_on_paths_have_the_index_each_database_needs():
    found = _indexes()
    assert "petition_handler_status_due" in found and "petition_region_status_due" in found
    single = [
        name
        for name, sql in found.items()
        if sql.replace('"', "").rstrip(")").endswith(("(handler_path", "(region_path"))
    ]
    assert single == [], "a bare single-column path index lures SQLite's planner away from the composite ones"
    if connection.vendor == "postgresql":
        assert "varchar_pattern_ops" in found["petition_region_path_like"]
        assert "varchar_pattern_ops" in found["petition_handler_path_like"]
        assert "INCLUDE (title, submitter_name)" in found["petition_region_text"]
    else:
        assert "petition_region_path_like" not in found and "petition_region_text" not in found
