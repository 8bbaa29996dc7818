"""Deadlines: the rules table and the next due date of a request's current state, in working days."""

import datetime

from minqing.workcal.selectors import Deadline, WorkCalendar, work_calendar

from ..models import (
    DayUnit,
    DeadlineKind,
    DeadlineRule,
    DueKind,
    Petition,
    Stage,
    Status,
)

# Defaults when the rules table has no row (it is seeded by a migration; these only guard a damaged table).
DEFAULT_RULES: dict[str, tuple[int, str]] = {
    DeadlineKind.ACCEPT: (15, DayUnit.WORKING),
    DeadlineKind.CONCLUDE: (60, DayUnit.WORKING),
    DeadlineKind.EXTENSION: (30, DayUnit.WORKING),
    DeadlineKind.REVIEW_REQUEST: (30, DayUnit.WORKING),
    DeadlineKind.REVIEW: (30, DayUnit.WORKING),
    DeadlineKind.REREVIEW_REQUEST: (30, DayUnit.WORKING),
    DeadlineKind.REREVIEW: (30, DayUnit.WORKING),
    DeadlineKind.FOLLOW_UP: (7, DayUnit.WORKING),
    DeadlineKind.REOPEN: (30, DayUnit.WORKING),
    DeadlineKind.REPEAT_WINDOW: (90, DayUnit.CALENDAR),
}


# ----------------------------------------------------------------------------------------------------------
# Deadlines


def deadline_rules() -> dict[str, tuple[int, str]]:
    rules = dict(DEFAULT_RULES)
    rules.update({r.kind: (r.days, r.unit) for r in DeadlineRule.objects.all()})
    return rules


def due_after(
    kind: str,
    start: datetime.date,
    *,
    days: int | None = None,
    cal: WorkCalendar | None = None,
    rules: dict[str, tuple[int, str]] | None = None,
) -> Deadline:
    """The deadline `kind` counted from `start` by the rules table (working or calendar days)."""
    rule_days, unit = (rules or deadline_rules())[kind]
    cal = cal or work_calendar()
    n = rule_days if days is None else days
    if unit == DayUnit.CALENDAR:
        return cal.add_calendar_days(start, n)
    return cal.add_working_days(start, n)


def reclock(p: Petition, deadline: Deadline | None = None) -> None:
    """Point the list clock (due_date/due_kind) at whatever is due next for the petition's state."""
    if p.status == Status.REGISTERED:
        p.due_date, p.due_kind = p.accept_due, DueKind.ACCEPT
    elif p.status == Status.ACCEPTED and p.stage == Stage.INITIAL:
        p.due_date, p.due_kind = p.conclude_due, DueKind.CONCLUDE
    elif p.status == Status.ACCEPTED:
        p.due_date = p.review_due
        p.due_kind = DueKind.REVIEW if p.stage == Stage.REVIEW else DueKind.REREVIEW
    elif p.status == Status.REPLIED and not p.satisfaction:
        p.due_date, p.due_kind = p.followup_due, DueKind.FOLLOW_UP
    else:
        p.due_date, p.due_kind = None, ""
    if deadline is not None:
        p.due_uncertain = deadline.uncertain
    if p.due_date is None:
        p.due_uncertain = False
    p.reminded_on = None
    p.escalated_on = None
