"""Request configuration in the admin: only the system administrator, and saves are audited."""

import pytest
from django.urls import reverse

from minqing.audit.models import AuditEntry
from minqing.petitions.models import DeadlineRule

pytestmark = pytest.mark.django_db


def test_system_admin_changes_a_deadline_rule_and_it_is_audited(client, tree, people):
    rule = DeadlineRule.objects.get(kind="accept")
    client.force_login(people.sysadmin)
    url = reverse("admin:petitions_deadlinerule_change", args=[rule.pk])
    r = client.post(url, {"kind": "accept", "days": 10, "unit": "calendar", "basis": "本县规定"})
    assert r.status_code == 302
    rule.refresh_from_db()
    assert (rule.days, rule.unit) == (10, "calendar")
    assert AuditEntry.objects.filter(object_type="petitions.deadlinerule").exists()


def test_casework_staff_cannot_open_the_configuration(client, tree, people):
    client.force_login(people.officer)
    assert client.get(reverse("admin:petitions_category_changelist")).status_code == 302
