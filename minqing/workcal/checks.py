"""`minqing check` reminds the system administrator to enter the coming year's holiday schedule."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Info, Warning, register
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from .selectors import unknown_years


def calendar_messages(today: datetime.date) -> list[CheckMessage]:
    """A Warning when this year's schedule is unknown (deadlines are being guessed now), an Info for next year.

    Next year is only an Info: the State Council publishes it around November, so for weeks every year it is
    legitimately missing and `check --deploy --fail-level WARNING` must still pass.
    """
    missing = unknown_years([today.year, today.year + 1])
    messages: list[CheckMessage] = []
    if today.year in missing:
        messages.append(
            Warning(
                _("%(year)d年的节假日安排尚未录入，跨入该年的办理期限只按周末推算，可能不准确。")
                % {"year": today.year},
                hint=_(
                    "请系统管理员在“配置 → 工作日历”中录入%(year)d年的放假和调休安排，并标记为已完整录入；"
                    "或升级 chinesecalendar 后运行 minqing workcal_sync。"
                )
                % {"year": today.year},
                id="workcal.W001",
            )
        )
    if today.year + 1 in missing:
        messages.append(
            Info(
                _("%(year)d年的节假日安排尚未录入。") % {"year": today.year + 1},
                hint=_(
                    "国务院办公厅通常在每年11月前后公布下一年的放假安排；公布后请系统管理员在“配置 → 工作日历”中"
                    "录入并标记为已完整录入，或升级 chinesecalendar 后运行 minqing workcal_sync。"
                ),
                id="workcal.I001",
            )
        )
    return messages


@register()
def check_calendar_years(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    if app_configs is not None and not any(app.label == "workcal" for app in app_configs):
        return []
    try:
        return calendar_messages(timezone.localdate())
    except DatabaseError:
        # Not migrated yet (or no database reachable): `migrate` seeds the calendar, nothing to report.
        return []
