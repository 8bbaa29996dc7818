from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.workcal.selectors import unknown_years
from minqing.workcal.services import calendar_sync_from_package


class Command(BaseCommand):
    help = "从已安装的 chinesecalendar 同步节假日与调休安排（升级该软件包后运行；不覆盖管理员录入的日期）。"

    def handle(self, *args: Any, **options: Any) -> None:
        result = calendar_sync_from_package()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "chinesecalendar %(v)s 覆盖 %(a)d–%(b)d 年：新增 %(c)d 天，更新 %(u)d 天，删除 %(d)d 天，"
                    "新增年度 %(y)s。"
                )
                % {
                    "v": result.version,
                    "a": result.first_year,
                    "b": result.last_year,
                    "c": result.created,
                    "u": result.updated,
                    "d": result.deleted,
                    "y": "、".join(str(y) for y in result.years_added) or _("无"),
                }
            )
        )
        if result.admin_differs:
            self.stdout.write(
                self.style.WARNING(
                    _("以下日期管理员的设置与软件包不同，已保留管理员的设置，请核对：%(days)s")
                    % {"days": "、".join(d.isoformat() for d in result.admin_differs)}
                )
            )
        today = timezone.localdate()
        missing = unknown_years([today.year, today.year + 1])
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    _("%(years)s的放假安排仍未录入，请系统管理员在“配置 → 工作日历”中录入。")
                    % {"years": "、".join(_("%(year)d年") % {"year": y} for y in missing)}
                )
            )
