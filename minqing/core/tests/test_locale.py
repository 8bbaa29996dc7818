"""Pages speak Chinese unless the user picks English with the switch; the browser's language is not asked."""

import pytest
from django.urls import reverse

from minqing.core.tests.browser import login

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_a_browser_asking_for_english_still_gets_the_chinese_login_page(client, db):
    response = client.get(reverse("login"), **ENGLISH_BROWSER)
    assert response["Content-Language"] == "zh-hans"
    assert 'lang="zh-hans"' in response.content.decode()


def test_the_switch_turns_english_on_and_back_off(client, people):
    client.force_login(people.leader)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert client.get("/")["Content-Language"] == "en"
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"}, **ENGLISH_BROWSER)
    assert client.get("/", **ENGLISH_BROWSER)["Content-Language"] == "zh-hans"


def test_a_cookie_naming_an_unknown_language_falls_back_to_chinese(client, people):
    client.force_login(people.leader)
    client.cookies["django_language"] = "fr"
    assert client.get("/", **ENGLISH_BROWSER)["Content-Language"] == "zh-hans"


def test_a_page_varies_on_the_cookie_not_on_the_browser_language(client, db):
    vary = client.get(reverse("login"))["Vary"]
    assert "Cookie" in vary and "Accept-Language" not in vary


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_english_browser_sees_the_staff_pages_in_chinese_until_the_switch(browser_page, people):
    context = browser_page.context.browser.new_context(locale="en-US")
    page = context.new_page()
    page.base_url = browser_page.base_url
    try:
        login(page, "leader")
        assert page.get_attribute("html", "lang") == "zh-hans"
        page.click("button[name=language][value=en]")
        page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == "en"
    finally:
        context.close()
