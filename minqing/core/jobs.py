"""Background jobs whose worker stopped (kill -9, a power cut): found by a lease, failed or run again, never left
"running" for ever.

Two kinds of record say that a job runs, and both are swept:

* The task queue's own row (django-tasks-db's DBTaskResult, RUNNING), for every task kind. A row running for
  longer than its kind's lease has lost its worker: it is marked failed (WorkerLost). A kind declared safe to
  run again (`lease(task, rerun=True)`: work that is idempotent, such as an Open311 drain) is queued again with
  the same arguments, unless such a run is already waiting. Periodic tasks (core.schedule) are safe to run
  again by their contract, so a daily cycle whose run was killed goes on instead of stopping for good.
* An app's own status record (an import job, a message in the outbox, a queued Open311 submission). The app
  registers a sweep (`register_sweep`) that finds the records a dead worker left, and fails them, telling the
  user and keeping what a retry needs, or queues them again when that is safe.

One periodic task, `sweep_lost_jobs`, runs both every few minutes. `minqing schedule` sweeps before it starts the
cycles, so starting the workers again after a crash also restarts every cycle whose run was killed.
"""

from __future__ import annotations  # Task is generic only in django-stubs: Task[..., Any] is for mypy alone

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.tasks import Task, TaskResultStatus, task, task_backends
from django.utils import timezone

from . import schedule

logger = logging.getLogger(__name__)

SWEEP_EVERY = datetime.timedelta(minutes=5)
# Longer than any run of a periodic task at county scale (hot spots, retraining: minutes).
DEFAULT_LEASE = datetime.timedelta(hours=1)
LOST_TRACEBACK = (
    "The worker running this task stopped (killed, or the machine lost power) before it finished; "
    "minqing.core.jobs found the task still marked running after its lease."
)


class WorkerLostError(Exception):
    """What a task row left by a dead worker is failed with (its exception class path)."""


@dataclass(frozen=True)
class Lease:
    lease: datetime.timedelta
    rerun: bool


_leases: dict[str, Lease] = {}
_sweeps: dict[str, Callable[[datetime.datetime], int]] = {}


def lease(t: Task[..., Any], *, duration: datetime.timedelta = DEFAULT_LEASE, rerun: bool = False) -> None:
    """Declare how long a run of `t` may take before its worker counts as lost, and whether it is safe to run it
    again then (idempotent work). Kinds not declared get DEFAULT_LEASE and are only marked failed, except the
    periodic tasks, which are run again."""
    _leases[t.module_path] = Lease(duration, rerun)


def register_sweep(name: str, sweep: Callable[[datetime.datetime], int]) -> None:
    """Register an app's sweep of its own status records: sweep(now) handles the records a dead worker left and
    returns how many. Registering a name again replaces it (a ready() that runs twice does no harm)."""
    _sweeps[name] = sweep


def registered_sweeps() -> list[str]:
    return list(_sweeps)


def lease_of(task_path: str) -> Lease:
    if task_path in _leases:
        return _leases[task_path]
    periodic = {entry.task.module_path for entry in schedule.registered()}
    return Lease(DEFAULT_LEASE, rerun=task_path in periodic)


def _database_queue() -> bool:
    return type(task_backends["default"]).__module__.split(".")[0] == "django_tasks_db"


def lost_tasks_sweep(*, now: datetime.datetime | None = None) -> int:
    """Fail the queue rows running past their lease, and queue again those safe to run again. How many rows
    were failed. Nothing to do on a backend without rows (the immediate backend of tests and demos)."""
    if not _database_queue():
        return 0
    # Imported here: the database backend's models exist only when it is the one installed.
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    shortest = min([DEFAULT_LEASE, *(lease.lease for lease in _leases.values())])
    candidates = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=now - shortest)
    failed = 0
    for row in candidates.only("id", "task_path", "started_at", "args_kwargs"):
        terms = lease_of(row.task_path)
        if row.started_at is None or row.started_at >= now - terms.lease:
            continue
        with transaction.atomic():
            # The status is checked again: a run that ends meanwhile keeps its own outcome.
            if not DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=f"{__name__}.{WorkerLostError.__qualname__}",
                traceback=LOST_TRACEBACK,
            ):
                continue
        failed += 1
        logger.warning("task %s (%s) lost its worker and was marked failed", row.pk, row.task_path)
        if terms.rerun:
            _run_again(row)
    return failed


def _run_again(row: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    args, kwargs = row.args_kwargs.get("args", []), row.args_kwargs.get("kwargs", {})
    waiting = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING], task_path=row.task_path
    ).values_list("args_kwargs", flat=True)
    if any(w == row.args_kwargs for w in waiting):
        return  # the lost run had already queued its successor, or someone queued one since
    try:
        row.task.enqueue(*args, **kwargs)
    except ImportError:  # the task no longer exists in this version: failed is all it can be
        logger.warning("task %s cannot be queued again: %s is gone", row.pk, row.task_path)


def sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Every sweep once: the queue's rows, then each app's records. How many each handled."""
    now = now or timezone.now()
    counts = {"tasks": lost_tasks_sweep(now=now)}
    for name, app_sweep in _sweeps.items():
        counts[name] = app_sweep(now)
    return counts


@task
def sweep_lost_jobs(reschedule: bool = False) -> dict[str, int]:
    counts = sweep()
    if any(counts.values()):
        logger.warning("jobs left by a stopped worker: %s", counts)
    if reschedule:
        schedule.queue_next(sweep_lost_jobs)
    return counts


def next_sweep() -> datetime.datetime:
    return timezone.now() + SWEEP_EVERY
