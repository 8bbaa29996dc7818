from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.core import schedule
from minqing.petitions.tasks import remind_due_petitions


class Command(BaseCommand):
    help = (
        "把每日诉求期限提醒放入任务队列（由 minqing db_worker 执行，此后每天早上自动排下一次）。"
        "minqing schedule 一并排入所有定期任务。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not schedule.start(remind_due_petitions):
            self.stdout.write(_("每日诉求期限提醒已在队列中。"))
            return
        self.stdout.write(_("已排入每日诉求期限提醒。"))
