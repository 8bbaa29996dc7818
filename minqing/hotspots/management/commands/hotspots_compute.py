import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from minqing.hotspots.services import WINDOW_DAYS, hotspots_compute


class Command(BaseCommand):
    help = "计算各乡镇当前热点（近 30 天同类诉求聚类，与上一个 30 天比较），并发出增长与关注词预警。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="以该日期为统计截止日（YYYY-MM-DD），默认今天")
        parser.add_argument("--window", type=int, default=WINDOW_DAYS, help="统计窗口天数")
        parser.add_argument("--township", default="", help="只计算该乡镇（区划路径，如 410225106）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = datetime.date.fromisoformat(options["date"]) if options["date"] else None
        run = hotspots_compute(today=today, window=options["window"], township_path=options["township"])
        self.stdout.write(
            _("%(t)d 个乡镇，%(h)d 个热点，新预警 %(w)d 条。")
            % {"t": run.townships, "h": run.hotspots, "w": run.warnings}
        )
