"""The daily hot-spot run, on the task worker (`minqing db_worker`) beside stateless app servers.

With `reschedule`, each run queues the next for tomorrow morning (as petitions.tasks does for reminders), so one
`minqing hotspots_schedule` starts the daily cycle; a county that prefers cron runs `minqing hotspots_compute`.
"""

import datetime
import logging

from django.tasks import default_task_backend, task
from django.utils import timezone

from . import services

logger = logging.getLogger(__name__)

RUN_AT = datetime.time(6, 30)  # before the township's morning meeting


def next_run(now: datetime.datetime | None = None) -> datetime.datetime:
    now = timezone.localtime(now)
    tomorrow = now.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, RUN_AT, tzinfo=now.tzinfo)


@task
def compute_hotspots(reschedule: bool = False) -> dict[str, int]:
    run = services.hotspots_compute()
    if reschedule and default_task_backend.supports_defer:
        compute_hotspots.using(run_after=next_run()).enqueue(reschedule=True)
    return {"townships": run.townships, "hotspots": run.hotspots, "warnings": run.warnings}
