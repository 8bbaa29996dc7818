"""What the dispute pages share: the query string's numbers, and the shape of a step on the dispute page."""

from collections.abc import Callable
from typing import Any

from minqing.core.request import AuthedRequest

from ..models import Dispute

# A step on the dispute page: (form class, prefix, the call with the bound form, the success message).
Call = Callable[[AuthedRequest, Dispute, Any], object]
Step = tuple[type, str, Call, str]


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def cleaned(form: Any) -> dict[str, Any]:
    return dict(form.cleaned_data)
