"""System checks of the text-intelligence app. Imported from TextintelConfig.ready()."""

from typing import Any

from django.core.checks import CheckMessage, register
from django.core.checks import Warning as CheckWarning
from django.db import DatabaseError


@register()
def active_model_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """textintel.W001: the active category model cannot be loaded, so category suggestions are off."""
    from django.db import connection

    from . import engine
    from .models import TextModel

    try:
        if TextModel._meta.db_table not in connection.introspection.table_names():
            return []  # before migrate: nothing to check yet
        state, message = engine.status()
    except DatabaseError:  # tables not there yet (before migrate): nothing to check
        return []
    if state != "broken":
        return []
    return [
        CheckWarning(
            f"分类建议已关闭：在用的文本模型无法加载（{message}）。",
            hint="minqing textintel train --csv FILE 重新训练，或 minqing textintel activate VERSION 切回可用版本。",
            id="textintel.W001",
        )
    ]
