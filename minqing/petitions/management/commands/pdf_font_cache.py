from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minqing.core.errors import ServiceError
from minqing.printing.pdf import build_compact_font, compact_coverage, compact_path, find_font


class Command(BaseCommand):
    help = "为打印告知书准备精简中文字体（约需 1 分钟，只需运行一次；之后每份文书生成约 0.3 秒）。"

    def handle(self, *args: Any, **options: Any) -> None:
        face = find_font()
        if face is None:
            raise CommandError(_("未找到中文字体：请安装 fonts-noto-cjk 或设置 MINQING_PDF_FONT。"))
        target = compact_path(face)
        if compact_coverage(target) is not None:
            self.stdout.write(_("精简字体已就绪：%(path)s") % {"path": target})
            return
        try:
            path = build_compact_font(face, target=target)
        except (ServiceError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("已生成精简字体：%(path)s") % {"path": path})
