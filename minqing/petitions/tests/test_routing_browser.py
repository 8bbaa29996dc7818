"""Sending a request up to the county and back, in headless Chromium; the assignee list following the chosen
department; the public form's township then village. Screenshots: test-output/screenshots/routing-*.png."""

import pytest

from minqing.core.tests.browser import login, shot
from minqing.petitions.models import EventKind, HandlingLevel, Petition, Status

from .factories import category, department, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _step(page, step: str, fill: dict[str, str] | None = None, select: dict[str, str] | None = None) -> None:
    box = page.locator(f"#step-{step}")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for selector, label in (select or {}).items():
        box.locator(selector).select_option(label=label)
    for selector, value in (fill or {}).items():
        box.locator(selector).fill(value)
    box.locator("button").click()
    page.wait_for_load_state()


def test_sent_up_the_county_office_finds_it_in_its_queue_and_returns_it(
    browser_page, tree, people, county_officer
):
    page = browser_page
    p = register(
        people.officer, tree.zhangzhuang, category=category("tudi-compensation"), title="征地补偿标准争议"
    )

    login(page, "officer")
    page.goto(page.base_url + f"/petitions/{p.pk}/")
    _step(page, "route", fill={"textarea": "补偿标准由县里定，乡镇无权决定"}, select={"select": "县及以上"})
    assert "县及以上" in page.inner_text("[data-testid=level]")
    assert page.locator("[data-testid=at-county]").is_visible()
    assert page.locator("#step-accept").count() == 0
    page.goto(page.base_url + "/")
    assert page.inner_text("[data-queue=sent_up] .stat") == "1"

    login(page, "county_officer")
    assert page.inner_text("[data-queue=to_accept] .stat") == "1"
    page.click("[data-queue=to_accept]")
    page.click("text=征地补偿标准争议")
    shot(page, "routing-county-receives")
    _step(page, "route", fill={"textarea": "按县政府文件标准由镇国土所核算兑付"}, select={"select": "乡镇"})
    assert "乡镇" in page.inner_text("[data-testid=level]")
    p.refresh_from_db()
    assert p.level == HandlingLevel.TOWNSHIP and p.events.order_by("-id").first().kind == EventKind.RETURNED

    login(page, "officer")
    page.goto(page.base_url + f"/petitions/{p.pk}/")
    assert "镇国土所核算兑付" in page.inner_text(".timeline")
    _step(page, "accept")
    p.refresh_from_db()
    assert p.status == Status.ACCEPTED


def test_the_assignee_list_offers_only_the_chosen_departments_staff(browser_page, tree, people):
    from minqing.accounts.roles import Role
    from minqing.core.tests.factories import UserFactory, grant

    land = UserFactory(username="land_handler", display_name="国土所李四")
    grant(land, Role.DEPT_HANDLER, tree.township)
    department(tree.township, "民政所", members=(people.handler,))
    department(tree.township, "国土所", members=(land,))
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    page = browser_page
    login(page, "officer")
    page.goto(page.base_url + f"/petitions/{p.pk}/")
    page.locator("#step-assign summary").click()
    page.select_option("#id_assign-department", label="国土所")
    visible = page.eval_on_selector_all(
        "#id_assign-assignee optgroup:not([disabled]) option", "els => els.map(e => e.textContent)"
    )
    assert visible == ["国土所李四"]
    page.select_option("#id_assign-assignee", label="国土所李四")
    shot(page, "routing-assignee-of-department")
    page.locator("#step-assign button").click()
    page.wait_for_load_state()
    p.refresh_from_db()
    assert p.assignee == land and p.department.name == "国土所"


def test_the_public_form_asks_township_then_village_and_shows_the_full_place(browser_page, tree):
    from minqing.core.tests.factories import region
    from minqing.regions.models import Level

    region("410225101201", "张庄村", Level.VILLAGE, tree.other_township)  # the same name in another township
    page = browser_page
    page.goto(page.base_url + "/p/submit/")
    assert page.locator("#choose-township").count() == 0  # the script fills the list; no reload needed
    labels = page.eval_on_selector_all("#id_region option", "els => els.map(e => e.textContent)")
    assert labels == ["请先选择乡镇"]
    page.select_option("#id_township", label="堌阳镇")
    labels = page.eval_on_selector_all("#id_region option", "els => els.map(e => e.textContent)")
    assert labels == ["请选择村（社区）", "堌阳镇（乡镇本级）", "堌阳村", "张庄村"]
    page.select_option("#id_township", label="东坝头镇")
    page.select_option("#id_region", label="张庄村")
    page.select_option("#id_category", label="低保特困")
    page.fill("#id_title", "低保评定没有公示")
    page.fill("#id_content", "今年村里低保评定没有张榜公示。")
    page.fill("#id_submitter_name", "王秀兰")
    page.fill("#id_submitter_phone", "13812345678")
    page.wait_for_timeout(3200)
    page.click("#submit-form button[type=submit]")
    page.wait_for_selector("#tracking-code")
    assert page.inner_text("[data-testid=place]") == "东坝头镇 · 张庄村"
    shot(page, "routing-public-done-place")
    assert Petition.objects.get().region == tree.zhangzhuang
