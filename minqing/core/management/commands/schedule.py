"""minqing schedule — start every periodic task's cycle (the apps register them with core.schedule.periodic)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.core import jobs, schedule


class Command(BaseCommand):
    help = "把各项定期任务放入任务队列（由 minqing db_worker 执行，此后各自按时排下一次）；已在队列中的不重复排入。"

    def handle(self, *args: Any, **options: Any) -> None:
        # After a crash, a cycle whose run was killed still looks queued (its row says running): sweep first.
        lost = jobs.sweep()
        if any(lost.values()):
            self.stdout.write(_("已处理任务进程停止时遗留的任务：%(counts)s。") % {"counts": lost})
        for entry in schedule.registered():
            if schedule.start(entry.task):
                self.stdout.write(_("已排入定期任务 %(name)s。") % {"name": entry.name})
            else:
                self.stdout.write(_("定期任务 %(name)s 已在队列中。") % {"name": entry.name})
