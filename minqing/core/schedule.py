"""Periodic work on the task worker (`minqing db_worker`): a task that runs at a time of day, every day or every
few days, and queues its own next run.

There is no cron beside stateless app servers, so a cycle keeps itself going: `minqing schedule` queues every
registered periodic task once, now, with reschedule=True, and each run then queues the next one at the time its
`when` gives (queue_next). That needs a backend that can defer (the database backend can); a county that prefers
cron runs each app's own command daily instead.

Apps register their periodic tasks in AppConfig.ready() with periodic(); this module imports no app.
"""

from __future__ import annotations  # Task is generic only in django-stubs: Task[..., Any] is for mypy alone

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.tasks import Task, TaskResultStatus, default_task_backend, task_backends
from django.utils import timezone


def next_every(days: int, at: datetime.time, now: datetime.datetime | None = None) -> datetime.datetime:
    """`at`, local time, on the day `days` days after today (today is now's local date; now defaults to the
    current time).

    Counted from today's date, not from whether `at` has passed: the caller is today's run, so a cycle started
    at 05:00 does not run a second time at 07:30 the same day. The result carries the local zone, so its UTC
    offset is that of its own date."""
    now = timezone.localtime(now)
    day = now.date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, at, tzinfo=now.tzinfo)


def next_daily(at: datetime.time, now: datetime.datetime | None = None) -> datetime.datetime:
    """`at`, local time, tomorrow (see next_every)."""
    return next_every(1, at, now)


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Task[..., Any]
    when: Callable[[], datetime.datetime]  # the next run's time, asked as each run ends


_registry: dict[str, Periodic] = {}


def periodic(name: str, task: Task[..., Any], when: Callable[[], datetime.datetime]) -> Periodic:
    """Register `task` as periodic under `name`: `minqing schedule` starts it, and queue_next() queues each next
    run at `when()`. The task takes `reschedule: bool` and calls queue_next(itself) when it is true. Registering
    a name again replaces it, so a ready() that runs twice does no harm."""
    entry = Periodic(name, task, when)
    _registry[name] = entry
    return entry


def registered() -> list[Periodic]:
    """The registered periodic tasks, in the order the apps registered them."""
    return list(_registry.values())


def _entry(task: Task[..., Any]) -> Periodic:
    for entry in _registry.values():
        if entry.task.module_path == task.module_path:
            return entry
    raise LookupError(f"{task.module_path} is not registered with minqing.core.schedule.periodic()")


def queue_next(task: Task[..., Any]) -> datetime.datetime | None:
    """Queue the next run of a registered periodic task at its `when()`, with reschedule=True so the cycle goes
    on; the time, or None on a backend that cannot defer (it would run the task again at once, without end)."""
    if not default_task_backend.supports_defer:
        return None
    run_at = _entry(task).when()
    task.using(run_after=run_at).enqueue(reschedule=True)
    return run_at


def is_queued(task: Task[..., Any]) -> bool:
    """On the database queue, is a run of `task` waiting (now or deferred) or running? Other backends cannot be
    asked, and say no."""
    if type(task_backends["default"]).__module__.split(".")[0] != "django_tasks_db":
        return False
    # Imported here: the database backend's models exist only when it is the one installed.
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING], task_path=task.module_path
    ).exists()


def start(task: Task[..., Any]) -> bool:
    """Queue a periodic task's first run now, with reschedule=True, unless a run is already waiting: starting
    twice must not give two cycles. True when it was queued."""
    if is_queued(task):
        return False
    task.enqueue(reschedule=True)
    return True
