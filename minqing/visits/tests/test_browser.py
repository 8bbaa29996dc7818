"""The visit log on a phone in a village with a flaky connection, in headless Chromium."""

import re
import time

import pytest

from minqing.core.tests.browser import login, shot
from minqing.visits.models import Visit

from .helpers import household, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_draft_survives_a_reload_and_an_offline_visit_is_sent_once_when_back_online(
    browser_page, tree, people
):
    page = browser_page
    h = household(tree.zhangzhuang, "张建国", tag="低保户")
    login(page, "cadre")
    page.goto(page.base_url + "/visits/new/")
    page.fill("#id_heard", "张建国反映低保金三个月没到账")
    page.fill("#hh-search", "张建")
    page.click(".hh-option >> text=张建国")
    assert page.locator(".hh-chip").count() == 1

    page.reload()
    page.wait_for_selector(".hh-chip")
    assert page.input_value("#id_heard") == "张建国反映低保金三个月没到账"
    assert "已恢复上次未提交的草稿" in page.content()
    shot(page, "visit-draft")

    page.context.set_offline(True)
    page.click("#visit-submit")
    page.wait_for_selector("#visit-queue:not(.d-none)")
    assert "联网后自动提交" in page.inner_text("#visit-status")
    assert Visit.objects.count() == 0
    shot(page, "visit-queued")

    page.context.set_offline(False)
    assert wait_for(lambda: Visit.objects.count() == 1), "the queued visit was not sent when back online"
    page.wait_for_selector("#visit-queue.d-none", state="attached")
    # Another "online" (a second tab, a flapping connection) sends nothing more.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    time.sleep(1)
    assert Visit.objects.count() == 1
    v = Visit.objects.get()
    assert list(v.households.all()) == [h] and "低保金" in v.heard


def test_a_cadre_logs_a_visit_online_and_sees_it_in_the_month(browser_page, tree, people):
    page = browser_page
    household(tree.zhangzhuang, "李小梅")
    login(page, "cadre")
    page.goto(page.base_url + "/visits/new/")
    page.fill("#id_nights", "1")
    page.fill("#id_stay_place", "村委会值班室")
    page.fill("#hh-search", "李")
    page.click(".hh-option >> text=李小梅")
    page.click("#visit-submit")
    page.wait_for_url(re.compile(r".*/visits/\d+/$"))
    assert "住村 1 夜" in page.content() and "村委会值班室" in page.content()
    page.goto(page.base_url + "/visits/")
    assert page.locator(".visit-cal .night").count() == 1
    shot(page, "visit-month")


def test_saving_with_nobody_ticked_warns_online_and_offline_until_declared(browser_page, tree, people):
    page = browser_page
    household(tree.zhangzhuang, "王桂兰")
    login(page, "cadre")
    page.goto(page.base_url + "/visits/new/")
    page.fill("#id_heard", "村委会开会，商量修渠")
    page.click("#visit-submit")
    page.wait_for_selector("#visit-status.alert-warning")
    assert "没有勾选走访的农户" in page.inner_text("#visit-status")
    assert "没有勾选走访的农户" in page.inner_text("[data-error-for=households]")
    # Offline the warning comes before the entry is queued, not hours later when the queue is sent.
    page.context.set_offline(True)
    page.click("#visit-submit")
    page.wait_for_selector("#visit-status.alert-warning")
    assert page.locator("#visit-queue.d-none").count() == 1
    shot(page, "visit-no-households")
    page.check("#id_no_households")
    page.click("#visit-submit")
    page.wait_for_selector("#visit-queue:not(.d-none)")
    page.context.set_offline(False)
    assert wait_for(lambda: Visit.objects.count() == 1), "the declared entry was not sent when back online"
    assert Visit.objects.get().households.count() == 0


def test_on_the_seventh_the_leader_sees_running_and_the_pace_on_a_phone(
    browser_page, tree, people, monkeypatch, settings
):
    import datetime

    from django.utils import timezone

    from minqing.visits import selectors
    from minqing.visits.models import Metric, Period
    from minqing.visits.services import quota_rule_save

    from .helpers import log

    settings.MINQING_VISIT_BACKDATE_DAYS = 120
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    for metric, target in ((Metric.VILLAGE_DAYS, 8), (Metric.NIGHTS, 2)):
        quota_rule_save(
            actor=people.leader,
            region=tree.township,
            role="village_cadre",
            metric=metric,
            period=Period.MONTH,
            target=target,
        )
    log(people.cadre, tree.zhangzhuang, month, households=[household(tree.zhangzhuang)])
    monkeypatch.setattr(selectors, "_today", lambda: month.replace(day=7))
    page = browser_page
    login(page, "leader")
    page.goto(page.base_url + f"/visits/compliance/?month={month:%Y-%m}")
    row = page.locator('tr[data-cadre="cadre"]')
    assert "进行中" in row.inner_text() and "走读" not in row.inner_text()
    assert "还需下村 7 天" in row.inner_text() and "还需住村 2 夜" in row.inner_text()
    shot(page, "visits-compliance-running")
