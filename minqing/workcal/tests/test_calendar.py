"""Counting working days and calendar-day periods against the seeded State Council schedules."""

import datetime
import random

import chinese_calendar
import pytest

from minqing.workcal.models import CalendarDay, CalendarYear, Source
from minqing.workcal.seed import package_years
from minqing.workcal.selectors import (
    WorkCalendar,
    add_calendar_days,
    add_working_days,
    is_workday,
    work_calendar,
    working_days_between,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def test_migration_seeded_every_package_year_as_known_package_rows():
    first, last = package_years()
    assert first == 2004
    assert set(CalendarYear.objects.filter(complete=True).values_list("year", flat=True)) >= set(
        range(first, last + 1)
    )
    assert not CalendarDay.objects.exclude(source=Source.PACKAGE).exists()
    # Only exceptions are stored: no holiday on a weekend, no working weekday.
    for row in CalendarDay.objects.all():
        assert row.is_workday == (row.date.weekday() >= 5), row


def test_the_table_agrees_with_the_package_on_every_day_it_covers():
    first, last = package_years()
    calendar = work_calendar()
    day = D(first, 1, 1)
    while day.year <= last:
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
        day += datetime.timedelta(days=1)


def test_national_day_week_2024():
    for day in range(1, 8):
        assert not is_workday(D(2024, 10, day)), day
    assert is_workday(D(2024, 9, 29))  # Sunday, 调休上班
    assert is_workday(D(2024, 10, 12))  # Saturday, 调休上班
    assert is_workday(D(2024, 10, 8))
    assert not is_workday(D(2024, 10, 13))  # an ordinary Sunday
    assert work_calendar().day_name(D(2024, 10, 1)) == "国庆节"
    assert work_calendar().day_name(D(2024, 10, 12)) == "国庆节调休上班"


def test_spring_festival_2025_with_its_working_sunday():
    assert is_workday(D(2025, 1, 26))  # Sunday before the festival: 调休上班
    assert is_workday(D(2025, 2, 8))  # Saturday after it
    for day in (D(2025, 1, 28), D(2025, 1, 31), D(2025, 2, 3), D(2025, 2, 4)):
        assert not is_workday(day), day
    assert is_workday(D(2025, 2, 5))
    assert work_calendar().day_name(D(2025, 1, 26)) == "春节调休上班"


def test_fifteen_working_days_from_before_national_day_skip_the_holiday():
    # Friday 27 Sep 2024: 29 Sep and 30 Sep count, 1–7 Oct do not, Saturday 12 Oct does.
    deadline = add_working_days(D(2024, 9, 27), 15)
    assert deadline.due == D(2024, 10, 23)
    assert not deadline.uncertain and deadline.reason == ""
    # The weekday rule alone would have said 18 Oct.
    assert WorkCalendar([], range(2000, 2100)).add_working_days(D(2024, 9, 27), 15).due == D(2024, 10, 18)


def test_working_days_do_not_count_the_start_day():
    assert add_working_days(D(2024, 10, 8), 1).due == D(2024, 10, 9)
    assert add_working_days(D(2024, 10, 7), 1).due == D(2024, 10, 8)  # start on a holiday
    assert add_working_days(D(2024, 9, 28), 1).due == D(2024, 9, 29)  # the 调休 Sunday is the first day
    assert add_working_days(D(2024, 10, 8), 0).due == D(2024, 10, 8)
    with pytest.raises(ValueError):
        add_working_days(D(2024, 10, 8), -1)


def test_a_calendar_day_period_ending_on_a_holiday_moves_to_the_next_working_day():
    deadline = add_calendar_days(D(2024, 9, 16), 15)  # nominally 1 Oct 2024, 国庆节
    assert deadline.due == D(2024, 10, 8)
    assert deadline.extended_from == D(2024, 10, 1)
    assert not deadline.uncertain
    # Spring Festival 2025: nominally Thursday 30 Jan, the holiday runs to Tuesday 4 Feb.
    assert add_calendar_days(D(2025, 1, 15), 15).due == D(2025, 2, 5)
    # An ordinary Saturday moves to Monday; a 调休 Saturday is a working day and stays.
    assert add_calendar_days(D(2024, 10, 4), 15).due == D(2024, 10, 21)
    stays = add_calendar_days(D(2024, 9, 27), 15)
    assert stays.due == D(2024, 10, 12) and stays.extended_from is None
    # 60 days of 办结 from a working day that lands on a working day: plain addition.
    assert add_calendar_days(D(2024, 3, 1), 60).due == D(2024, 4, 30)


def test_working_days_between_sign_and_values():
    assert working_days_between(D(2024, 9, 27), D(2024, 10, 23)) == 15
    assert working_days_between(D(2024, 10, 23), D(2024, 9, 27)) == -15
    assert working_days_between(D(2024, 10, 8), D(2024, 10, 8)) == 0
    assert working_days_between(D(2024, 9, 30), D(2024, 10, 8)) == 1  # only 8 Oct
    assert working_days_between(D(2024, 9, 28), D(2024, 9, 29)) == 1  # the 调休 Sunday
    assert working_days_between(D(2024, 10, 11), D(2024, 10, 13)) == 1  # Sat 12th works, Sun 13th not
    assert working_days_between(D(2024, 10, 13), D(2024, 10, 11)) == -1
    # 2025: 261 weekdays − 18 holidays on weekdays + 5 调休 weekends.
    assert working_days_between(D(2024, 12, 31), D(2025, 12, 31)) == 248


def test_between_agrees_with_day_by_day_counting_and_with_add_working_days():
    calendar = work_calendar()
    rng = random.Random(2026)
    for _ in range(300):
        a = D(2023, 1, 1) + datetime.timedelta(days=rng.randrange(1400))
        b = a + datetime.timedelta(days=rng.randrange(-120, 120))
        lo, hi = sorted((a, b))
        count = sum(
            calendar.is_workday(lo + datetime.timedelta(days=i)) for i in range(1, (hi - lo).days + 1)
        )
        assert calendar.working_days_between(a, b) == (count if b >= a else -count), (a, b)
        n = rng.randrange(1, 90)
        assert calendar.working_days_between(a, calendar.add_working_days(a, n).due) == n


def test_weekday_fallback_helper_counts_weekends_only():
    plain = WorkCalendar([], [])
    assert plain.is_workday(D(2027, 1, 1))  # a Friday, not known to be a holiday
    assert not plain.is_workday(D(2027, 1, 2))
    assert plain.working_days_between(D(2027, 1, 1), D(2027, 1, 8)) == 5
