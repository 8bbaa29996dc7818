"""Periodic tasks: when the next run falls (local time, from today's date, across month and year ends), and
`minqing schedule` starting each registered cycle once however often it is called."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.tasks import task

from minqing.core import schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")  # no daylight saving: every date is UTC+8
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
AT = datetime.time(7, 30)


def local(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@task
def tick(reschedule: bool = False) -> None:
    """A periodic task for these tests alone."""


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(2026, 11, 28, 15, 0), local(2026, 11, 29, 7, 30)),  # after today's run
        (local(2026, 11, 28, 5, 0), local(2026, 11, 29, 7, 30)),  # before it: this run was today's
        (local(2026, 11, 28, 7, 30), local(2026, 11, 29, 7, 30)),
        (local(2026, 1, 31, 23, 59), local(2026, 2, 1, 7, 30)),  # month end
        (local(2026, 2, 28, 8, 0), local(2026, 3, 1, 7, 30)),  # February, not a leap year
        (local(2028, 2, 28, 8, 0), local(2028, 2, 29, 7, 30)),  # a leap year
        (local(2026, 12, 31, 20, 0), local(2027, 1, 1, 7, 30)),  # year end
    ],
)
def test_next_daily_is_tomorrow_at_the_time(now, expected):
    assert schedule.next_daily(AT, now) == expected
    assert schedule.next_daily(AT, now).utcoffset() == datetime.timedelta(hours=8)


@pytest.mark.parametrize(
    ("days", "now", "expected"),
    [
        (7, local(2026, 11, 28, 15, 0), local(2026, 12, 5, 2, 30)),
        (7, local(2026, 11, 28, 1, 0), local(2026, 12, 5, 2, 30)),  # before today's time: still a week on
        (7, local(2026, 2, 25, 3, 0), local(2026, 3, 4, 2, 30)),  # across February's end
        (3, local(2026, 4, 30, 12, 0), local(2026, 5, 3, 2, 30)),  # across a 30-day month's end
        (14, local(2026, 12, 25, 9, 0), local(2027, 1, 8, 2, 30)),  # across the year's end
        (1, local(2026, 3, 31, 9, 0), local(2026, 4, 1, 2, 30)),
    ],
)
def test_next_every_counts_days_from_today(days, now, expected):
    assert schedule.next_every(days, datetime.time(2, 30), now) == expected


def test_the_day_is_the_local_one_whatever_zone_now_is_given_in():
    # 20:00 UTC on the 28th is 04:00 on the 29th in the county: tomorrow is the 30th.
    now = datetime.datetime(2026, 11, 28, 20, 0, tzinfo=datetime.UTC)
    assert schedule.next_daily(AT, now) == local(2026, 11, 30, 7, 30)


def test_without_now_the_next_run_is_tomorrow_in_the_local_zone():
    before = datetime.datetime.now(SHANGHAI).date()
    run_at = schedule.next_daily(AT)
    after = datetime.datetime.now(SHANGHAI).date()  # the same day, unless the test ran across midnight
    assert run_at.utcoffset() == datetime.timedelta(hours=8) and run_at.time() == AT
    assert run_at.date() in {before + datetime.timedelta(days=1), after + datetime.timedelta(days=1)}


def test_the_apps_register_their_periodic_tasks():
    names = {entry.name for entry in schedule.registered()}
    assert {"petitions_remind", "hotspots_compute", "textintel_retrain"} <= names


@pytest.mark.django_db
def test_schedule_queues_each_registered_task_once_even_when_called_twice(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_QUEUE
    entries = schedule.registered()
    assert entries
    first, second = io.StringIO(), io.StringIO()
    call_command("schedule", stdout=first)
    call_command("schedule", stdout=second)
    for entry in entries:
        rows = DBTaskResult.objects.filter(task_path=entry.task.module_path)
        assert rows.count() == 1, entry.name
        assert rows.get().args_kwargs == {"args": [], "kwargs": {"reschedule": True}}
        assert f"已排入定期任务 {entry.name}。" in first.getvalue()
        assert f"定期任务 {entry.name} 已在队列中。" in second.getvalue()


@pytest.mark.django_db
def test_a_run_queues_its_next_at_the_registered_time(settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    run_at = local(2026, 11, 29, 7, 30)
    monkeypatch.setitem(schedule._registry, "tick", schedule.Periodic("tick", tick, lambda: run_at))
    assert schedule.queue_next(tick) is None  # the test backend runs tasks at once: no endless loop

    settings.TASKS = DATABASE_QUEUE
    assert schedule.queue_next(tick) == run_at
    row = DBTaskResult.objects.get(task_path=tick.module_path)
    assert row.run_after == run_at and row.args_kwargs["kwargs"] == {"reschedule": True}
    assert schedule.is_queued(tick) and not schedule.start(tick)  # a waiting run is not queued again


def test_an_unregistered_task_cannot_be_rescheduled(settings):
    settings.TASKS = DATABASE_QUEUE
    with pytest.raises(LookupError, match="not registered"):
        schedule.queue_next(tick)
