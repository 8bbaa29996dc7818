"""An idle session ends after SESSION_COOKIE_AGE, however often an open page polls by itself; the user's own
requests keep it."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from minqing.accounts import middleware
from minqing.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db
POLL = {"HTTP_X_MINQING_POLL": "1", "HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clock(monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(middleware.time, "time", lambda: now[0])

    def advance(minutes: float) -> None:
        now[0] += minutes * 60

    return advance


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_polling_alone_does_not_keep_the_session_and_the_user_is_logged_out(client, people, clock, settings):
    assert settings.SESSION_COOKIE_AGE == 1800
    client.force_login(people.cadre)
    assert client.get("/").status_code == 200
    expiry = Session.objects.get().expire_date
    for _minute in range(29):  # the status page polls on, the cadre has gone
        clock(1)
        assert client.get("/", **POLL).status_code == 200
    assert Session.objects.get().expire_date == expiry  # polls saved nothing
    clock(2)
    r = client.get("/", **POLL)
    assert r.status_code == 204 and r["HX-Redirect"] == reverse("login")
    assert not _logged_in(client)
    assert client.get("/").status_code == 302
    row = AuditEntry.objects.get(action=Action.LOGOUT)
    assert row.actor == people.cadre and "自动退出" in row.note


def test_the_users_own_requests_keep_the_session(client, people, clock):
    client.force_login(people.cadre)
    client.get("/")
    for _step in range(4):  # two hours of work, a click every 25 minutes
        clock(25)
        assert client.get("/").status_code == 200
    assert _logged_in(client)


def test_a_page_opened_after_the_idle_period_goes_to_the_login_page_and_back(client, people, clock):
    client.force_login(people.cadre)
    client.get("/")
    clock(31)
    r = client.get("/households/?q=1")
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
    assert "next=/households/%3Fq%3D1" in r["Location"]
    assert "长时间未操作" in client.get(r["Location"]).content.decode()
