"""Mediation's panels on lower pages (minqing.core.panels), registered in `MediationConfig.ready()`."""

from typing import Any

from minqing.accounts.models import User
from minqing.core import panels
from minqing.households.models import Household
from minqing.regions.scoping import Perm, has_perm

from .selectors import disputes_for_household


def _household(user: User, h: Household) -> dict[str, Any]:
    return {
        "disputes": disputes_for_household(user, h)[:20],
        "can_record_dispute": has_perm(user, Perm.RECORD_DISPUTES, h.region_path),
    }


def register() -> None:
    panels.register(
        panels.HOUSEHOLD, panels.Panel("disputes", "mediation/_household_disputes_card.html", 30, _household)
    )
