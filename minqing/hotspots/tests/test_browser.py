"""In headless Chromium: the intake form warns of a near-duplicate as the officer types, and the township leader
finds the warning and the hot spot on the home page. Screenshots: test-output/screenshots/hotspots-*.png."""

import pytest

from minqing.core.tests.browser import login, shot
from minqing.hotspots.services import hotspots_compute
from minqing.petitions.tests.factories import register

from .helpers import burst

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROAD = (
    "我们村东头的道路年久失修，下雨天泥泞不堪，村民出行十分困难，孩子上学要绕很远的路，希望镇里尽快安排修路。"
)


def test_intake_shows_a_near_duplicate_and_the_leader_sees_warnings(browser_page, tree, people):
    page = browser_page
    original = register(people.officer, tree.zhangzhuang, title="修路", content=ROAD)
    login(page, "officer")
    page.goto(page.base_url + "/petitions/new/")
    page.select_option("#id_region", label="东坝头镇 · 张庄村")
    page.fill("#id_title", "东头的路太烂了")
    page.fill("#id_content", ROAD.replace("十分困难", "很不方便"))
    page.locator("#id_content").blur()
    hint = page.locator("[data-testid=similar-hint]")
    hint.wait_for()
    assert original.tracking_code in hint.inner_text()
    shot(page, "hotspots-intake")

    burst(people.officer, tree.zhangzhuang)
    hotspots_compute()
    page.context.clear_cookies()
    login(page, "leader")
    panel = page.locator("[data-testid=hotspots-panel]")
    assert "快速增长" in panel.inner_text() and "讨薪" in panel.inner_text()
    panel.get_by_text("全部热点").click()
    page.locator("[data-testid=hotspot]").first.locator("a").first.click()
    assert page.locator("[data-testid=member]").count() == 5
    shot(page, "hotspots-detail")
