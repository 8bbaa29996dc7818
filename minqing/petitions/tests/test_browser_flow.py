"""A request's whole life as people live it, in headless Chromium: the resident on a phone, the village cadre, the
township office, a department, back to the resident, closure; and an outsider who sees none of it.
Screenshots: test-output/screenshots/flow-*.png."""

import pytest

from minqing.core.tests.browser import login, shot
from minqing.households.tests.helpers import family
from minqing.petitions.models import HandlingLevel, Petition, Satisfaction, Status

from .factories import department

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _as(page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username)


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


def _track(page, code: str) -> None:
    page.context.clear_cookies()
    page.goto(page.base_url + "/p/track/")
    page.fill("#id_code", code)
    page.fill("#id_tail", "5678")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#petition-title")


def _rate(page, value: str) -> None:
    page.check(f"#rate input[value={value}]")
    page.click("#rate button[type=submit]")
    page.wait_for_selector("#timeline")


def test_from_the_residents_phone_to_closure_and_the_household_page(browser_page, tree, people):
    page = browser_page
    household = family(people.cadre, tree.zhangzhuang, "王秀兰", members=1, phone="13812345678")
    department(tree.township, "民政所", members=(people.handler,))

    # 1. The resident submits on the phone page and gets a code.
    page.goto(page.base_url + "/p/submit/")
    page.select_option("#id_township", label="东坝头镇")
    page.select_option("#id_region", label="张庄村")
    page.select_option("#id_category", label="低保特困")
    page.fill("#id_title", "母亲重病申请低保")
    page.fill("#id_content", "母亲重病卧床，家里没有劳动力，申请低保两个月没有答复。")
    page.fill("#id_submitter_name", "王秀兰")
    page.fill("#id_submitter_phone", "13812345678")
    page.wait_for_timeout(3200)
    page.click("#submit-form button[type=submit]")
    page.wait_for_selector("#tracking-code")
    code = page.inner_text("#tracking-code").strip()
    p = Petition.objects.get()
    assert p.level == HandlingLevel.VILLAGE and p.household == household

    # 2. The village cadre sees it, cannot solve it and sends it up.
    _as(page, "cadre")
    page.goto(page.base_url + "/petitions/?queue=to_accept")
    page.click("text=母亲重病申请低保")
    _step(page, "route", fill={"textarea": "需民政所入户核查认定"}, select={"select": "乡镇"})
    assert "乡镇" in page.inner_text("[data-testid=level]")
    shot(page, "flow-cadre-routed-up")

    # 3. The township office accepts it, prints the notice and assigns the 民政所.
    _as(page, "officer")
    page.goto(page.base_url + f"/petitions/{p.pk}/")
    _step(page, "accept")
    assert "办理中" in page.inner_text("[data-testid=status]")
    notice = page.request.get(page.base_url + f"/petitions/{p.pk}/documents/acceptance.pdf")
    assert notice.status == 200 and notice.body().startswith(b"%PDF")
    _step(page, "assign", select={"#id_assign-department": "民政所"})
    assert "民政所" in page.inner_text("[data-testid=department]")

    # 4. The department replies.
    _as(page, "handler")
    page.goto(page.base_url + f"/petitions/{p.pk}/")
    _step(page, "reply", fill={"textarea": "经入户核查，符合低保条件，已报县民政局审批。"})
    assert "已答复" in page.inner_text("[data-testid=status]")

    # 5. The resident is not satisfied and asks for it to be handled again.
    _track(page, code)
    assert "已报县民政局审批" in page.inner_text("#reply-text")
    _rate(page, "unsatisfied")
    page.fill("#reopen textarea", "审批结果什么时候出来没有说明")
    page.click("#reopen button[type=submit]")
    page.wait_for_selector("#timeline")
    assert "重新办理" in page.inner_text("#timeline")
    shot(page, "flow-resident-reopened")
    p.refresh_from_db()
    assert p.status == Status.ACCEPTED and p.reopen_count == 1

    # 6. Handled again; this time the resident is satisfied.
    _as(page, "handler")
    page.goto(page.base_url + f"/petitions/{p.pk}/")
    _step(page, "reply", fill={"textarea": "县民政局已批准，12月起每月发放低保金。"})
    _track(page, code)
    _rate(page, "satisfied")
    p.refresh_from_db()
    assert p.satisfaction == Satisfaction.SATISFIED

    # 7. The office closes it with the four judgements.
    _as(page, "officer")
    page.goto(page.base_url + f"/petitions/{p.pk}/")
    _step(page, "close")
    assert "已办结" in page.inner_text("[data-testid=status]")
    shot(page, "flow-officer-closed")
    p.refresh_from_db()
    assert p.status == Status.CLOSED and p.solved_level == HandlingLevel.TOWNSHIP
    assert p.j_justified and p.j_solvable

    # 8. The household page shows it.
    page.goto(page.base_url + f"/households/{household.pk}/")
    assert "母亲重病申请低保" in page.inner_text("#petitions")

    # 9. An officer of another township sees none of it.
    _as(page, "outsider")
    page.goto(page.base_url + "/petitions/")
    assert "母亲重病申请低保" not in page.content()
    response = page.goto(page.base_url + f"/petitions/{p.pk}/")
    assert response is not None and response.status == 404
