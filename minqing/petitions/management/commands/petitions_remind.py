from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.petitions import services


class Command(BaseCommand):
    help = "提醒即将到期的诉求，超期诉求向乡镇领导督办（每天运行一次；同一天重复运行不会重复提醒）。"

    def handle(self, *args: Any, **options: Any) -> None:
        run = services.petitions_remind()
        self.stdout.write(_("已提醒 %(r)d 件，超期督办 %(e)d 件。") % {"r": run.reminded, "e": run.escalated})
