"""A day in the field, end to end on a phone in headless Chromium: a cadre logs a two-day stay visiting five
households (offline, then back online), a feud heard there becomes a dispute, the mediator holds two sessions,
records a written agreement and prints it; the compliance table shows the cadre's month and the coverage list no
longer shows the visited households. Screenshots: test-output/screenshots/field-day-*.png."""

import datetime
import re

import pytest
from django.utils import timezone

from minqing.core.tests.browser import login, shot
from minqing.households.models import HouseholdRelation, RelationKind
from minqing.households.tests.helpers import family
from minqing.mediation.models import Dispute, DisputeStatus, Side
from minqing.visits.models import Metric, Period, Visit, VisitFinding
from minqing.visits.services import quota_rule_save

from .helpers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NAMES = ("王建军", "李德胜", "赵春华", "孙秀兰", "周大山")


def _open(page, step: str) -> None:
    box = page.locator(f"#step-{step}")
    if box.get_attribute("open") is None:
        box.locator("summary").click()


def test_a_two_day_stay_a_feud_found_mediated_and_the_month_and_coverage_show_it(browser_page, tree, people):
    page = browser_page
    today = timezone.localdate()
    households = [family(people.officer, tree.zhangzhuang, name, members=0) for name in NAMES]
    family(people.officer, tree.zhangzhuang, "钱未访", members=0)
    quota_rule_save(
        actor=people.leader,
        region=tree.township,
        role="village_cadre",
        metric=Metric.VILLAGE_DAYS,
        period=Period.MONTH,
        target=2,
    )
    quota_rule_save(
        actor=people.leader,
        region=tree.township,
        role="village_cadre",
        metric=Metric.NIGHTS,
        period=Period.MONTH,
        target=1,
    )

    # The cadre logs yesterday and today in 张庄村, one night, five households — with no signal.
    login(page, "cadre")
    page.goto(page.base_url + "/visits/new/")
    page.fill("#id_visited_on", (today - datetime.timedelta(days=1)).isoformat())
    page.fill("#id_days", "2")
    page.fill("#id_nights", "1")
    page.fill("#id_stay_place", "村委会值班室")
    for name in NAMES:
        page.fill("#hh-search", name)
        page.click(f".hh-option >> text={name}")
    assert page.locator(".hh-chip").count() == 5
    page.fill("#id_heard", "王建军、李德胜两家因宅基地界址争执，已吵过几次。")
    page.context.set_offline(True)
    page.click("#visit-submit")
    page.wait_for_selector("#visit-queue:not(.d-none)")
    shot(page, "field-day-queued")
    assert Visit.objects.count() == 0
    page.context.set_offline(False)
    assert wait_for(lambda: Visit.objects.count() == 1)
    visit = Visit.objects.get()
    assert (visit.days, visit.nights, visit.households.count()) == (2, 1, 5)

    # The feud heard there becomes a dispute, linked to the diary.
    page.goto(page.base_url + f"/visits/{visit.pk}/")
    page.click("text=转为矛盾纠纷")
    page.wait_for_selector("#id_title")
    assert page.locator("input[name=party]:checked").count() == 5
    for name in NAMES[1:]:
        page.locator("#party-results label", has_text=name).locator("input").uncheck()
    page.fill("#party-q", "李德胜")
    page.locator(".party-row", has_text="李德胜").first.locator("input[value$=':b']").check()
    page.select_option("#id_kind", label="宅基地")
    page.fill("#id_title", "王李两家宅基地界址争执")
    page.fill("#id_people_involved", "4")
    shot(page, "field-day-dispute")
    page.click("#dispute-submit")
    page.wait_for_selector("#dispute-title")
    dispute = Dispute.objects.get()
    assert VisitFinding.objects.get().dispute_id == dispute.pk
    assert set(dispute.parties.values_list("side", "name")) == {(Side.A, "王建军"), (Side.B, "李德胜")}
    assert HouseholdRelation.objects.filter(kind=RelationKind.FEUD).count() == 1

    # The mediator: two sessions, a written agreement, printed.
    page.context.clear_cookies()
    login(page, "mediator")
    page.goto(page.base_url + f"/mediation/{dispute.pk}/")
    page.locator("#step-start button").click()
    page.wait_for_selector("[data-testid=mediation-status]")
    for minutes in (
        "第一次调解：双方陈述，李家要求王家拆除越界院墙。",
        "第二次调解：实地丈量，王家同意后移院墙。",
    ):
        _open(page, "session")
        page.locator("#step-session textarea").fill(minutes)
        page.locator("#step-session button").click()
        page.wait_for_selector(f"#timeline >> text={minutes[:5]}")
    assert dispute.mediations.get().sessions.count() == 2
    _open(page, "agreement")
    box = page.locator("#step-agreement")
    box.locator("#id_agreement-issues").fill("院墙位置")
    box.locator("#id_agreement-terms").fill("王家将院墙后移至原界址")
    box.locator("#id_agreement-performance_manner").fill("王家自行拆除重建")
    box.locator("#id_agreement-performance_deadline").fill((today + datetime.timedelta(days=15)).isoformat())
    box.locator("button").click()
    page.wait_for_selector("#agreement-pdf")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.AGREED
    pdf = page.request.get(page.base_url + page.get_attribute("#agreement-pdf", "href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
    shot(page, "field-day-agreement")

    # The leader: the cadre's month in the compliance table; coverage lists only the household not visited.
    page.context.clear_cookies()
    login(page, "leader")
    month = today.replace(day=1)
    page.goto(page.base_url + f"/visits/compliance/?month={month:%Y-%m}")
    row = page.locator(f"#compliance tbody tr[data-cadre='{people.cadre}']")
    days_expected = 2 if (today - datetime.timedelta(days=1)).month == today.month else 1
    assert row.locator("[data-col=days]").inner_text() == str(days_expected)
    # A phone-sized page shows the conclusion under the name, the conclusion column is hidden.
    assert row.locator("td").first.locator(".d-sm-none").is_visible()
    assert not row.locator("[data-col=conclusion]").is_visible()
    shot(page, "field-day-compliance")
    page.goto(page.base_url + f"/visits/village/{tree.zhangzhuang.code}/")
    unvisited = page.inner_text("#unvisited")
    assert "钱未访" in unvisited
    assert not any(name in unvisited for name in NAMES)
    assert re.search(r"83\.3%", page.inner_text("body"))
    shot(page, "field-day-village")
    del households
