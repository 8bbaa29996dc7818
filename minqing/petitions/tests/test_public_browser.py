"""A resident files a request on a phone and tracks it, in headless Chromium. Screenshots: test-output/screenshots/."""

import pytest

from minqing.core.tests.browser import shot
from minqing.petitions.models import Petition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_resident_submits_on_a_phone_then_tracks_it(browser_page, tree):
    page = browser_page
    page.goto(page.base_url + "/p/")
    shot(page, "public-landing")
    page.click("text=我要反映")
    page.wait_for_selector("#submit-form")
    page.select_option("#id_township", label="东坝头镇")
    page.select_option("#id_region", label="张庄村")
    page.select_option("#id_category", label="低保特困")
    page.fill("#id_title", "低保评定没有公示")
    page.fill("#id_content", "今年村里低保评定没有张榜公示，希望公开评定结果。")
    assert page.inner_text("#content-count") == str(len("今年村里低保评定没有张榜公示，希望公开评定结果。"))
    page.fill("#id_submitter_name", "王秀兰")
    page.fill("#id_submitter_phone", "13812345678")
    assert not page.is_checked("#id_publish")  # publishing is the resident's choice, never the default
    page.click("text=同意公开诉求内容和地点")
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#id_website").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0  # the honeypot is off screen: not for people
    shot(page, "public-submit")
    page.wait_for_timeout(3200)  # a person takes longer than the form's minimum time
    page.click("#submit-form button[type=submit]")
    page.wait_for_selector("#tracking-code")
    shown = page.inner_text("#tracking-code").strip()
    p = Petition.objects.get()
    assert p.publish
    assert shown == f"{p.tracking_code[:5]}-{p.tracking_code[5:]}"
    assert p.tracking_code not in page.url
    shot(page, "public-done")

    # Track it from a fresh session, as on another day.
    page.context.clear_cookies()
    page.goto(page.base_url + "/p/track/")
    page.fill("#id_code", shown.lower())
    page.fill("#id_tail", "5678")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#petition-title")
    assert page.inner_text("#petition-title") == "低保评定没有公示"
    assert "待受理" in page.inner_text("#petition-status")
    assert "已登记" in page.inner_text("#timeline")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "public-track")
