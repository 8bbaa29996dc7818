"""minqing notifications_retry — send again failed messages of the outbox (core.Notification)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from minqing.core import notify
from minqing.core.models import Notification


class Command(BaseCommand):
    help = "重发发送失败的短信/邮件（例如任务进程停止时中断的投递，核实未发出后）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="消息编号；不填则重发全部发送失败的消息")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options["ids"] or list(
            Notification.objects.filter(state=Notification.State.FAILED).values_list("pk", flat=True)
        )
        n = notify.notifications_retry(ids=ids)
        self.stdout.write(_("已重新排入 %(n)d 条消息。") % {"n": n})
