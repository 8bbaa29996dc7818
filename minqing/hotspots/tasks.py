"""The daily hot-spot run, on the task worker (`minqing db_worker`) beside stateless app servers.

With `reschedule`, each run queues the next for tomorrow morning (core.schedule, as for the reminders), so one
`minqing schedule` (or `minqing hotspots_schedule`) starts the daily cycle; a county that prefers cron runs
`minqing hotspots_compute`.
"""

import datetime
import logging

from django.tasks import task

from minqing.core import schedule

from . import services

logger = logging.getLogger(__name__)

RUN_AT = datetime.time(6, 30)  # before the township's morning meeting


def next_run(now: datetime.datetime | None = None) -> datetime.datetime:
    return schedule.next_daily(RUN_AT, now)


@task
def compute_hotspots(reschedule: bool = False) -> dict[str, int]:
    run = services.hotspots_compute()
    if reschedule:
        schedule.queue_next(compute_hotspots)
    return {"townships": run.townships, "hotspots": run.hotspots, "warnings": run.warnings}
