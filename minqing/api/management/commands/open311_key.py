from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from minqing.api import selectors, services
from minqing.core.errors import ValidationError


class Command(BaseCommand):
    help = "为 Open311 接入方生成密钥并打印（只显示这一次）。默认辖区：系统中唯一的乡镇。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="接入方名称（唯一），记入诉求的接口来源")
        parser.add_argument("--region", default="", help="辖区的 12 位区划代码（有多个乡镇时必填）")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["region"]
        if code:
            region = selectors.region_by_code(code)
            if region is None:
                raise CommandError(_("区划代码 %(code)s 不存在或已停用。") % {"code": code})
        else:
            region = selectors.default_jurisdiction()
            if region is None:
                raise CommandError(_("系统中不止一个乡镇（或没有乡镇），请用 --region 指定辖区。"))
        try:
            key, raw = services.api_key_create(actor=None, name=options["name"], region=region)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stderr.write(
            _("已为“%(name)s”创建密钥（辖区：%(region)s %(code)s）。请妥善保存，此后无法再次查看：")
            % {"name": key.name, "region": region.name, "code": region.code}
        )
        self.stdout.write(raw)
