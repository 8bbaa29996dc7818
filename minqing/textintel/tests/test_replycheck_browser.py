"""The reply check as the officer meets it: typing a reply on the request page shows the warning before sending.
Screenshot: test-output/screenshots/reply-check.png."""

import pytest

from minqing.core.tests.browser import login, shot
from minqing.petitions import services
from minqing.petitions.models import Petition, Status
from minqing.petitions.tests.factories import category, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_typing_a_boilerplate_reply_warns_and_a_concrete_one_clears_the_warning(browser_page, tree, people):
    page = browser_page
    p = register(
        people.officer,
        tree.zhangzhuang,
        category=category("chengxiang-road"),
        title="张庄村东头路灯坏了一个多月",
        content="张庄村东头的三盏路灯坏了一个多月，晚上孩子放学回家很不安全，请尽快修复路灯。",
        level="township",
    )
    p = services.petition_accept(actor=people.officer, petition=p, version=p.version)
    login(page, "officer")
    page.goto(page.base_url + f"/petitions/{p.pk}/")
    box = page.locator("#step-reply")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    box.locator("textarea").fill("网友：您好！您的留言已收悉。感谢您对我们工作的关心和支持！")
    warning = box.locator('[data-testid="reply-check"][data-flagged="1"]')
    warning.wait_for()
    assert "客套话" in warning.inner_text()
    shot(page, "reply-check")
    box.locator("textarea").fill(
        "经核实，张庄村东头三盏路灯因线路老化损坏。镇供电所已于5月3日更换线路和灯头，路灯已恢复照明。"
    )
    box.locator('[data-testid="reply-check"][data-flagged="0"]').wait_for()
    # The check only advises: sending still works, through the ordinary form post.
    box.locator("button").click()
    page.wait_for_load_state()
    assert Petition.objects.get(pk=p.pk).status == Status.REPLIED
