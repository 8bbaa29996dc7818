"""Periodic work on requests, run by the task worker (`minqing db_worker`) beside stateless app servers.

`remind_due_petitions` reminds handlers of deadlines within three working days and escalates overdue requests to
the township's leaders. With `reschedule`, it queues its own next run for tomorrow morning, so one
`minqing petitions_schedule` starts a daily cycle on a backend that can defer (the database backend can); a
county that prefers cron runs `minqing petitions_remind` daily instead.
"""

import datetime
import logging

from django.tasks import default_task_backend, task
from django.utils import timezone

from . import services

logger = logging.getLogger(__name__)

RUN_AT = datetime.time(7, 30)


def next_run(now: datetime.datetime | None = None) -> datetime.datetime:
    now = timezone.localtime(now)
    tomorrow = now.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, RUN_AT, tzinfo=now.tzinfo)


@task
def remind_due_petitions(reschedule: bool = False) -> dict[str, int]:
    run = services.petitions_remind()
    logger.info("petition reminders: %d reminded, %d escalated", run.reminded, run.escalated)
    if reschedule and default_task_backend.supports_defer:
        remind_due_petitions.using(run_after=next_run()).enqueue(reschedule=True)
    return {"reminded": run.reminded, "escalated": run.escalated}
