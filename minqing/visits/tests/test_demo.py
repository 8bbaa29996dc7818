"""The demo township's field work: rules in force, diaries that show both diligent cadres and a 走读 one."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings

from minqing.accounts.demo import demo_staff_create
from minqing.accounts.models import User
from minqing.households.demo.generate import demo_generate
from minqing.regions.models import Region
from minqing.regions.services import regions_load
from minqing.site.demo import DEMO_TOWNSHIP
from minqing.visits import selectors
from minqing.visits.demo import demo_visits
from minqing.visits.models import Visit

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (Path(settings.MINQING_DIVISIONS_DIR) / "villages.csv").is_file(),
        reason="npm ci has not been run",
    ),
]
AS_OF = datetime.date(2026, 11, 20)


def test_demo_diaries_show_a_walk_in_liaison_and_a_resident_one(settings):
    regions_load(prefix="410225", data_dir=settings.MINQING_DIVISIONS_DIR)
    township = Region.objects.get(code=DEMO_TOWNSHIP.ljust(12, "0"))
    demo_staff_create(county=township.parent, township=township)
    villages = list(Region.objects.filter(parent=township).order_by("path")[:2])
    demo_generate(villages=villages, households=40, seed=3, as_of=AS_OF, recorded_by=None)
    result = demo_visits(township=township, seed=3, as_of=AS_OF)
    assert result.visits > 100 and result.rules == 8 and result.courses == 3
    assert not Visit.objects.filter(visited_on__gt=AS_OF).exists()
    leader = User.objects.get(username="leader")
    table = selectors.compliance(leader, township, datetime.date(2026, 10, 1))
    rows = {r.cadre.username: r for r in table.rows}
    assert rows["liaison2"].walk_in
    assert not rows["liaison"].walk_in
    # Run again: nothing is doubled.
    again = demo_visits(township=township, seed=3, as_of=AS_OF)
    assert (again.visits, again.rules, again.courses) == (0, 0, 0)
