"""Mediation's panels on lower pages (minqing.core.panels), registered in `MediationConfig.ready()`: the
household's disputes on its page, and on a request's page the disputes it became or came from."""

from typing import Any

from minqing.accounts.models import User
from minqing.core import panels
from minqing.households.models import Household
from minqing.petitions.models import Petition
from minqing.regions.models import Level
from minqing.regions.scoping import Perm, has_perm

from .selectors import dispute_list_for_household, dispute_qs


def _household(user: User, h: Household) -> dict[str, Any]:
    return {
        "disputes": dispute_list_for_household(actor=user, household=h)[:20],
        "can_record_dispute": has_perm(user, Perm.RECORD_DISPUTES, h.region_path),
    }


def _petition(user: User, p: Petition) -> dict[str, Any]:
    """The disputes this request became or came from, and whether the user may turn it into one (转为矛盾纠纷)."""
    return {
        "disputes": list(dispute_qs(actor=user).filter(petition=p)),
        "can_to_dispute": has_perm(user, Perm.RECORD_DISPUTES, p.region_path)
        and p.region.level >= Level.VILLAGE,
    }


def register() -> None:
    panels.register(
        panels.HOUSEHOLD, panels.Panel("disputes", "mediation/_household_disputes_card.html", 30, _household)
    )
    panels.register(
        panels.PETITION_SIDE, panels.Panel("disputes", "mediation/_petition_disputes.html", 10, _petition)
    )
