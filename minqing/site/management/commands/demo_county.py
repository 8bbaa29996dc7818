import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _

from minqing.core.errors import ServiceError
from minqing.households.demo.plan import DEFAULT_SEED
from minqing.site.demo import COUNTY_HOUSEHOLDS, demo_county


class Command(BaseCommand):
    help = (
        "生成县级压测数据：兰考县全部乡镇和村（约470个），默认30万户、约90万人。"
        "建议用单独的数据库（设置 DATABASE_URL 或 MINQING_VAR_DIR）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子（相同种子生成相同数据）")
        parser.add_argument("--households", type=int, default=COUNTY_HOUSEHOLDS, help="生成的户数")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        self.stdout.write(
            _("正在生成 %(n)d 户（数据库：%(db)s）……")
            % {"n": options["households"], "db": connection.settings_dict["NAME"]}
        )
        try:
            result = demo_county(
                seed=options["seed"], households=options["households"], progress=self.stdout.write
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "县级压测数据已生成：%(v)d 个村、%(g)d 个村民小组、%(h)d 户、%(r)d 人、过结 %(f)d 起，"
                    "总用时 %(s).1f 秒。"
                )
                % {
                    "v": result.villages,
                    "g": result.groups,
                    "h": result.households,
                    "r": result.residents,
                    "f": result.feuds,
                    "s": time.monotonic() - started,
                }
            )
        )
