"""Periodic work on requests, run by the task worker (`minqing db_worker`) beside stateless app servers.

`remind_due_petitions` reminds handlers of deadlines within three working days and escalates overdue requests to
the township's leaders. With `reschedule`, it queues its own next run for tomorrow morning (core.schedule), so
one `minqing schedule` (or `minqing petitions_schedule`) starts a daily cycle on a backend that can defer (the
database backend can); a county that prefers cron runs `minqing petitions_remind` daily instead.
"""

import datetime
import logging

from django.tasks import task

from minqing.core import schedule

from . import services

logger = logging.getLogger(__name__)

RUN_AT = datetime.time(7, 30)


def next_run(now: datetime.datetime | None = None) -> datetime.datetime:
    return schedule.next_daily(RUN_AT, now)


@task
def remind_due_petitions(reschedule: bool = False) -> dict[str, int]:
    run = services.petitions_remind()
    logger.info("petition reminders: %d reminded, %d escalated", run.reminded, run.escalated)
    if reschedule:
        schedule.queue_next(remind_due_petitions)
    return {"reminded": run.reminded, "escalated": run.escalated}
