"""Departments belong to the organisation: the system administrator keeps them in the admin, under accounts."""

import pytest
from django.urls import reverse

from minqing.accounts.models import Department
from minqing.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_department_gets_its_townships_region_path(client, tree, people):
    client.force_login(people.sysadmin)
    r = client.post(
        reverse("admin:accounts_department_add"),
        {
            "name": "民政所",
            "region": tree.township.pk,
            "phone": "",
            "is_active": "on",
            "members": [people.handler.pk],
        },
    )
    assert r.status_code == 302
    assert Department.objects.get().region_path == tree.township.path
    assert AuditEntry.objects.filter(object_type="accounts.department").exists()


def test_a_department_keeps_its_requests_table_and_members(tree, people):
    """The model moved between apps by state alone: the table and the membership table are the ones requests use."""
    dept = Department.objects.create(name="国土所", region=tree.township, region_path=tree.township.path)
    dept.members.add(people.handler)
    assert Department._meta.db_table == "petitions_department"
    assert list(people.handler.departments.all()) == [dept]
