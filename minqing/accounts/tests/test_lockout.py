"""Guessing a password from many addresses locks the account itself; the lockout is recorded and told to the
owner, and the security administrator lifts it through the audited unlock."""

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from minqing.accounts import services
from minqing.audit.models import AuditEntry
from minqing.core.models import Notification
from minqing.core.tests.factories import PASSWORD


def _login(client, username, password, address, **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


@pytest.fixture
def account_limit(settings):
    settings.MINQING_ACCOUNT_FAILURE_LIMIT = 8
    return 8


def test_guesses_from_many_addresses_lock_the_account_and_tell_its_owner(client, people, account_limit):
    people.cadre.phone = "13800000002"
    people.cadre.save()
    for i in range(account_limit):
        _login(client, "cadre", "wrong-password", f"10.1.0.{i + 1}")
    # The owner, from an address that never failed, is locked out too.
    response = _login(client, "cadre", PASSWORD, "10.9.9.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="lockout")
    assert entry.object_repr == "cadre" and entry.object_id == str(people.cadre.pk)
    assert f"{account_limit} 次" in entry.note and f"{account_limit} 个地址" in entry.note
    assert Notification.objects.filter(to="13800000002", about=f"accounts.user:{people.cadre.pk}").exists()


def test_a_locked_account_is_recorded_once_not_at_every_further_guess(client, people, account_limit):
    for i in range(account_limit + 5):
        _login(client, "cadre", "wrong-password", f"10.1.1.{i + 1}")
    assert AuditEntry.objects.filter(action="lockout").count() == 1


def test_the_address_lockout_is_recorded_too(client, people, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "leader", "wrong-password", "10.2.0.1")
    entry = AuditEntry.objects.get(action="lockout")
    assert entry.object_repr == "leader" and entry.ip == "10.2.0.1"
    # Another address may still try: only the account limit stops every address.
    assert _login(client, "leader", PASSWORD, "10.2.0.2").status_code == 302


def test_the_security_administrator_unlocks_the_account_and_it_is_audited(client, people, account_limit):
    for i in range(account_limit):
        _login(client, "cadre", "wrong-password", f"10.3.0.{i + 1}")
    staff = client.__class__()
    staff.force_login(people.secadmin)
    ids = list(AccessAttempt.objects.filter(username="cadre").values_list("pk", flat=True)[:1])
    response = staff.post(
        "/admin/accounts/loginfailure/", {"action": "unlock", "_selected_action": ids}, REMOTE_ADDR="10.0.0.5"
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="unlock")
    assert entry.actor == people.secadmin and entry.object_repr == "cadre" and entry.ip == "10.0.0.5"
    assert not AccessAttempt.objects.filter(username="cadre").exists()
    assert _login(client, "cadre", PASSWORD, "10.3.0.1").status_code == 302


def test_only_the_security_administrator_lifts_a_lockout(client, people):
    for user in (people.sysadmin, people.auditadmin, people.leader):
        with pytest.raises(PermissionDenied):
            services.account_unlock(actor=user, username="cadre")
        client.force_login(user)
        assert client.get("/admin/accounts/loginfailure/").status_code in (302, 403)
    assert not AuditEntry.objects.filter(action="unlock").exists()


def test_behind_a_trusted_proxy_each_client_address_is_counted_on_its_own(client, people, settings):
    settings.MINQING_TRUSTED_PROXIES = ["10.0.0.1"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "leader", "wrong-password", "10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert (
        _login(client, "leader", PASSWORD, "10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    )
    # The owner behind the same proxy, from another address, is not locked by the attacker's address limit.
    assert (
        _login(client, "leader", PASSWORD, "10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 302
    )
    assert AuditEntry.objects.get(action="lockout").ip == "203.0.113.7"
