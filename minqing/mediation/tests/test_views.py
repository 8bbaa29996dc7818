"""The pages: every endpoint renders for those who may see it and is a 404 for an officer of another township."""

import datetime
import io

import pytest
from django.urls import reverse

from minqing.households.tests.helpers import family
from minqing.mediation import services
from minqing.mediation.models import (
    AgreementForm,
    Campaign,
    CampaignVillage,
    Dispute,
    DisputeParty,
    DisputeStatus,
    MediationStatus,
    Side,
    VillageOutcome,
)
from minqing.petitions.tests.factories import register

from .helpers import agreement_data, dispute, effective_agreement, mediating, png_bytes, two_households

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def step(client, d: Dispute, name: str, data: dict, **extra):
    return client.post(reverse("mediation:step", args=[d.pk, name]), data, **extra)


# --- Leaks -------------------------------------------------------------------------------------------------


def test_outsider_gets_404_on_every_dispute_endpoint(client, tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    effective_agreement(people.mediator, d)
    c = services.campaign_create(
        actor=people.officer, region=tree.township, title="大排查", starts_on=TODAY, ends_on=TODAY
    )
    client.force_login(people.outsider)
    for url in (
        reverse("mediation:detail", args=[d.pk]),
        reverse("mediation:agreement_pdf", args=[d.pk]),
        reverse("mediation:agreement_scan", args=[d.pk]),
        reverse("mediation:campaign", args=[c.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for name in ("party", "risk", "start", "session", "close", "topetition", "follow", "judicial"):
        assert step(client, d, name, {}).status_code == 404, name
    assert (
        client.post(reverse("mediation:campaign_report", args=[c.pk, tree.zhangzhuang.pk]), {}).status_code
        == 404
    )
    assert client.post(reverse("mediation:campaign_close", args=[c.pk])).status_code == 404
    page = client.get(reverse("mediation:list"))
    assert page.status_code == 200 and d.title not in page.content.decode()


def test_outsider_finds_no_household_of_another_township_in_the_party_picker(client, tree, people):
    family(people.cadre, tree.zhangzhuang, "王建军", members=0)
    client.force_login(people.outsider)
    page = client.get(reverse("mediation:party_search"), {"q": "王建军"})
    assert page.status_code == 200 and "party-row" not in page.content.decode()
    client.force_login(people.cadre)
    assert "王建军" in client.get(reverse("mediation:party_search"), {"q": "wjj"}).content.decode()


def test_a_cadre_of_another_village_gets_404_and_cannot_report_for_it(client, tree, people):
    d = dispute(people.cadre, tree.zhangzhuang)
    c = services.campaign_create(
        actor=people.officer, region=tree.township, title="大排查", starts_on=TODAY, ends_on=TODAY
    )
    client.force_login(people.cadre_leiji)
    assert client.get(reverse("mediation:detail", args=[d.pk])).status_code == 404
    r = client.post(
        reverse("mediation:campaign_report", args=[c.pk, tree.zhangzhuang.pk]),
        {"outcome": VillageOutcome.NONE_FOUND, "checked_items": c.checklist},
    )
    assert r.status_code == 404


def test_people_without_dispute_rights_are_refused(client, tree, people):
    for user in (people.sysadmin, people.nobody, people.handler):
        client.force_login(user)
        assert client.get(reverse("mediation:list")).status_code == 403
        assert client.get(reverse("mediation:new")).status_code == 403


def test_the_nav_shows_the_mediation_item_only_to_those_who_may_see_disputes(client, tree, people):
    client.force_login(people.mediator)
    assert "矛盾调解" in client.get(reverse("mediation:list")).content.decode()
    client.force_login(people.handler)
    assert "矛盾调解" not in client.get("/").content.decode()


# --- Recording ----------------------------------------------------------------------------------------------


def test_recording_a_dispute_with_registry_and_outside_parties(client, tree, people):
    a, b = two_households(people.cadre, tree.zhangzhuang)
    client.force_login(people.cadre)
    page = client.get(reverse("mediation:new"))
    assert page.status_code == 200
    r = client.post(
        reverse("mediation:new"),
        {
            "region": tree.zhangzhuang.pk,
            "kind": "neighbour",
            "title": "排水沟堵塞引发邻里争吵",
            "facts": "王家排水沟被李家填平。",
            "people_involved": 3,
            "risk_flags": ["vulnerable"],
            "risk_level": "",
            "party": [f"r:{a.head_id}:a", f"h:{b.pk}:b"],
            "outside_b": "李家亲戚赵某",
            "found_on": TODAY.isoformat(),
        },
    )
    d = Dispute.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("mediation:detail", args=[d.pk])
    assert d.risk_level == 2
    assert set(d.parties.values_list("side", "name")) == {
        ("a", "王建军"),
        ("b", "李德胜"),
        ("b", "李家亲戚赵某"),
    }
    detail = client.get(r["Location"]).content.decode()
    assert "排水沟堵塞引发邻里争吵" in detail and "李家亲戚赵某" in detail


def test_picking_a_household_outside_the_users_villages_is_refused_with_a_message(client, tree, people):
    theirs = family(people.cadre_leiji, tree.leiji, "雷振华", members=0)
    client.force_login(people.cadre)
    r = client.post(
        reverse("mediation:new"),
        {
            "region": tree.zhangzhuang.pk,
            "kind": "neighbour",
            "title": "t",
            "facts": "f",
            "people_involved": 2,
            "party": [f"h:{theirs.pk}:b"],
        },
    )
    assert r.status_code == 200
    assert "不在您负责的村" in r.content.decode()
    assert not Dispute.objects.exists()


def test_bad_input_on_the_new_form_is_shown_not_a_500(client, tree, people):
    client.force_login(people.cadre)
    r = client.post(reverse("mediation:new"), {"party": ["x:1:z", "r:999999:a"], "people_involved": "abc"})
    assert r.status_code == 200
    assert not Dispute.objects.exists()


def test_the_list_filters(client, tree, people):
    d1 = dispute(people.cadre, tree.zhangzhuang, title="甲纠纷")
    dispute(people.cadre, tree.zhangzhuang, title="乙纠纷", kind="family", risk_flags=["threats"])
    client.force_login(people.officer)
    body = client.get(reverse("mediation:list"), {"kind": "family"}).content.decode()
    assert "乙纠纷" in body and "甲纠纷" not in body
    body = client.get(reverse("mediation:list"), {"risk": 3}).content.decode()
    assert "乙纠纷" in body and "甲纠纷" not in body
    body = client.get(reverse("mediation:list"), {"q": d1.code}).content.decode()
    assert "甲纠纷" in body and "乙纠纷" not in body
    body = client.get(reverse("mediation:list"), {"village": tree.leiji.pk}).content.decode()
    assert "甲纠纷" not in body


# --- Mediation steps ---------------------------------------------------------------------------------------


def test_the_mediation_steps_through_the_page(client, tree, people):
    d = dispute(people.cadre, tree.zhangzhuang)
    client.force_login(people.mediator)
    r = step(
        client,
        d,
        "start",
        {
            "start-mode": "initiative",
            "start-mediators": [people.mediator.pk],
            "start-started_on": TODAY.isoformat(),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    r = step(
        client, d, "session", {"session-held_on": TODAY.isoformat(), "session-minutes": "双方各自陈述。"}
    )
    assert r.status_code == 302
    data = agreement_data(TODAY)
    r = step(
        client,
        d,
        "agreement",
        {
            "agreement-form": AgreementForm.WRITTEN,
            "agreement-reached_on": TODAY.isoformat(),
            "agreement-facts": data.facts,
            "agreement-issues": data.issues,
            "agreement-terms": data.terms,
            "agreement-performance_manner": data.performance_manner,
            "agreement-performance_deadline": data.performance_deadline.isoformat(),
            "agreement-copies": 3,
        },
    )
    assert r.status_code == 302
    # Marking it effective before anyone signed is refused with the reasons.
    r = step(client, d, "effective", {})
    assert r.status_code == 200
    body = r.content.decode()
    assert "尚未签名" in body and "尚未盖章" in body
    assert d.agreements.get().effective_on is None
    parties = list(d.parties.values_list("pk", flat=True))
    scan = io.BytesIO(png_bytes())
    scan.name = "scan.png"
    r = step(
        client,
        d,
        "sign",
        {
            "sign-parties": parties,
            "sign-mediator_signed": "on",
            "sign-sealed": "on",
            "sign-signed_on": TODAY.isoformat(),
            "sign-scan": scan,
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert step(client, d, "effective", {}).status_code == 302
    a = d.agreements.get()
    assert a.effective_on == TODAY
    body = client.get(reverse("mediation:detail", args=[d.pk])).content.decode()
    assert "还剩 30 天" in body
    scan_page = client.get(reverse("mediation:agreement_scan", args=[d.pk]))
    assert scan_page.status_code == 200 and scan_page["Content-Type"] == "image/png"
    # Closing as resolved while unperformed is refused on the page with the reason.
    d.refresh_from_db()
    client.force_login(people.cadre)
    r = step(
        client, d, "close", {"close-version": d.version, "close-outcome": "resolved", "close-note": "好了"}
    )
    assert r.status_code == 200 and "尚未履行完毕" in r.content.decode()
    d.refresh_from_db()
    assert d.status == DisputeStatus.AGREED


def test_a_session_written_up_later_shows_the_day_it_was_held_on_the_timeline(client, tree, people):
    held = TODAY - datetime.timedelta(days=3)
    d = mediating(
        people.cadre, tree.zhangzhuang, people.mediator, found_on=TODAY - datetime.timedelta(days=5)
    )
    client.force_login(people.mediator)
    r = step(client, d, "session", {"session-held_on": held.isoformat(), "session-minutes": "双方各自陈述。"})
    assert r.status_code == 302
    timeline = client.get(reverse("mediation:detail", args=[d.pk])).content.decode().split('id="timeline"')[1]
    assert f"{held:%Y-%m-%d}（" in timeline and "登记）" in timeline


def test_a_scan_that_is_not_an_image_is_refused(client, tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    services.agreement_record(actor=people.mediator, dispute=d, data=agreement_data())
    client.force_login(people.mediator)
    fake = io.BytesIO(b"MZ\x90\x00 not a picture")
    fake.name = "scan.png"
    r = step(client, d, "sign", {"sign-signed_on": TODAY.isoformat(), "sign-scan": fake})
    assert r.status_code == 200 and "不是可接受的图片" in r.content.decode()
    assert not d.agreements.get().scan


def test_a_refusal_stops_the_mediation_on_the_page(client, tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    party = d.parties.get(side=Side.B)
    client.force_login(people.mediator)
    r = step(
        client,
        d,
        "refuse",
        {"refuse-party": party.pk, "refuse-refused_on": TODAY.isoformat(), "refuse-note": "不同意"},
    )
    assert r.status_code == 302
    assert d.mediations.get().status == MediationStatus.REFUSED
    r = step(client, d, "session", {"session-held_on": TODAY.isoformat(), "session-minutes": "继续"})
    assert r.status_code == 200 and "不得继续调解" in r.content.decode()


def test_late_judicial_confirmation_on_the_page_needs_a_note_and_shows_late(client, tree, people):
    d = mediating(
        people.cadre, tree.zhangzhuang, people.mediator, found_on=TODAY - datetime.timedelta(days=50)
    )
    effective_agreement(people.mediator, d, on=TODAY - datetime.timedelta(days=45))
    client.force_login(people.mediator)
    body = client.get(reverse("mediation:detail", args=[d.pk])).content.decode()
    assert "申请期限已于" in body
    r = step(client, d, "judicial", {"judicial-applied_on": TODAY.isoformat()})
    assert r.status_code == 200 and "请写明逾期的原因" in r.content.decode()
    r = step(client, d, "judicial", {"judicial-applied_on": TODAY.isoformat(), "judicial-note": "外出务工"})
    assert r.status_code == 302
    assert "逾期申请" in client.get(reverse("mediation:detail", args=[d.pk])).content.decode()


def test_adding_a_party_from_the_registry_on_the_dispute_page(client, tree, people):
    d = dispute(people.cadre, tree.zhangzhuang)
    third = family(people.cadre, tree.zhangzhuang, "张三强", members=0, phone="13700000003")
    client.force_login(people.cadre)
    body = client.get(reverse("mediation:detail", args=[d.pk]), {"q": "张三强"}).content.decode()
    assert f"r:{third.head_id}:third" in body
    r = step(client, d, "party", {"party": [f"r:{third.head_id}:third"], "party-side": "a"})
    assert r.status_code == 302
    assert DisputeParty.objects.filter(dispute=d, resident=third.head, side=Side.THIRD).exists()


# --- Links with requests -----------------------------------------------------------------------------------


def test_dispute_to_request_and_back_link(client, tree, people):
    d = dispute(people.cadre, tree.zhangzhuang)
    client.force_login(people.cadre)
    r = step(client, d, "topetition", {"topetition-note": "转村委会"})
    d.refresh_from_db()
    assert d.petition is not None
    assert r.status_code == 302 and r["Location"] == reverse("petitions:detail", args=[d.petition_id])
    petition_page = client.get(r["Location"]).content.decode()
    assert reverse("mediation:detail", args=[d.pk]) in petition_page
    assert (
        reverse("petitions:detail", args=[d.petition_id])
        in client.get(reverse("mediation:detail", args=[d.pk])).content.decode()
    )


def test_request_page_offers_to_dispute_and_the_form_is_prefilled(client, tree, people):
    p = register(people.cadre, tree.zhangzhuang, title="邻居占道堆放杂物", content="隔壁长期在路上堆放柴草。")
    client.force_login(people.cadre)
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert f"{reverse('mediation:new')}?petition={p.pk}" in page
    form = client.get(reverse("mediation:new"), {"petition": p.pk}).content.decode()
    assert "邻居占道堆放杂物" in form and "隔壁长期在路上堆放柴草" in form and "张大山" in form
    r = client.post(
        reverse("mediation:new") + f"?petition={p.pk}",
        {
            "petition": p.pk,
            "region": tree.zhangzhuang.pk,
            "kind": "neighbour",
            "title": "邻居占道堆放杂物",
            "facts": "隔壁长期在路上堆放柴草。",
            "people_involved": 2,
            "outside_a": "张大山",
            "outside_b": "邻居某",
        },
    )
    assert r.status_code == 302
    assert Dispute.objects.get().petition == p
    # Once linked, the request page shows the dispute instead of the button.
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert "?petition=" not in page and Dispute.objects.get().code in page


def test_outsider_cannot_prefill_a_dispute_from_a_request_they_cannot_see(client, tree, people):
    p = register(people.cadre, tree.zhangzhuang)
    client.force_login(people.outsider)
    assert client.get(reverse("mediation:new"), {"petition": p.pk}).status_code == 404


# --- Campaigns ---------------------------------------------------------------------------------------------


def test_campaign_pages_and_a_village_report(client, tree, people):
    client.force_login(people.officer)
    assert client.get(reverse("mediation:campaign_new")).status_code == 200
    r = client.post(
        reverse("mediation:campaign_new"),
        {
            "region": tree.township.pk,
            "title": "秋季大排查",
            "starts_on": TODAY.isoformat(),
            "ends_on": TODAY.isoformat(),
            "checklist": "土地承包\n宅基地",
        },
    )
    c = Campaign.objects.get()
    assert r.status_code == 302 and c.checklist == ["土地承包", "宅基地"]
    client.force_login(people.cadre)
    body = client.get(reverse("mediation:campaign", args=[c.pk])).content.decode()
    assert "已报告 0/2 个村" in body
    r = client.post(
        reverse("mediation:campaign_report", args=[c.pk, tree.zhangzhuang.pk]), {"outcome": "none_found"}
    )
    assert r.status_code == 200  # nothing ticked: the form comes back, the village stays unreported
    assert CampaignVillage.objects.get(campaign=c, village=tree.zhangzhuang).outcome == VillageOutcome.PENDING
    r = client.post(
        reverse("mediation:campaign_report", args=[c.pk, tree.zhangzhuang.pk]),
        {"outcome": "none_found", "checked_items": ["土地承包", "宅基地"]},
    )
    assert r.status_code == 302
    body = client.get(reverse("mediation:campaign", args=[c.pk])).content.decode()
    assert "已报告 1/2 个村" in body
    assert "秋季大排查" in client.get(reverse("mediation:campaigns")).content.decode()


def test_household_disputes_snippet_renders(client, tree, people):
    from django.template.loader import render_to_string

    from minqing.mediation.selectors import dispute_list_for_household

    a, b = two_households(people.cadre, tree.zhangzhuang)
    d = dispute(people.cadre, tree.zhangzhuang, households=(a, b))
    html = render_to_string(
        "mediation/_household_disputes.html",
        {"disputes": dispute_list_for_household(actor=people.cadre, household=a)},
    )
    assert d.title in html and reverse("mediation:detail", args=[d.pk]) in html
    assert "暂无矛盾纠纷" in render_to_string("mediation/_household_disputes.html", {"disputes": []})


def test_from_a_household_page_the_household_is_the_first_party(client, tree, people):
    a, _b = two_households(people.cadre, tree.zhangzhuang)
    client.force_login(people.cadre)
    body = client.get(reverse("mediation:new"), {"household": a.pk}).content.decode()
    assert f'value="h:{a.pk}:a" checked' in body
    assert f'<option value="{tree.zhangzhuang.pk}" selected>' in body
    client.force_login(people.outsider)
    assert client.get(reverse("mediation:new"), {"household": a.pk}).status_code == 404
