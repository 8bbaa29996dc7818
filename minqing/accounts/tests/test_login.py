import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from minqing.audit.models import AuditEntry
from minqing.core.tests.factories import PASSWORD


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.9")


def test_login_succeeds_and_is_audited(client, people):
    response = _login(client, "cadre", PASSWORD)
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="login", actor=people.cadre).exists()


def test_failed_login_is_audited(client, people):
    response = _login(client, "cadre", "wrong-password")
    assert response.status_code == 200
    assert "请输入正确的" in response.content.decode() or "正确" in response.content.decode()
    assert AuditEntry.objects.filter(action="login_failed", object_repr="cadre").exists()


def test_account_locks_after_repeated_failures_even_with_the_right_password(client, people, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "cadre", "wrong-password")
    response = _login(client, "cadre", PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("weak", ["short1A!", "abcdefghijk", "1234567890123", "minqingminqing"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_strong_password_is_accepted():
    validate_password("Township-Office-42")


def test_session_expires_when_idle(settings):
    # Saved when the idle middleware marks the user's own request, not on every request (a poll must not count).
    assert settings.SESSION_COOKIE_AGE <= 1800 and not settings.SESSION_SAVE_EVERY_REQUEST
    assert "minqing.accounts.middleware.IdleSessionMiddleware" in settings.MIDDLEWARE


def test_logout_is_a_post_and_audited(client, people):
    client.force_login(people.cadre)
    assert client.post(reverse("logout")).status_code == 302
    assert AuditEntry.objects.filter(action="logout", actor=people.cadre).exists()


def test_admin_console_is_closed_to_casework_and_audit_roles(client, people):
    for user in (people.officer, people.cadre, people.auditadmin):
        client.force_login(user)
        assert client.get("/admin/").status_code == 302, user
    client.force_login(people.sysadmin)
    assert client.get("/admin/").status_code == 200


def test_only_security_admin_manages_role_grants(client, people):
    client.force_login(people.sysadmin)
    assert client.get("/admin/accounts/roleassignment/").status_code == 403
    assert client.get("/admin/households/difficultytag/").status_code == 200
    client.force_login(people.secadmin)
    assert client.get("/admin/accounts/roleassignment/").status_code == 200
    assert client.get("/admin/households/difficultytag/").status_code == 403


def test_system_admin_edits_a_tag_and_it_is_audited(client, people):
    from minqing.households.models import DifficultyTag

    tag = DifficultyTag.objects.get(name="低保户")
    client.force_login(people.sysadmin)
    response = client.post(
        f"/admin/households/difficultytag/{tag.pk}/change/",
        {
            "name": "低保户",
            "applies_to": "household",
            "description": "最低生活保障",
            "sort_order": 5,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="update", object_type="households.difficultytag")
    assert entry.after is not None
    assert entry.after["description"] == "最低生活保障" and entry.actor == people.sysadmin
