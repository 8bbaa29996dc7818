"""Visits' panels on lower pages (minqing.core.panels), registered in `VisitsConfig.ready()`."""

from typing import Any

from minqing.accounts.models import User
from minqing.core import panels
from minqing.households.models import Household

from .selectors import household_visits


def _household(user: User, h: Household) -> dict[str, Any]:
    visits, knowers = household_visits(user, h)
    return {"visits": visits, "knowers": knowers}


def register() -> None:
    panels.register(panels.HOUSEHOLD, panels.Panel("visits", "visits/_household_visits.html", 20, _household))
