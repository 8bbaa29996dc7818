"""The demo township's disputes: a campaign partly reported, disputes at every risk level, and agreements in and
past the judicial-confirmation window and performed."""

import datetime

import pytest

from minqing.accounts.demo import demo_staff_create
from minqing.households.demo.generate import demo_generate
from minqing.mediation.demo import demo_mediation
from minqing.mediation.models import (
    Agreement,
    CampaignVillage,
    Dispute,
    DisputeStatus,
    Performance,
    VillageOutcome,
)
from minqing.regions.models import Region
from minqing.regions.services import regions_load
from minqing.site.demo import DEMO_TOWNSHIP, _villages_under

pytestmark = pytest.mark.django_db


def test_demo_mediation_covers_the_states_the_pages_show(settings):
    regions_load(prefix="410225", data_dir=settings.MINQING_DIVISIONS_DIR)
    township = Region.objects.get(code=DEMO_TOWNSHIP.ljust(12, "0"))
    demo_staff_create(county=township.parent, township=township)
    demo_generate(villages=_villages_under(township, 3), households=90, seed=5)
    today = datetime.date.today()
    result = demo_mediation(township=township, seed=5, as_of=today)
    assert result.disputes == Dispute.objects.count() == 20
    assert len(set(Dispute.objects.values_list("risk_level", flat=True))) >= 3
    reports = CampaignVillage.objects.all()
    reported = reports.exclude(outcome=VillageOutcome.PENDING).count()
    assert 0 < reported < reports.count()
    effective = Agreement.objects.filter(effective_on__isnull=False, form="written")
    assert any(
        a.judicial_applied_on is None and 0 <= (a.judicial_days_left(today) or -1) <= 30 for a in effective
    )
    assert effective.filter(judicial_late=True).exclude(judicial_note="").exists()
    assert effective.filter(
        performance=Performance.FULFILLED, dispute__status=DisputeStatus.RESOLVED
    ).exists()
    assert Dispute.objects.filter(petition__isnull=False).exists()
    for d in Dispute.objects.all():  # the timeline is dated by the steps, not by when the demo ran
        events = list(d.events.values_list("at", flat=True))
        assert events == sorted(events) and events[0].date() == d.found_on
    # Running it again adds disputes but no second campaign.
    demo_mediation(township=township, seed=6, as_of=today, count=2)
    assert CampaignVillage.objects.count() == reports.count()
