"""Editing the calendar: who may, what is audited, unknown years, re-syncing from the package, the cache."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from minqing.audit.models import AuditEntry
from minqing.core.errors import ValidationError
from minqing.workcal.models import CalendarDay, CalendarYear, Source
from minqing.workcal.selectors import add_calendar_days, add_working_days, is_workday, work_calendar
from minqing.workcal.services import (
    calendar_day_set,
    calendar_sync_from_package,
    calendar_year_mark_complete,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def unknown_2027(db):
    """2027 as it is on 27 Nov 2026: not in the package, nothing entered (even after a package upgrade)."""
    CalendarDay.objects.filter(date__year=2027).delete()
    CalendarYear.objects.filter(year=2027).delete()


def test_crossing_into_an_unknown_year_is_uncertain_and_counts_weekends_only(unknown_2027):
    deadline = add_working_days(D(2026, 12, 20), 15)
    # 21–25 Dec (5), 28–31 Dec (4), Friday 1 Jan 2027 counted as a working day (1), 4–8 Jan (5).
    assert deadline.due == D(2027, 1, 8)
    assert deadline.uncertain
    assert deadline.unknown_years == (2027,)
    assert "2027年" in deadline.reason and "尚未录入" in deadline.reason
    # A period wholly inside a known year is certain even when computed now.
    assert not add_working_days(D(2026, 11, 27), 15).uncertain
    calendar_days = add_calendar_days(D(2026, 12, 20), 15)
    assert calendar_days.due == D(2027, 1, 4) and calendar_days.uncertain
    assert not add_calendar_days(D(2026, 12, 1), 15).uncertain


def test_entering_2027_changes_the_deadline_and_completing_it_makes_it_certain(people, unknown_2027):
    calendar_day_set(actor=people.sysadmin, date=D(2027, 1, 1), is_workday=False, name="元旦")
    # Seen at once, but the year is still not complete: other 2027 holidays may be missing.
    deadline = add_working_days(D(2026, 12, 20), 15)
    assert deadline.due == D(2027, 1, 11)
    assert deadline.uncertain
    calendar_year_mark_complete(actor=people.sysadmin, year=2027, complete=True, note="国办发明电〔2026〕")
    deadline = add_working_days(D(2026, 12, 20), 15)
    assert deadline.due == D(2027, 1, 11)
    assert not deadline.uncertain and deadline.reason == ""
    row = CalendarYear.objects.get(year=2027)
    assert row.complete and row.source == Source.ADMIN and row.note == "国办发明电〔2026〕"
    # Taking the mark back makes it uncertain again.
    calendar_year_mark_complete(actor=people.sysadmin, year=2027, complete=False)
    assert add_working_days(D(2026, 12, 20), 15).uncertain


def test_an_administrator_can_enter_a_swapped_working_weekend(people, unknown_2027):
    assert not is_workday(D(2027, 2, 20))  # a Saturday
    day = calendar_day_set(actor=people.sysadmin, date=D(2027, 2, 20), is_workday=True, name=" 春节调休上班 ")
    assert is_workday(D(2027, 2, 20))
    assert day.name == "春节调休上班" and day.source == Source.ADMIN


@pytest.mark.parametrize(
    "who", ["leader", "officer", "handler", "cadre", "outsider", "secadmin", "auditadmin", "nobody"]
)
def test_only_the_system_administrator_edits_the_calendar(people, who):
    actor = getattr(people, who)
    with pytest.raises(PermissionDenied):
        calendar_day_set(actor=actor, date=D(2026, 12, 31), is_workday=False, name="测试")
    with pytest.raises(PermissionDenied):
        calendar_year_mark_complete(actor=actor, year=2026, complete=False)
    with pytest.raises(PermissionDenied):
        calendar_sync_from_package(actor=actor)
    assert is_workday(D(2026, 12, 31))
    assert not AuditEntry.objects.filter(object_type__startswith="workcal.").exists()


def test_edits_are_audited_with_before_and_after(people):
    day = calendar_day_set(actor=people.sysadmin, date=D(2024, 10, 7), is_workday=True, name="")
    entry = AuditEntry.objects.get(object_type="workcal.calendarday", object_id=str(day.pk))
    assert entry.action == "update" and entry.actor == people.sysadmin
    assert entry.before["is_workday"] is False and entry.before["source"] == "package"
    assert entry.after["is_workday"] is True and entry.after["source"] == "admin"
    assert "2024-10-07" in entry.note

    calendar_day_set(actor=people.sysadmin, date=D(2030, 10, 1), is_workday=False, name="国庆节")
    created = AuditEntry.objects.get(object_type="workcal.calendarday", action="create")
    assert created.before is None and created.after["date"] == "2030-10-01"

    calendar_year_mark_complete(actor=people.sysadmin, year=2030, complete=True)
    year_entry = AuditEntry.objects.get(object_type="workcal.calendaryear")
    assert year_entry.action == "create" and year_entry.after["complete"] is True


def test_refusals_explain_themselves(people):
    with pytest.raises(ValidationError) as exc:
        calendar_day_set(actor=people.sysadmin, date=D(2030, 10, 2), is_workday=False, name="  ")
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        calendar_day_set(actor=people.sysadmin, date=D(1999, 10, 1), is_workday=False, name="国庆节")
    assert "date" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        calendar_year_mark_complete(actor=people.sysadmin, year=2031, complete=True)
    assert "complete" in exc.value.message_dict
    assert not CalendarDay.objects.filter(date__year__gte=2030).exists()
    assert not CalendarYear.objects.filter(year=2031).exists()


def test_sync_restores_package_rows_and_keeps_the_administrators(people):
    calendar_day_set(actor=people.sysadmin, date=D(2024, 10, 7), is_workday=True, name="")
    CalendarDay.objects.filter(date=D(2024, 10, 1)).delete()
    CalendarDay.objects.filter(date=D(2024, 10, 2)).update(name="错误")
    CalendarDay.objects.create(date=D(2024, 10, 9), is_workday=False, name="多余", source=Source.PACKAGE)
    CalendarYear.objects.filter(year=2005).delete()

    result = calendar_sync_from_package()
    assert (result.created, result.updated, result.deleted) == (1, 1, 1)
    assert result.years_added == [2005]
    assert result.admin_differs == [D(2024, 10, 7)]
    assert not is_workday(D(2024, 10, 1)) and is_workday(D(2024, 10, 9))
    assert CalendarDay.objects.get(date=D(2024, 10, 2)).name == "国庆节"
    kept = CalendarDay.objects.get(date=D(2024, 10, 7))
    assert kept.is_workday and kept.source == Source.ADMIN
    assert (
        AuditEntry.objects.filter(object_type="workcal.calendarday", note__contains="chinesecalendar").count()
        == 1
    )

    again = calendar_sync_from_package()
    assert (again.created, again.updated, again.deleted, again.years_added) == (0, 0, 0, [])


def test_sync_leaves_a_year_the_administrator_ruled_on(people):
    calendar_year_mark_complete(actor=people.sysadmin, year=2026, complete=False)
    calendar_sync_from_package()
    assert not CalendarYear.objects.get(year=2026).complete
    assert add_working_days(D(2026, 11, 27), 5).uncertain


def test_the_calendar_is_cached_and_an_edit_or_a_rollback_is_seen_at_once(people, django_assert_num_queries):
    work_calendar()
    with django_assert_num_queries(1):  # only the stamp: the snapshot is reused
        add_working_days(D(2024, 9, 27), 15)
    first = work_calendar()
    assert work_calendar() is first

    with transaction.atomic():
        calendar_day_set(actor=people.sysadmin, date=D(2024, 10, 8), is_workday=False, name="测试")
        assert add_working_days(D(2024, 9, 27), 15).due == D(2024, 10, 24)
        transaction.set_rollback(True)
    assert add_working_days(D(2024, 9, 27), 15).due == D(2024, 10, 23)
    assert is_workday(D(2024, 10, 8))
