import datetime
import secrets
import time
from collections.abc import Callable

from minqing.accounts.models import User
from minqing.core.tests.factories import HouseholdFactory
from minqing.households.models import DifficultyTag, Household
from minqing.regions.models import Region
from minqing.visits.services import VisitInput, visit_log


def household(village: Region, name: str = "张建国", *, tag: str | None = None) -> Household:
    h = HouseholdFactory(region=village, head_name=name)
    if tag:
        t, _ = DifficultyTag.objects.get_or_create(name=tag, defaults={"applies_to": "household"})
        h.tags.add(t)
    return h


def log(
    actor: User,
    village: Region,
    on: datetime.date,
    *,
    days: int = 1,
    nights: int = 0,
    households: list[Household] = (),  # type: ignore[assignment]
    key: str | None = None,
    heard: str = "",
):
    return visit_log(
        actor=actor,
        data=VisitInput(
            village=village,
            visited_on=on,
            client_key=key or secrets.token_hex(16),
            days=days,
            nights=nights,
            heard=heard,
            household_ids=[h.pk for h in households],
            no_households=not households,
        ),
    )


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Poll the database from a browser test until the page's script has done its work."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False
