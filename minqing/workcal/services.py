"""Writes to the working-day calendar. Only the system administrator (MANAGE_CONFIG) edits it; every edit is audited.

Edits go through these services (the admin calls them too) so that the row is marked as the administrator's and
`minqing workcal_sync` leaves it alone.
"""

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from minqing.audit.models import Action
from minqing.audit.services import audit_record, audited_create, audited_update, snapshot
from minqing.core.errors import ValidationError
from minqing.regions.scoping import Perm, require

from . import seed
from .models import FIRST_YEAR, LAST_YEAR, CalendarDay, CalendarYear, Source


def _check_year(year: int, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            {field: [_("年份须在 %(a)d 至 %(b)d 之间。") % {"a": FIRST_YEAR, "b": LAST_YEAR}]}
        )


def clean_day(*, date: datetime.date, is_workday: bool, name: str) -> str:
    """Validate a day's setting; return the cleaned name. Raises ValidationError (field → messages)."""
    _check_year(date.year, "date")
    name = (name or "").strip()
    if len(name) > 50:
        raise ValidationError({"name": [_("名称过长。")]})
    # A bare exception would be unexplained on every deadline it moves; a day that follows the weekday rule
    # (an administrator overruling the package) needs no name.
    if not name and is_workday != (date.weekday() < 5):
        raise ValidationError({"name": [_("请填写名称，如 元旦、春节、国庆节、春节调休上班。")]})
    return name


def clean_year(*, year: int, complete: bool) -> None:
    """A year can be marked complete only once some of its schedule has been entered."""
    _check_year(year, "year")
    if complete and not CalendarDay.objects.filter(date__year=year).exists():
        raise ValidationError(
            {
                "complete": [
                    _(
                        "尚未录入%(year)d年的任何放假安排，请先在“节假日与调休”中逐日录入，再标记为已完整录入。"
                    )
                    % {"year": year}
                ]
            }
        )


@transaction.atomic
def calendar_day_set(*, actor: Any, date: datetime.date, is_workday: bool, name: str) -> CalendarDay:
    """Make `date` a working day or a rest day, as the State Council schedule says. Needs MANAGE_CONFIG."""
    require(actor, Perm.MANAGE_CONFIG)
    name = clean_day(date=date, is_workday=is_workday, name=name)
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    state = _("上班") if is_workday else _("放假")
    note = _("工作日历：%(date)s %(state)s %(name)s") % {
        "date": date.isoformat(),
        "state": state,
        "name": name,
    }
    values = {"is_workday": is_workday, "name": name, "source": Source.ADMIN}
    if day is None:
        return audited_create(actor=actor, obj=CalendarDay(date=date, **values), note=note)
    return audited_update(actor=actor, obj=day, changes=values, note=note)


@transaction.atomic
def calendar_year_mark_complete(
    *, actor: Any, year: int, complete: bool, note: str | None = None
) -> CalendarYear:
    """Declare that `year`'s holiday schedule is (or is not) completely entered. Needs MANAGE_CONFIG.

    Deadlines crossing a year that is not complete are flagged as uncertain.
    """
    require(actor, Perm.MANAGE_CONFIG)
    clean_year(year=year, complete=complete)
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    before = snapshot(row) if row is not None else None
    if row is None:
        row = CalendarYear(year=year)
    row.complete = complete
    row.source = Source.ADMIN
    if note is not None:
        row.note = note.strip()[:200]
    row.save()
    audit_record(
        actor=actor,
        action=Action.CREATE if before is None else Action.UPDATE,
        obj=row,
        before=before,
        after=snapshot(row),
        note=(
            _("工作日历：%(year)d年放假安排已完整录入")
            if complete
            else _("工作日历：%(year)d年放假安排未完整录入")
        )
        % {"year": year},
    )
    return row


@transaction.atomic
def calendar_sync_from_package(*, actor: Any = None) -> seed.SyncResult:
    """Copy new or corrected schedules from the installed `chinesecalendar`; administrators' rows are kept.

    Run by `minqing workcal_sync` after upgrading the package (no actor: whoever has the shell); with an
    actor it needs MANAGE_CONFIG.
    """
    if actor is not None:
        require(actor, Perm.MANAGE_CONFIG)
    result = seed.sync_from_package(CalendarDay, CalendarYear)
    if result.created or result.updated or result.deleted or result.years_added:
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            object_type=CalendarDay._meta.label_lower,
            object_repr=f"chinesecalendar {result.version}",
            after={
                "created": result.created,
                "updated": result.updated,
                "deleted": result.deleted,
                "years_added": result.years_added,
            },
            note=_("工作日历：从 chinesecalendar %(v)s 同步 %(a)d–%(b)d 年")
            % {"v": result.version, "a": result.first_year, "b": result.last_year},
        )
    return result
