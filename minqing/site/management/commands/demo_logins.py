import unicodedata
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.accounts.demo import demo_logins
from minqing.api.models import ApiKey
from minqing.site.demo import DEMO_OPEN311_CLIENT, DEMO_OPEN311_KEY, DEMO_URL


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal; pad by display width, not by len().
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "列出演示账号（用户名、角色、辖区、密码）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default=DEMO_URL, help="服务地址（make run 会传入实际地址）")

    def handle(self, *args: Any, **options: Any) -> None:
        url = options.get("url") or DEMO_URL
        if not url.endswith("/"):
            url += "/"
        rows = demo_logins()
        if not rows:
            self.stdout.write(_("尚无演示账号，请先运行 minqing demo_load。"))
            return
        header = (_("用户名"), _("姓名"), _("角色"), _("辖区"), _("密码"))
        table = [header, *rows]
        widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
        for n, row in enumerate(table):
            self.stdout.write("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(_("登录地址：%(url)s") % {"url": url})
        self.stdout.write(_("群众自助页面：%(url)sp/") % {"url": url})
        if ApiKey.objects.filter(name=DEMO_OPEN311_CLIENT, is_active=True).exists():
            self.stdout.write(
                _("Open311 接口：%(url)sopen311/v2/services.json ，演示密钥 api_key=%(key)s")
                % {"url": url, "key": DEMO_OPEN311_KEY}
            )
