"""The admin pages for the calendar, `minqing check`'s reminder and `minqing workcal_sync`."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import OperationalError

from minqing.audit.models import AuditEntry
from minqing.workcal import checks
from minqing.workcal.checks import calendar_messages
from minqing.workcal.models import CalendarDay, CalendarYear, Source
from minqing.workcal.services import calendar_day_set, calendar_year_mark_complete

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def unknown_2027(db):
    CalendarDay.objects.filter(date__year=2027).delete()
    CalendarYear.objects.filter(year=2027).delete()


@pytest.fixture
def today(monkeypatch):
    def set_today(day: datetime.date) -> None:
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)

    return set_today


def test_only_the_system_administrator_opens_the_calendar_admin(client, people):
    for user in (people.officer, people.leader, people.auditadmin):
        client.force_login(user)
        assert client.get("/admin/workcal/calendarday/").status_code == 302, user
    client.force_login(people.secadmin)
    assert client.get("/admin/workcal/calendarday/").status_code == 403
    assert client.get("/admin/workcal/calendaryear/").status_code == 403
    client.force_login(people.sysadmin)
    assert client.get("/admin/workcal/calendarday/").status_code == 200
    assert client.get("/admin/workcal/calendaryear/").status_code == 200


def test_admin_list_reminds_of_a_missing_year(client, people, unknown_2027, today):
    today(D(2026, 11, 27))
    client.force_login(people.sysadmin)
    response = client.get("/admin/workcal/calendarday/")
    assert "2027年的节假日安排尚未录入" in response.content.decode()


def test_entering_a_holiday_in_the_admin_goes_through_the_service(client, people, unknown_2027):
    client.force_login(people.sysadmin)
    response = client.post(
        "/admin/workcal/calendarday/add/", {"date": "2027-01-01", "is_workday": "", "name": "元旦"}
    )
    assert response.status_code == 302, response.content.decode()
    day = CalendarDay.objects.get(date=D(2027, 1, 1))
    assert not day.is_workday and day.source == Source.ADMIN and day.name == "元旦"
    entry = AuditEntry.objects.get(object_type="workcal.calendarday", object_id=str(day.pk))
    assert entry.action == "create" and entry.actor == people.sysadmin

    # A holiday on a weekday without a name is refused next to the field, not with a 500.
    response = client.post("/admin/workcal/calendarday/add/", {"date": "2027-01-04", "name": ""})
    assert response.status_code == 200
    assert "请填写名称" in response.content.decode()
    assert not CalendarDay.objects.filter(date=D(2027, 1, 4)).exists()

    response = client.post("/admin/workcal/calendaryear/add/", {"year": "2027", "complete": "on", "note": ""})
    assert response.status_code == 302
    year = CalendarYear.objects.get(year=2027)
    assert year.complete and year.source == Source.ADMIN


def test_editing_a_package_day_in_the_admin_makes_it_the_administrators(client, people):
    day = CalendarDay.objects.get(date=D(2024, 10, 7))
    assert day.source == Source.PACKAGE
    client.force_login(people.sysadmin)
    response = client.post(
        f"/admin/workcal/calendarday/{day.pk}/change/", {"is_workday": "on", "name": "国庆节"}
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.is_workday and day.source == Source.ADMIN
    assert AuditEntry.objects.filter(object_type="workcal.calendarday", action="update").count() == 1


def test_marking_a_year_complete_with_nothing_entered_is_refused_in_the_admin(client, people, unknown_2027):
    client.force_login(people.sysadmin)
    response = client.post("/admin/workcal/calendaryear/add/", {"year": "2027", "complete": "on", "note": ""})
    assert response.status_code == 200
    assert "尚未录入2027年的任何放假安排" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_check_next_year_missing_is_only_info(unknown_2027):
    messages = calendar_messages(D(2026, 11, 27))
    assert [m.id for m in messages] == ["workcal.I001"]
    assert "2027年" in messages[0].msg


def test_check_current_year_missing_is_a_warning(unknown_2027):
    ids = [m.id for m in calendar_messages(D(2027, 1, 5))]
    assert ids == ["workcal.W001", "workcal.I001"]  # 2027 now, 2028 next


def test_check_is_silent_once_the_year_is_entered(people, unknown_2027):
    calendar_day_set(actor=people.sysadmin, date=D(2027, 1, 1), is_workday=False, name="元旦")
    calendar_year_mark_complete(actor=people.sysadmin, year=2027, complete=True)
    assert calendar_messages(D(2026, 11, 27)) == []


def test_minqing_check_fails_at_warning_level_only_for_the_current_year(unknown_2027, today):
    today(D(2026, 11, 27))
    out = StringIO()
    call_command("check", "--fail-level", "WARNING", stdout=out, stderr=out)
    assert "workcal.I001" in out.getvalue()
    today(D(2027, 1, 5))
    with pytest.raises(SystemCheckError, match=r"workcal\.W001"):
        call_command("check", "--fail-level", "WARNING", stdout=StringIO(), stderr=StringIO())


def test_check_stays_quiet_without_a_migrated_database(monkeypatch):
    def fail(years):
        raise OperationalError("no such table: workcal_calendaryear")

    monkeypatch.setattr(checks, "unknown_years", fail)
    assert checks.check_calendar_years(None) == []


def test_workcal_sync_command_reports_what_it_did(people):
    CalendarDay.objects.filter(date=D(2025, 1, 26)).delete()
    calendar_day_set(actor=people.sysadmin, date=D(2024, 10, 7), is_workday=True, name="")
    out = StringIO()
    call_command("workcal_sync", stdout=out)
    text = out.getvalue()
    assert "新增 1 天" in text
    assert "2024-10-07" in text  # the administrator's differing day, kept and listed
    assert CalendarDay.objects.get(date=D(2025, 1, 26)).source == Source.PACKAGE
