"""The demo township's requests: every state present, deadlines consistent with the working calendar."""

import datetime

import pytest

from minqing.accounts.demo import demo_staff_create
from minqing.petitions.demo import demo_petitions
from minqing.petitions.models import Petition, ReceptionDay, Status
from minqing.regions.models import Region
from minqing.regions.services import regions_load
from minqing.site.demo import DEMO_TOWNSHIP
from minqing.workcal.selectors import work_calendar

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 20)


def test_demo_requests_cover_every_state_with_consistent_dates(settings):
    regions_load(prefix="410225", data_dir=settings.MINQING_DIVISIONS_DIR)
    township = Region.objects.get(code=DEMO_TOWNSHIP.ljust(12, "0"))
    demo_staff_create(county=township.parent, township=township)
    result = demo_petitions(township=township, seed=3, count=80, as_of=AS_OF)
    assert result.petitions == 80
    statuses = set(Petition.objects.values_list("status", flat=True))
    assert {Status.REGISTERED, Status.ACCEPTED, Status.REPLIED, Status.CLOSED} <= statuses
    cal = work_calendar()
    for p in Petition.objects.all():
        assert p.registered_on <= AS_OF
        assert p.accept_due == cal.add_working_days(p.registered_on, 15).due
        if p.accepted_on:
            assert p.registered_on <= p.accepted_on <= AS_OF
        events = list(p.events.values_list("at", flat=True))
        assert events == sorted(events)
    assert ReceptionDay.objects.filter(date__gt=AS_OF).exists()
