"""audited_create / audited_update: a save and its audit row go together, and only real changes are written."""

import datetime

import pytest

from minqing.audit.models import Action, AuditEntry
from minqing.audit.services import audited_create, audited_update
from minqing.workcal.models import CalendarDay

pytestmark = pytest.mark.django_db


def _day(**kw) -> CalendarDay:
    return CalendarDay(date=datetime.date(2031, 10, 1), is_workday=False, name="国庆节", **kw)


def test_creating_saves_the_object_and_records_its_snapshot(people):
    day = audited_create(actor=people.sysadmin, obj=_day(), note="录入", region_path="41")
    row = AuditEntry.objects.get(object_type="workcal.calendarday", object_id=str(day.pk))
    assert (row.action, row.actor, row.note, row.region_path) == (
        Action.CREATE,
        people.sysadmin,
        "录入",
        "41",
    )
    assert row.after["name"] == "国庆节" and row.before is None


def test_creating_an_already_saved_object_is_refused(people):
    day = audited_create(actor=people.sysadmin, obj=_day())
    with pytest.raises(ValueError):
        audited_create(actor=people.sysadmin, obj=day)


def test_updating_records_before_and_after_of_the_changed_fields(people):
    day = audited_create(actor=people.sysadmin, obj=_day())
    audited_update(actor=people.sysadmin, obj=day, changes={"is_workday": True, "name": "调休上班"})
    day.refresh_from_db()
    assert (day.is_workday, day.name) == (True, "调休上班")
    row = AuditEntry.objects.get(action=Action.UPDATE, object_id=str(day.pk))
    assert (row.before["name"], row.after["name"]) == ("国庆节", "调休上班")


def test_an_update_that_changes_nothing_writes_nothing(people):
    day = audited_create(actor=people.sysadmin, obj=_day())
    audited_update(actor=people.sysadmin, obj=day, changes={"name": "国庆节", "is_workday": False})
    assert not AuditEntry.objects.filter(action=Action.UPDATE).exists()


def test_an_update_saves_only_its_fields_so_a_concurrent_edit_of_another_field_survives(people):
    day = audited_create(actor=people.sysadmin, obj=_day())
    stale = CalendarDay.objects.get(pk=day.pk)
    CalendarDay.objects.filter(pk=day.pk).update(name="别人改的名称")
    audited_update(actor=people.sysadmin, obj=stale, changes={"is_workday": True})
    day.refresh_from_db()
    assert (day.is_workday, day.name) == (True, "别人改的名称")


def test_an_unknown_field_is_refused_before_anything_is_written(people):
    day = audited_create(actor=people.sysadmin, obj=_day())
    with pytest.raises(ValueError):
        audited_update(actor=people.sysadmin, obj=day, changes={"nmae": "错字"})
    assert not AuditEntry.objects.filter(action=Action.UPDATE).exists()


def test_when_the_audit_row_cannot_be_written_the_change_is_rolled_back(people, monkeypatch):
    day = audited_create(actor=people.sysadmin, obj=_day())

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("minqing.audit.services.audit_record", broken)
    with pytest.raises(RuntimeError):
        audited_update(actor=people.sysadmin, obj=day, changes={"name": "不该留下"})
    assert CalendarDay.objects.get(pk=day.pk).name == "国庆节"
