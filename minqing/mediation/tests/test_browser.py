"""The main flow on a phone, in headless Chromium: record a dispute with parties picked from the registry, start
mediation, record the written agreement, print it. Screenshots: test-output/screenshots/mediation-*.png."""

import datetime

import pytest

from minqing.core.tests.browser import login, shot
from minqing.mediation.models import Dispute, DisputeStatus, MediationStatus, Side

from .helpers import two_households

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _open(page, step: str) -> None:
    box = page.locator(f"#step-{step}")
    if box.get_attribute("open") is None:
        box.locator("summary").click()


def test_record_a_dispute_mediate_agree_and_print(browser_page, tree, people):
    page = browser_page
    two_households(people.cadre, tree.zhangzhuang)
    login(page, "mediator")
    page.click(".navbar-toggler")  # the phone-sized menu is collapsed
    page.click("#nav >> text=矛盾调解")
    page.click("text=登记矛盾纠纷")
    page.select_option("#id_region", label="张庄村")
    page.select_option("#id_kind", label="宅基地")
    page.fill("#id_title", "两户因宅基地界址发生争执")
    page.fill("#id_facts", "王家翻建院墙，李家认为占用其宅基地约半米。")
    page.fill("#id_people_involved", "4")
    # Parties from the registry: by pinyin initials, then by name; both picks stay checked.
    page.fill("#party-q", "wjj")
    page.locator(".party-row", has_text="王建军").locator("input[value$=':a']").check()
    page.fill("#party-q", "李德胜")
    page.locator(".party-row", has_text="李德胜").first.locator("input[value$=':b']").check()
    assert page.locator("input[name=party]:checked").count() == 2
    shot(page, "mediation-new")
    page.click("#dispute-submit")
    page.wait_for_selector("#dispute-title")
    d = Dispute.objects.get()
    assert set(d.parties.values_list("side", "name")) == {(Side.A, "王建军"), (Side.B, "李德胜")}

    # 启动调解 is open; the mediator is preselected.
    page.locator("#step-start button").click()
    page.wait_for_selector("[data-testid=mediation-status]")
    assert d.mediations.get().status == MediationStatus.OPEN

    _open(page, "agreement")
    box = page.locator("#step-agreement")
    box.locator("#id_agreement-issues").fill("院墙位置及占地补偿")
    box.locator("#id_agreement-terms").fill("王家将院墙后移至原界址\n王家赔偿李家贰仟元")
    box.locator("#id_agreement-performance_manner").fill("王家自行拆除重建，赔偿款当面交付")
    deadline = datetime.date.today() + datetime.timedelta(days=15)
    box.locator("#id_agreement-performance_deadline").fill(deadline.isoformat())
    box.locator("button").click()
    page.wait_for_selector("#agreement")
    d.refresh_from_db()
    assert d.status == DisputeStatus.AGREED
    shot(page, "mediation-agreement")

    href = page.get_attribute("#agreement-pdf", "href")
    response = page.request.get(page.base_url + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")


def test_a_campaign_along_a_new_road_covers_the_chosen_villages(browser_page, tree, people):
    from minqing.mediation.models import Campaign

    page = browser_page
    login(page, "officer")
    page.goto(page.base_url + "/mediation/campaigns/new/")
    page.fill("#id_title", "新修道路沿线排查")
    page.check("input[name=coverage][value=some]")
    page.get_by_label("张庄村").check()
    page.fill("#id_area", "沿新修S219道路两侧")
    page.click("button.btn-mq")
    page.wait_for_selector("#campaign-area")
    assert "已报告 0/1 个村" in page.content() and "沿新修S219道路两侧" in page.inner_text("#campaign-area")
    shot(page, "mediation-campaign-some-villages")
    assert [v.village.name for v in Campaign.objects.get().villages.all()] == ["张庄村"]
