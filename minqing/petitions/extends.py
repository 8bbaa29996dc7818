"""Petitions' panels on lower pages (minqing.core.panels), registered in `PetitionsConfig.ready()`."""

from typing import Any

from minqing.accounts.models import User
from minqing.core import panels
from minqing.households.models import Household
from minqing.regions.scoping import Perm, has_perm

from .selectors import petition_list_for_household


def _household(user: User, h: Household) -> dict[str, Any]:
    return {
        "petitions": petition_list_for_household(actor=user, household_id=h.pk)[:20],
        "can_intake": has_perm(user, Perm.INTAKE_PETITIONS, h.region_path),
    }


def register() -> None:
    panels.register(
        panels.HOUSEHOLD, panels.Panel("petitions", "petitions/_household_petitions.html", 10, _household)
    )
