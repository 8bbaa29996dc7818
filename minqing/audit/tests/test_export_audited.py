"""The audit administrator's export of the audit log is itself in the log."""

import io

import openpyxl
from django.urls import reverse

from minqing.audit.models import Action, AuditEntry
from minqing.households.tests.helpers import family


def test_exporting_the_audit_log_leaves_a_row_with_the_count_filters_and_address(client, people, tree):
    family(people.cadre, tree.zhangzhuang, members=0)
    exported = AuditEntry.objects.filter(actor_name="cadre").count()
    client.force_login(people.auditadmin)
    response = client.get(reverse("audit:export"), {"user": "cadre"}, REMOTE_ADDR="10.0.0.51")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) - 1 == exported
    entry = AuditEntry.objects.get(action=Action.EXPORT, object_type="audit.auditentry")
    assert entry.actor == people.auditadmin and entry.ip == "10.0.0.51"
    assert f"{exported} 条" in entry.note and "user=cadre" in entry.note
    # Region-less, so every audit administrator reads it, whatever their region.
    assert entry.region_path == ""


def test_a_refused_export_leaves_no_export_row(client, people):
    client.force_login(people.secadmin)
    assert client.get(reverse("audit:export")).status_code == 403
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()
