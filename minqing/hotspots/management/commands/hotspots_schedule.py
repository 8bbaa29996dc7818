from typing import Any

from django.core.management.base import BaseCommand
from django.tasks import task_backends
from django.utils.translation import gettext as _

from minqing.hotspots.tasks import compute_hotspots


def _already_queued() -> bool:
    """On the database queue, is a run waiting (now or deferred)? Other backends cannot be asked."""
    if type(task_backends["default"]).__module__.split(".")[0] != "django_tasks_db":
        return False
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING], task_path=compute_hotspots.module_path
    ).exists()


class Command(BaseCommand):
    help = "把每日热点计算放入任务队列（由 minqing db_worker 执行，此后每天早上自动排下一次）。"

    def handle(self, *args: Any, **options: Any) -> None:
        if _already_queued():
            self.stdout.write(_("每日热点计算已在队列中。"))
            return
        compute_hotspots.enqueue(reschedule=True)
        self.stdout.write(_("已排入每日热点计算。"))
