import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from minqing.hotspots.services import dupindex_rebuild


class Command(BaseCommand):
    help = "重建诉求相似索引（补录历史诉求；删除早已办结诉求的索引）。可重复执行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="只重建该日期（YYYY-MM-DD）以后登记的诉求")

    def handle(self, *args: Any, **options: Any) -> None:
        since = datetime.date.fromisoformat(options["since"]) if options["since"] else None
        done, dropped = dupindex_rebuild(
            since=since, progress=lambda n: self.stdout.write(_("已索引 %(n)d 件") % {"n": n})
        )
        self.stdout.write(
            _("完成：索引 %(done)d 件，删除过期索引 %(dropped)d 行。") % {"done": done, "dropped": dropped}
        )
