from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from minqing.core.errors import ServiceError
from minqing.households.demo.plan import DEFAULT_SEED
from minqing.households.models import Household
from minqing.regions.models import subtree_q
from minqing.site.demo import DEMO_HOUSEHOLDS, DEMO_TOWNSHIP, demo_load


class Command(BaseCommand):
    help = "加载演示数据：兰考县行政区划，东坝头镇约6000户、18000人，以及各角色的演示账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子（相同种子生成相同数据）")
        parser.add_argument(
            "--if-empty", action="store_true", help="数据库中已有户数据时什么也不做（适合启动脚本）"
        )
        parser.add_argument("--households", type=int, default=DEMO_HOUSEHOLDS, help="生成的户数")
        parser.add_argument("--villages", type=int, default=None, help="只在前若干个村生成户（调试用）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Household.objects.exists():
            self.stdout.write(_("数据库中已有户数据，未加载演示数据。"))
            return
        if Household.objects.filter(subtree_q(DEMO_TOWNSHIP)).exists():
            raise CommandError(
                _(
                    "东坝头镇已有户数据，不能重复加载演示数据。请换用空数据库（如设置 MINQING_VAR_DIR），或加 --if-empty。"
                )
            )
        try:
            result = demo_load(
                seed=options["seed"],
                households=options["households"],
                village_limit=options["villages"],
                progress=self.stdout.write,
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "演示数据已加载：%(v)d 个村、%(g)d 个村民小组、%(h)d 户、%(r)d 人、过结 %(f)d 起、"
                    "其他户间关系 %(o)d 条，用时 %(s).1f 秒。"
                )
                % {
                    "v": result.villages,
                    "g": result.groups,
                    "h": result.households,
                    "r": result.residents,
                    "f": result.feuds,
                    "o": result.relations,
                    "s": result.seconds,
                }
            )
        )
        self.stdout.write(_("运行 minqing demo_logins 查看演示账号。"))
