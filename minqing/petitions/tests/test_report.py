"""The closure report: the four 80% shares, solving level, satisfaction and on-time rate, region-scoped."""

import pytest
from django.urls import reverse

from minqing.petitions import selectors, services
from minqing.petitions.models import HandlingLevel, Satisfaction

from .factories import category, register

pytestmark = pytest.mark.django_db


def _closed(actor, region, *, justified: bool, level: str, phone: str, cat: str = "minzheng-dibao"):
    p = register(actor, region, submitter_phone=phone, category=category(cat))
    p = services.petition_accept(actor=actor, petition=p, version=p.version)
    p = services.petition_reply(actor=actor, petition=p, version=p.version, text="已答复")
    p = services.petition_follow_up(
        actor=actor, petition=p, version=p.version, method="phone", satisfaction=Satisfaction.SATISFIED
    )
    return services.petition_close(
        actor=actor,
        petition=p,
        version=p.version,
        judgements=services.Judgements(False, justified, True, True, level),
    )


def test_shares_per_village_and_in_total(tree, people):
    _closed(people.cadre, tree.zhangzhuang, justified=True, level=HandlingLevel.VILLAGE, phone="13800000001")
    _closed(people.cadre, tree.zhangzhuang, justified=False, level=HandlingLevel.VILLAGE, phone="13800000002")
    _closed(people.cadre_leiji, tree.leiji, justified=True, level=HandlingLevel.VILLAGE, phone="13800000003")
    import datetime

    today = datetime.date.today()
    total, rows = selectors.closure_report(
        actor=people.officer, group="village", date_from=today, date_to=today
    )
    assert total.closed == 3 and total.shares["justified"] == 66.7 and total.shares["village"] == 100.0
    assert total.shares["satisfied"] == 100.0 and total.shares["on_time"] == 100.0
    by_village = {r.label: r for r in rows}
    assert by_village["张庄村"].closed == 2 and by_village["张庄村"].shares["justified"] == 50.0
    # The village cadre of 雷集村 counts only his own village.
    total, _rows = selectors.closure_report(
        actor=people.cadre_leiji, group="village", date_from=today, date_to=today
    )
    assert total.closed == 1


def test_report_page_groups_by_category_and_hides_other_townships(client, tree, people):
    _closed(people.cadre, tree.zhangzhuang, justified=True, level=HandlingLevel.VILLAGE, phone="13800000001")
    client.force_login(people.officer)
    body = client.get(reverse("petitions:report"), {"group": "category"}).content.decode()
    assert "民政救助" in body
    client.force_login(people.outsider)
    body = client.get(reverse("petitions:report"), {"group": "category"}).content.decode()
    assert "民政救助" not in body and "该期间没有办结的诉求" in body
