import io

import openpyxl
from django.urls import reverse

from minqing.audit.models import Action, AuditEntry
from minqing.audit.services import audit_record
from minqing.households.tests.helpers import family


def test_only_the_audit_admin_reads_the_audit_log(client, people, tree):
    family(people.cadre, tree.zhangzhuang, members=0)
    for user in (people.sysadmin, people.secadmin, people.officer, people.leader, people.cadre):
        client.force_login(user)
        assert client.get(reverse("audit:list")).status_code == 403, user
        assert client.get(reverse("audit:export")).status_code == 403, user
    client.force_login(people.auditadmin)
    body = client.get(reverse("audit:list")).content.decode()
    assert "张建国" in body


def test_filters_by_user_object_and_date(client, people, tree):
    h = family(people.cadre, tree.zhangzhuang, members=0)
    family(people.officer, tree.leiji, "雷大明", members=0)
    client.force_login(people.auditadmin)
    body = client.get(reverse("audit:list"), {"user": "cadre"}).content.decode()
    assert "张建国" in body and "雷大明" not in body
    body = client.get(
        reverse("audit:list"), {"object_type": "households.household", "object_id": h.pk}
    ).content.decode()
    assert "张建国" in body and "雷大明" not in body
    body = client.get(reverse("audit:list"), {"date_from": "2099-01-01"}).content.decode()
    assert "张建国" not in body


def test_export_is_a_real_workbook_of_the_filtered_rows(client, people, tree):
    family(people.cadre, tree.zhangzhuang, members=0)
    client.force_login(people.auditadmin)
    response = client.get(reverse("audit:export"), {"user": "cadre"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "时间"
    assert len(rows) - 1 == AuditEntry.objects.filter(actor_name="cadre").count()


def test_export_writes_user_text_as_text_never_as_a_formula_or_link(client, people):
    formula = '=HYPERLINK("http://example.com/x","点这里")'
    audit_record(
        actor=people.cadre,
        action=Action.UPDATE,
        object_type="households.household",
        object_id="7",
        object_repr="http://example.com/y",
        note=formula,
    )
    client.force_login(people.auditadmin)
    response = client.get(reverse("audit:export"), {"object_id": "7"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    row = sheet[2]
    assert [c.value for c in row[5:7]] == ["http://example.com/y", formula]
    assert [c.data_type for c in row[5:7]] == ["s", "s"]
    assert all(c.hyperlink is None for c in row)
