"""Passwords of other accounts are reset only through the audited service, by whom the separation allows, and the
owner must choose a new one before doing anything else."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from minqing.accounts import services
from minqing.accounts.models import User
from minqing.accounts.roles import Role
from minqing.audit.models import AuditEntry
from minqing.core.models import Notification
from minqing.core.tests.factories import PASSWORD, grant

OLD = PASSWORD
NEW = "Temporary-Pass-77"


def _reset_in_admin(client, actor, target, password=NEW):
    client.force_login(actor)
    # Both the admin's own field names and ours: the refusal must not depend on which form is behind the address.
    data = {
        "password1": password,
        "password2": password,
        "new_password1": password,
        "new_password2": password,
        "usable_password": "true",
        "set-password": "1",
    }
    return client.post(f"/admin/accounts/user/{target.pk}/password/", data)


@pytest.mark.parametrize("target", ["auditadmin", "leader", "cadre"])
def test_the_system_administrator_cannot_take_over_an_account_by_setting_its_password(client, people, target):
    user = getattr(people, target)
    response = _reset_in_admin(client, people.sysadmin, user)
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.check_password(OLD) and not user.check_password(NEW)
    assert not AuditEntry.objects.filter(action="password_reset").exists()


def test_the_security_administrator_resets_a_cadres_password_audited_and_to_be_changed(client, people):
    people.cadre.phone = "13800000001"
    people.cadre.save()
    response = _reset_in_admin(client, people.secadmin, people.cadre)
    assert response.status_code == 302
    people.cadre.refresh_from_db()
    assert people.cadre.check_password(NEW) and people.cadre.must_change_password
    entry = AuditEntry.objects.get(action="password_reset")
    assert entry.actor == people.secadmin and entry.object_id == str(people.cadre.pk)
    assert Notification.objects.filter(to="13800000001", about=f"accounts.user:{people.cadre.pk}").exists()


def test_only_the_system_administrator_resets_the_security_administrators_password(client, people, tree):
    other = User.objects.create_user("secadmin2", password=OLD)
    grant(other, Role.SECURITY_ADMIN, tree.county)
    assert _reset_in_admin(client, people.secadmin, other).status_code == 403
    assert _reset_in_admin(client, people.sysadmin, other).status_code == 302
    other.refresh_from_db()
    assert other.check_password(NEW) and other.must_change_password


def test_no_one_sets_their_own_password_without_the_old_one(people):
    with pytest.raises(PermissionDenied):
        services.password_reset(actor=people.secadmin, user=people.secadmin, password=NEW)


def test_a_weak_password_is_refused_on_the_reset_form_not_with_a_500(client, people):
    response = _reset_in_admin(client, people.secadmin, people.cadre, password="short")
    assert response.status_code == 200
    people.cadre.refresh_from_db()
    assert people.cadre.check_password(OLD)


def test_a_user_whose_password_was_reset_must_change_it_before_anything_else(client, people):
    services.password_reset(actor=people.secadmin, user=people.cadre, password=NEW)
    assert client.post(reverse("login"), {"username": "cadre", "password": NEW}).status_code == 302
    response = client.get(reverse("households:list"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": NEW, "new_password1": "Owners-Own-Secret-9", "new_password2": "Owners-Own-Secret-9"},
    )
    assert response.status_code == 302
    people.cadre.refresh_from_db()
    assert not people.cadre.must_change_password and people.cadre.check_password("Owners-Own-Secret-9")
    assert client.get(reverse("households:list")).status_code == 200


def test_the_password_the_administrator_chose_cannot_be_kept(client, people):
    services.password_reset(actor=people.secadmin, user=people.cadre, password=NEW)
    client.force_login(people.cadre)
    response = client.post(
        reverse("password_change"), {"old_password": NEW, "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 200
    people.cadre.refresh_from_db()
    assert people.cadre.must_change_password


def test_changing_ones_own_password_is_audited(client, people):
    client.force_login(people.leader)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": OLD,
            "new_password1": "Leaders-New-Secret-3",
            "new_password2": "Leaders-New-Secret-3",
        },
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="password_change")
    assert entry.actor == people.leader and entry.ip == "10.0.0.7"


def test_an_account_created_in_the_admin_must_change_its_first_password(client, people):
    client.force_login(people.sysadmin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newcadre",
            "display_name": "新干部",
            "password1": NEW,
            "password2": NEW,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="newcadre").must_change_password


def test_the_account_page_offers_the_reset_only_to_whom_may_do_it(client, people):
    reset = f"/admin/accounts/user/{people.cadre.pk}/password/"
    client.force_login(people.secadmin)
    assert reset in client.get(f"/admin/accounts/user/{people.cadre.pk}/change/").content.decode()
    client.force_login(people.sysadmin)
    page = client.get(f"/admin/accounts/user/{people.cadre.pk}/change/")
    assert page.status_code == 200 and reset not in page.content.decode()
