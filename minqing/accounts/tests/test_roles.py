"""三员分立 in role grants: no grant to oneself, the administrator roles exclude each other and casework, and the
admin shows a refusal on the form."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from minqing.accounts import services
from minqing.accounts.models import RoleAssignment
from minqing.accounts.roles import Role
from minqing.audit.models import AuditEntry

ADD = "/admin/accounts/roleassignment/add/"


def _grant_in_admin(client, actor, user, role, region):
    client.force_login(actor)
    return client.post(ADD, {"user": user.pk, "role": role, "region": region.pk})


@pytest.mark.parametrize("role", [Role.LEADER, Role.AUDIT_ADMIN, Role.SECURITY_ADMIN])
def test_the_security_administrator_cannot_grant_themselves_a_role(client, people, tree, role):
    response = _grant_in_admin(client, people.secadmin, people.secadmin, role, tree.township)
    assert response.status_code == 200
    assert "不能给自己授予角色" in response.content.decode()
    assert set(people.secadmin.role_assignments.values_list("role", flat=True)) == {Role.SECURITY_ADMIN}


def test_the_system_administrator_cannot_be_given_the_audit_role(client, people, tree):
    response = _grant_in_admin(client, people.secadmin, people.sysadmin, Role.AUDIT_ADMIN, tree.county)
    assert response.status_code == 200
    assert "三员分立" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=people.sysadmin, role=Role.AUDIT_ADMIN).exists()


@pytest.mark.parametrize(
    ("holder", "role"),
    [
        ("auditadmin", Role.LEADER),  # an administrator gets no casework role
        ("sysadmin", Role.SECURITY_ADMIN),  # nor another administrator role
        ("leader", Role.AUDIT_ADMIN),  # a caseworker gets no administrator role
        ("cadre", Role.SYSTEM_ADMIN),
    ],
)
def test_the_service_refuses_a_grant_that_joins_separated_duties(people, tree, holder, role):
    with pytest.raises(ValidationError) as exc:
        services.role_grant(
            actor=people.secadmin, user=getattr(people, holder), role=role, region=tree.county
        )
    assert "role" in exc.value.message_dict
    assert not AuditEntry.objects.filter(object_type="accounts.roleassignment").exists()


def test_grants_within_the_rules_still_work_and_are_audited(people, tree):
    services.role_grant(actor=people.secadmin, user=people.cadre, role=Role.VILLAGE_CADRE, region=tree.leiji)
    services.role_grant(
        actor=people.secadmin, user=people.auditadmin, role=Role.AUDIT_ADMIN, region=tree.township
    )
    services.role_grant(actor=people.secadmin, user=people.nobody, role=Role.SYSTEM_ADMIN, region=tree.county)
    assert AuditEntry.objects.filter(object_type="accounts.roleassignment", action="create").count() == 3


def test_a_grant_outside_the_security_administrators_regions_is_refused(people, tree):
    with pytest.raises(PermissionDenied):
        services.role_grant(
            actor=people.secadmin, user=people.cadre, role=Role.VILLAGE_CADRE, region=tree.city
        )


def test_editing_a_grant_is_checked_without_the_grant_it_replaces(client, people, tree):
    grant = people.auditadmin.role_assignments.get()
    client.force_login(people.secadmin)
    url = f"/admin/accounts/roleassignment/{grant.pk}/change/"
    # The audit administrator's grant moved to another region: still one role.
    response = client.post(
        url, {"user": people.auditadmin.pk, "role": Role.AUDIT_ADMIN, "region": tree.township.pk}
    )
    assert response.status_code == 302
    assert list(people.auditadmin.role_assignments.values_list("role", "region")) == [
        (Role.AUDIT_ADMIN, tree.township.pk)
    ]
    # Turned into a casework grant: the account then holds only that one, which is allowed too.
    grant = people.auditadmin.role_assignments.get()
    response = client.post(
        f"/admin/accounts/roleassignment/{grant.pk}/change/",
        {"user": people.auditadmin.pk, "role": Role.LEADER, "region": tree.township.pk},
    )
    assert response.status_code == 302
    assert list(people.auditadmin.role_assignments.values_list("role", flat=True)) == [Role.LEADER]


def test_a_change_that_would_make_oneself_anything_is_refused(client, people, tree):
    grant = people.leader.role_assignments.get()
    client.force_login(people.secadmin)
    response = client.post(
        f"/admin/accounts/roleassignment/{grant.pk}/change/",
        {"user": people.secadmin.pk, "role": Role.LEADER, "region": tree.township.pk},
    )
    assert response.status_code == 200
    assert people.leader.role_assignments.exists()
    assert not people.secadmin.role_assignments.filter(role=Role.LEADER).exists()
