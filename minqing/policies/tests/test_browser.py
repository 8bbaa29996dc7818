"""The public library on a phone and the office's form, in headless Chromium (screenshots in test-output/)."""

import pytest

from minqing.core.tests.browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_resident_finds_a_policy_by_a_two_character_word_on_a_phone(browser_page, library):
    page = browser_page
    page.goto(page.base_url + "/p/policies/")
    page.fill("input[name=q]", "低保")
    page.click("form[role=search] button")
    page.wait_for_url("**/p/policies/?q=*")
    shot(page, "policies-public-list")
    first = page.locator("ul.list-unstyled li").first
    assert "<mark>低保</mark>" in first.inner_html()
    assert "民发〔2021〕57号" in page.content()
    # Nothing is wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("text=最低生活保障（农村低保）")
    page.wait_for_selector("h1")
    assert "420" in page.content() and "申报材料" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "policies-public-detail")


def test_the_office_adds_a_policy_and_sees_its_mistakes_on_a_phone(browser_page, office):
    page = browser_page
    login(page, "minzheng")
    page.goto(page.base_url + "/policies/new/")
    page.fill("#id_p-name", "东坝头镇困难群众慰问金")
    page.fill("#id_p-issuer", "东坝头镇人民政府")
    page.select_option("#id_p-level", "township")
    page.fill("#id_v-beneficiaries", "低保户、特困户")
    page.fill("#id_v-summary", "春节前慰问困难群众。")
    page.fill("#id_v-amount", "300")
    page.click("button:has-text('保存')")
    page.wait_for_selector(".invalid-feedback")
    assert "县、乡政策须选择适用区域。" in page.content()
    assert page.input_value("#id_v-summary") == "春节前慰问困难群众。"  # nothing typed is lost
    shot(page, "policies-form-errors")
    page.select_option("#id_p-region", label="东坝头镇")
    page.select_option("#id_v-amount_unit", "household_once")
    page.fill("#id_v-amount_year", "2024")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=版本沿革")
    shot(page, "policies-detail")
