from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.core import schedule
from minqing.hotspots.tasks import compute_hotspots


class Command(BaseCommand):
    help = (
        "把每日热点计算放入任务队列（由 minqing db_worker 执行，此后每天早上自动排下一次）。"
        "minqing schedule 一并排入所有定期任务。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not schedule.start(compute_hotspots):
            self.stdout.write(_("每日热点计算已在队列中。"))
            return
        self.stdout.write(_("已排入每日热点计算。"))
