import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core import jobs

DRAIN_LEASE = datetime.timedelta(minutes=10)  # a drain files at most 500 submissions: well under a minute


class ApiConfig(AppConfig):
    name = "minqing.api"
    label = "api"
    verbose_name = _("接口")

    def ready(self) -> None:
        from . import (
            auth,  # noqa: F401  (registers the token scheme with drf-spectacular)
            services,
        )
        from .tasks import open311_drain

        # A drain files each submission once under its row lock: a drain killed half-way is simply run again.
        jobs.lease(open311_drain, duration=DRAIN_LEASE, rerun=True)
        jobs.register_sweep("api.open311", services.open311_sweep_waiting)
