"""The category suggestions in a real browser: typing a request, clicking a suggestion selects its category."""

import pytest
from django.urls import reverse

from minqing.core.tests.browser import login, shot
from minqing.petitions.models import Category
from minqing.petitions.tests.factories import category
from minqing.textintel import engine

from .factories import store

# Live-server tests empty the tables afterwards; serialized_rollback restores the seeded categories for the next.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _fresh_engine():
    engine.clear()
    yield
    engine.clear()


def test_officer_types_a_request_and_picks_a_suggested_category(browser_page, tree, people):
    store()
    page = browser_page
    login(page, "cadre")
    page.goto(page.base_url + reverse("petitions:intake"))
    page.fill("#id_title", "工厂排污")
    page.fill("#id_content", "工厂排污，污水排放到河里，臭气熏天")
    first = page.locator("#category-suggest [data-pick-category]").first
    first.wait_for()
    first.click()
    assert page.eval_on_selector("#id_category", "el => el.value") == str(category("huanbao-pollution").pk)
    shot(page, "textintel-intake-suggestions")


def test_resident_sees_suggestions_on_the_submit_page_and_picks_one(browser_page, tree):
    store()
    page = browser_page
    page.goto(page.base_url + "/p/submit/")
    page.fill("#id_title", "学校收费")
    page.fill("#id_content", "幼儿园收费太高，学生补课也要交钱")
    first = page.locator("#category-suggest [data-pick-category]").first
    first.wait_for()
    first.click()
    leaf = page.eval_on_selector("#id_category", "el => el.value")
    assert Category.objects.get(pk=int(leaf)).parent.name == "教育文体"
    shot(page, "textintel-public-suggestions")


def test_a_vague_request_gets_no_suggestion_but_a_request_to_choose_by_hand(browser_page, tree, people):
    store()
    page = browser_page
    login(page, "cadre")
    page.goto(page.base_url + reverse("petitions:intake"))
    page.fill("#id_content", "我有个事情想反映一下，希望领导重视")
    page.locator("#category-suggest [data-abstained]").wait_for()
    assert page.locator("#category-suggest [data-pick-category]").count() == 0
    assert "请人工选择" in page.inner_text("#category-suggest")
