from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from minqing.api import selectors, services
from minqing.core.errors import ValidationError


class Command(BaseCommand):
    help = "为工作人员生成接口令牌并打印（只显示这一次）；令牌的权限即该账号的角色权限。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="工作人员账号")

    def handle(self, *args: Any, **options: Any) -> None:
        user = selectors.user_by_username(options["username"])
        if user is None:
            raise CommandError(_("账号 %(u)s 不存在。") % {"u": options["username"]})
        try:
            _token, raw = services.staff_token_create(actor=None, user=user)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stderr.write(_("已为 %(u)s 创建接口令牌。请妥善保存，此后无法再次查看：") % {"u": user.username})
        self.stdout.write(raw)
