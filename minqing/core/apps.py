import datetime

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "minqing.core"
    label = "core"

    def ready(self) -> None:
        from . import jobs, notify
        from .schedule import periodic

        periodic("core_sweep_lost_jobs", jobs.sweep_lost_jobs, jobs.next_sweep)
        jobs.lease(jobs.sweep_lost_jobs, duration=datetime.timedelta(minutes=15), rerun=True)
        # A message is not run again by the queue: its gateway may have sent it before the worker died. The
        # outbox's own sweep decides (notify.notifications_sweep_lost).
        jobs.lease(notify.deliver, duration=notify.DELIVERY_LEASE)
        jobs.register_sweep("core.notifications", notify.notifications_sweep_lost)
