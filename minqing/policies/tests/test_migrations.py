from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_models_have_no_change_without_its_migration():
    out = StringIO()
    # --check exits non-zero when a model change has no migration yet.
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()
