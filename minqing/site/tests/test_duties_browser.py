"""责任清单 on a phone, in headless Chromium: a cadre's own list from the menu, and the leader's overview drilled
down to one person. Screenshots: test-output/screenshots/duties-*.png."""

import datetime

import pytest
from django.utils import timezone

from minqing.core.tests.browser import login, shot
from minqing.mediation.tests.helpers import dispute
from minqing.petitions import services
from minqing.petitions.models import Petition
from minqing.petitions.tests.factories import register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _assigned(people, village, title: str, due: datetime.date) -> Petition:
    p = register(people.officer, village, title=title)
    services.petitions_assign(actor=people.officer, petitions=[p], department=None, assignee=people.officer)
    Petition.objects.filter(pk=p.pk).update(due_date=due)
    return p


def test_a_cadre_reads_their_list_on_a_phone_and_the_leader_finds_who_is_late(browser_page, tree, people):
    page = browser_page
    today = timezone.localdate()
    late = _assigned(people, tree.zhangzhuang, "低保申请迟迟没有回音", today - datetime.timedelta(days=4))
    _assigned(people, tree.leiji, "村道破损积水", today + datetime.timedelta(days=12))
    dispute(people.cadre, tree.zhangzhuang, stabilizer=people.officer)

    login(page, "officer")
    assert page.locator("#home-duties").is_visible()
    page.click(".navbar-toggler")  # the phone-sized menu is collapsed
    page.click("#nav >> text=责任清单")
    page.wait_for_selector("#duty-counts")
    assert page.locator("[data-count=overdue]").inner_text() == "1"
    assert page.locator("[data-count=total]").inner_text() == "3"
    overdue = page.locator("#duty-overdue")
    assert late.tracking_code in overdue.inner_text() and "超期" in overdue.inner_text()
    # Nothing runs off the side of a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "duties-mine")
    overdue.locator("a").first.click()
    page.wait_for_url(f"**/petitions/{late.pk}/")

    login(page, "leader")
    page.click(".navbar-toggler")
    page.click("#nav >> text=责任清单")
    page.wait_for_selector("#team-people")
    first = page.locator("#team-people [data-person]").first
    assert first.get_attribute("data-person") == str(people.officer.pk)
    assert "超期 1" in first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "duties-team")
    first.locator("a").click()
    page.wait_for_selector("#duty-overdue")
    assert "officer的责任清单" in page.locator("h1").inner_text()
    shot(page, "duties-person")
