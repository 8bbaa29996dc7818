"""Copying the State Council holiday schedules from the `chinesecalendar` package into the calendar tables.

Shared by the seeding migration and `minqing workcal_sync`, so it takes the model classes as parameters (the
migration passes its historical models) and imports nothing from the app's models.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

import chinese_calendar
from chinese_calendar.constants import Holiday

SOURCE_PACKAGE = "package"
SOURCE_ADMIN = "admin"

# The package abbreviates some names; the State Council notices use the full ones.
_OFFICIAL_NAMES = {
    "tomb_sweeping_day": "清明节",
    "dragon_boat_festival": "端午节",
    "mid_autumn_festival": "中秋节",
    "anti_fascist_70th_day": "抗战胜利70周年纪念日",
}


@dataclass
class SyncResult:
    version: str
    first_year: int
    last_year: int
    created: int = 0
    updated: int = 0
    deleted: int = 0
    years_added: list[int] = field(default_factory=list)
    # Days an administrator set differently from the package; kept as the administrator set them.
    admin_differs: list[datetime.date] = field(default_factory=list)


def _holiday_name(value: str) -> str:
    try:
        holiday = Holiday(value)
    except ValueError:
        return value
    return _OFFICIAL_NAMES.get(holiday.name, holiday.chinese)


def package_years() -> tuple[int, int]:
    """The first and last year the installed package knows (it raises NotImplementedError outside them)."""
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


def package_exceptions() -> dict[datetime.date, tuple[bool, str]]:
    """date → (is_workday, name) for every day of the package's years that breaks the weekday rule."""
    first, last = package_years()
    out: dict[datetime.date, tuple[bool, str]] = {}
    for day, value in chinese_calendar.holidays.items():
        # A holiday that falls on a weekend is a rest day anyway: not an exception.
        if first <= day.year <= last and day.weekday() < 5:
            out[day] = (False, _holiday_name(value))
    for day, value in chinese_calendar.workdays.items():
        if first <= day.year <= last and day.weekday() >= 5:
            out[day] = (True, f"{_holiday_name(value)}调休上班")
    return out


def sync_from_package(day_model: Any, year_model: Any) -> SyncResult:
    """Make the package's rows match the installed package; never touch a row an administrator edited.

    Package rows the package no longer lists (it corrected itself) are deleted. Years the package covers
    become known unless an administrator has ruled on that year.
    """
    first, last = package_years()
    result = SyncResult(
        version=str(getattr(chinese_calendar, "__version__", "")), first_year=first, last_year=last
    )
    wanted = package_exceptions()
    days = day_model._default_manager
    existing = {
        row.date: row
        for row in days.filter(date__gte=datetime.date(first, 1, 1), date__lte=datetime.date(last, 12, 31))
    }
    new_rows = []
    for day, (is_workday, name) in sorted(wanted.items()):
        row = existing.get(day)
        if row is None:
            new_rows.append(day_model(date=day, is_workday=is_workday, name=name, source=SOURCE_PACKAGE))
        elif row.source != SOURCE_PACKAGE:
            if row.is_workday != is_workday:
                result.admin_differs.append(day)
        elif (row.is_workday, row.name) != (is_workday, name):
            row.is_workday, row.name = is_workday, name
            row.save()  # save(), not bulk_update: updated_at must move, the calendar cache watches it
            result.updated += 1
    days.bulk_create(new_rows, batch_size=500)
    result.created = len(new_rows)
    stale = [d for d, row in existing.items() if row.source == SOURCE_PACKAGE and d not in wanted]
    if stale:
        result.deleted = days.filter(date__in=stale).delete()[0]
    note = f"chinesecalendar {result.version}".strip()
    years = {row.year: row for row in year_model._default_manager.filter(year__gte=first, year__lte=last)}
    for year in range(first, last + 1):
        row = years.get(year)
        if row is None:
            year_model._default_manager.create(year=year, complete=True, source=SOURCE_PACKAGE, note=note)
            result.years_added.append(year)
        elif row.source == SOURCE_PACKAGE and (not row.complete or row.note != note):
            row.complete, row.note = True, note
            row.save()
    return result
