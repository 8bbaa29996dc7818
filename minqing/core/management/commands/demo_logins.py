import unicodedata
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.core.demo import DEMO_URL, demo_logins


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal; pad by display width, not by len().
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "列出演示账号（用户名、角色、辖区、密码）。"

    def handle(self, *args: Any, **options: Any) -> None:
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
        self.stdout.write(_("登录地址：%(url)s") % {"url": DEMO_URL})
