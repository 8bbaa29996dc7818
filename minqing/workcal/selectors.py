"""Reading the working-day calendar: is a day a working day, and when does a period end.

Counting follows Chinese procedural practice (民事诉讼法 第八十五条, also applied to administrative and petition
deadlines): the day a period starts from is not counted; "N 个工作日" ends on the N-th working day after it; "N 日"
are calendar days, and when the last one is a legal holiday or rest day the period ends on the first working day
after it.

The whole table (a few dozen rows a year) is held per process in a `WorkCalendar` snapshot. Every call checks one
cheap stamp (row counts and latest change of both tables) so an edit is seen at once, by every process, and a
rolled-back edit is forgotten; a page computing many deadlines should take `work_calendar()` once and call its
methods.
"""

import bisect
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from .models import CalendarDay, CalendarYear

_ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Deadline:
    due: datetime.date
    # True when a day the computation looked at lies in a year whose schedule is not known; such days were
    # taken by the weekday rule (plus any days already entered), so the real deadline may be later.
    uncertain: bool = False
    reason: str = ""
    unknown_years: tuple[int, ...] = ()
    # For calendar-day periods: the nominal last day when it was a rest day and the period was extended.
    extended_from: datetime.date | None = None


def _weekday_rule(day: datetime.date) -> bool:
    return day.weekday() < 5


def _weekdays_through(day: datetime.date) -> int:
    """Mondays–Fridays from 0001-01-01 (a Monday) up to and including `day`."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


class WorkCalendar:
    """An immutable snapshot of the stored days and the known years; all computations are pure."""

    def __init__(self, days: Iterable[tuple[datetime.date, bool, str]], known_years: Iterable[int]) -> None:
        self._workday: dict[datetime.date, bool] = {}
        self._names: dict[datetime.date, str] = {}
        for day, is_workday, name in days:
            self._workday[day] = is_workday
            self._names[day] = name
        self._known = frozenset(known_years)
        # Only rows that break the weekday rule change a count: +1 for a working weekend, −1 for a weekday off.
        changes = sorted(
            (day, 1 if is_workday else -1)
            for day, is_workday in self._workday.items()
            if is_workday != _weekday_rule(day)
        )
        self._change_days = [day for day, _delta in changes]
        self._change_sums = [0, *accumulate(delta for _day, delta in changes)]

    @property
    def known_years(self) -> frozenset[int]:
        return self._known

    def is_known(self, year: int) -> bool:
        return year in self._known

    def is_workday(self, day: datetime.date) -> bool:
        return self._workday.get(day, _weekday_rule(day))

    def day_name(self, day: datetime.date) -> str:
        """The holiday or 调休 name stored for the day ("" for an ordinary day)."""
        return self._names.get(day, "")

    def _deadline(
        self, due: datetime.date, first: datetime.date, extended_from: datetime.date | None = None
    ) -> Deadline:
        """A Deadline whose computation looked at the days first..due."""
        unknown = tuple(y for y in range(first.year, due.year + 1) if y not in self._known)
        if not unknown:
            return Deadline(due=due, extended_from=extended_from)
        years = "、".join(_("%(year)d年") % {"year": y} for y in unknown)
        reason = _(
            "%(years)s的节假日安排尚未录入，期限暂按周末休息推算，可能不准确；请系统管理员录入后再核对。"
        ) % {"years": years}
        return Deadline(
            due=due, uncertain=True, reason=reason, unknown_years=unknown, extended_from=extended_from
        )

    def add_working_days(self, start: datetime.date, n: int) -> Deadline:
        """The n-th working day after `start` (the start day itself is not counted)."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return Deadline(due=start)
        day, left = start, n
        while left:
            day += _ONE_DAY
            if self.is_workday(day):
                left -= 1
        return self._deadline(day, start + _ONE_DAY)

    def add_calendar_days(self, start: datetime.date, n: int) -> Deadline:
        """`start` + n calendar days, moved to the next working day when that day is a holiday or rest day."""
        if n < 0:
            raise ValueError("n must not be negative")
        nominal = start + datetime.timedelta(days=n)
        day = nominal
        while not self.is_workday(day):
            day += _ONE_DAY
        return self._deadline(day, nominal, extended_from=nominal if day != nominal else None)

    def working_days_between(self, a: datetime.date, b: datetime.date) -> int:
        """Working days after `a` up to and including `b`; negative (the same count) when b is before a.

        Antisymmetric and additive, so between(a, add_working_days(a, n).due) == n. A result of 0 does not
        mean "not overdue": compare the dates for that.
        """
        if b < a:
            return -self.working_days_between(b, a)
        weekdays = _weekdays_through(b) - _weekdays_through(a)
        lo = bisect.bisect_right(self._change_days, a)
        hi = bisect.bisect_right(self._change_days, b)
        return weekdays + self._change_sums[hi] - self._change_sums[lo]


_cached: tuple[tuple[Any, ...], WorkCalendar] | None = None


def _stamp() -> tuple[Any, ...]:
    """Changes whenever a row of either table is added, deleted or saved (saves move updated_at)."""
    day, year = (connection.ops.quote_name(m._meta.db_table) for m in (CalendarDay, CalendarYear))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {day}), (SELECT MAX(updated_at) FROM {day}), "
            f"(SELECT COUNT(*) FROM {year}), (SELECT MAX(updated_at) FROM {year})"
        )
        row = cursor.fetchone()
    return tuple(row) if row else ()


def work_calendar() -> WorkCalendar:
    """The current calendar: one small query when nothing changed, two more to reload after a change."""
    global _cached
    stamp = _stamp()
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    calendar = WorkCalendar(
        CalendarDay.objects.values_list("date", "is_workday", "name"),
        CalendarYear.objects.filter(complete=True).values_list("year", flat=True),
    )
    # A write landing between the stamp and the load leaves newer data under an older stamp: the next call
    # sees a different stamp and reloads, so the cache is never staler than one call.
    _cached = (stamp, calendar)
    return calendar


def is_workday(day: datetime.date) -> bool:
    return work_calendar().is_workday(day)


def add_working_days(start: datetime.date, n: int) -> Deadline:
    return work_calendar().add_working_days(start, n)


def add_calendar_days(start: datetime.date, n: int) -> Deadline:
    return work_calendar().add_calendar_days(start, n)


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    return work_calendar().working_days_between(a, b)


def unknown_years(years: Iterable[int]) -> list[int]:
    """Those of `years` whose holiday schedule is not known yet."""
    calendar = work_calendar()
    return [y for y in years if not calendar.is_known(y)]
