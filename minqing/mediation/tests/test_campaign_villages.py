"""A 大排查 of some villages (along a new road, around a demolition): who sees it, who reports, what it counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from minqing.audit.models import AuditEntry
from minqing.core.errors import ServiceError, ValidationError
from minqing.mediation import selectors, services
from minqing.mediation.models import Campaign, CampaignVillage, VillageOutcome

from .helpers import dispute

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _road_campaign(people, tree) -> Campaign:
    return services.campaign_create(
        actor=people.officer,
        region=tree.township,
        title="新修道路沿线排查",
        starts_on=TODAY,
        ends_on=TODAY,
        villages=[tree.zhangzhuang],
        area="沿新修S219道路两侧",
    )


def test_a_campaign_of_chosen_villages_owes_reports_from_those_only(tree, people):
    c = _road_campaign(people, tree)
    assert list(c.villages.values_list("village", flat=True)) == [tree.zhangzhuang.pk]
    assert c.area == "沿新修S219道路两侧"
    progress = selectors.campaign_progress(actor=people.officer, campaign=c)
    assert progress.covered == 1 and [r.report.village for r in progress.rows] == [tree.zhangzhuang]
    with pytest.raises(ServiceError, match="不在这次大排查的范围内"):
        services.campaign_village_report(
            actor=people.officer,
            campaign=c,
            village=tree.leiji,
            outcome=VillageOutcome.NONE_FOUND,
            checked_items=c.checklist,
        )
    note = AuditEntry.objects.filter(object_type__icontains="campaign").latest("id").note
    assert "部分村" in note and "张庄村" in note


def test_a_dispute_of_a_village_outside_the_campaign_cannot_be_counted_in_it(tree, people):
    c = _road_campaign(people, tree)
    with pytest.raises(ValidationError) as exc:
        dispute(people.cadre_leiji, tree.leiji, campaign=c, households=(None, None), parties=[])
    assert "campaign" in exc.value.message_dict
    dispute(people.cadre, tree.zhangzhuang, campaign=c)
    assert CampaignVillage.objects.get(campaign=c).outcome == VillageOutcome.FOUND


def test_choosing_no_village_or_one_of_another_township_is_refused(tree, people):
    for villages, message in (([], "请至少选择一个村"), ([tree.other_village], "不在该乡镇")):
        with pytest.raises(ValidationError, match=message):
            services.campaign_create(
                actor=people.officer,
                region=tree.township,
                title="排查",
                starts_on=TODAY,
                ends_on=TODAY,
                villages=villages,
            )
    assert not Campaign.objects.exists()


def test_only_cadres_of_a_covered_village_see_the_campaign(client, tree, people):
    c = _road_campaign(people, tree)
    url = reverse("mediation:campaign", args=[c.pk])
    client.force_login(people.cadre)
    assert client.get(url).status_code == 200
    for user in (people.cadre_leiji, people.outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
        assert c.title not in client.get(reverse("mediation:campaigns")).content.decode()


def test_the_form_opens_a_campaign_of_some_villages_with_its_area(client, tree, people):
    client.force_login(people.officer)
    page = client.get(reverse("mediation:campaign_new")).content.decode()
    assert "部分村" in page and "雷集村" in page and "堌阳村" not in page
    data = {
        "region": tree.township.pk,
        "title": "拆迁片区周边排查",
        "starts_on": TODAY.isoformat(),
        "ends_on": TODAY.isoformat(),
        "coverage": "some",
        "area": "拆迁片区周边",
        "checklist": "征地拆迁\n邻里纠纷",
    }
    refused = client.post(reverse("mediation:campaign_new"), data)
    assert refused.status_code == 200 and "请至少选择一个村" in refused.content.decode()
    assert not Campaign.objects.exists()
    r = client.post(reverse("mediation:campaign_new"), {**data, "villages": [tree.leiji.pk]})
    c = Campaign.objects.get()
    assert r.status_code == 302 and [v.village for v in c.villages.all()] == [tree.leiji]
    body = client.get(reverse("mediation:campaign", args=[c.pk])).content.decode()
    assert "拆迁片区周边" in body and "已报告 0/1 个村" in body


def test_the_whole_township_is_still_the_default(client, tree, people):
    client.force_login(people.officer)
    data = {
        "region": tree.township.pk,
        "title": "全镇排查",
        "starts_on": TODAY.isoformat(),
        "ends_on": TODAY.isoformat(),
        "coverage": "all",
        "villages": [tree.leiji.pk],
        "checklist": "征地拆迁",
    }
    client.post(reverse("mediation:campaign_new"), data)
    assert Campaign.objects.get().villages.count() == 2
