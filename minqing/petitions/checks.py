"""System checks of the petitions app. Imported from PetitionsConfig.ready()."""

from typing import Any

from django.core.checks import CheckMessage, register
from django.core.checks import Warning as CheckWarning

from minqing.printing.pdf import font_problem


@register()
def pdf_font_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """petitions.W001: without a CJK font no notice (告知书/意见书) can be printed."""
    problem = font_problem()
    if not problem:
        return []
    return [
        CheckWarning(
            problem,
            hint="apt-get install fonts-noto-cjk, or set MINQING_PDF_FONT=/path/to/font.ttc[#index]",
            id="petitions.W001",
        )
    ]
