import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core import jobs
from minqing.core.menu import item

IMPORT_TASK_LEASE = datetime.timedelta(hours=6)


class HouseholdsConfig(AppConfig):
    name = "minqing.households"
    menu = (
        item(10, _("民情档案"), "households:list", "view_households"),
        item(70, _("导入"), "households:import", "import_households"),
    )
    label = "households"

    def ready(self) -> None:
        from .imports import engine
        from .tasks import apply_import, validate_import

        # The job's own heartbeat finds a dead worker (engine.STALE_AFTER); the queue row only needs a lease
        # longer than the largest import, and is never run again on its own: the uploader retries.
        jobs.lease(validate_import, duration=IMPORT_TASK_LEASE)
        jobs.lease(apply_import, duration=IMPORT_TASK_LEASE)
        jobs.register_sweep("households.imports", lambda now: engine.import_jobs_sweep_stale(now=now))
