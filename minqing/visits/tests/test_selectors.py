"""Compliance against the hard quotas, household coverage, and what a household and a village page show."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from minqing.visits import selectors
from minqing.visits.models import Metric, Period
from minqing.visits.services import course_record, quota_rule_save

from .helpers import household, log

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
# Last month is wholly past whatever day the suite runs on.
MONTH = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@pytest.fixture(autouse=True)
def _backdating(settings):
    settings.MINQING_VISIT_BACKDATE_DAYS = 120


def _rules(leader, township):
    quota_rule_save(
        actor=leader,
        region=township,
        role="village_cadre",
        metric=Metric.VILLAGE_DAYS,
        period=Period.MONTH,
        target=3,
    )
    quota_rule_save(
        actor=leader,
        region=township,
        role="village_cadre",
        metric=Metric.NIGHTS,
        period=Period.MONTH,
        target=1,
    )


def _days_this_month(n: int) -> list[datetime.date]:
    return [MONTH + datetime.timedelta(days=i) for i in range(n)]


def test_a_cadre_below_the_village_day_quota_is_flagged_walk_in(tree, people):
    _rules(people.leader, tree.township)
    log(people.cadre, tree.zhangzhuang, _days_this_month(1)[0])
    for d in _days_this_month(3):
        log(people.cadre_leiji, tree.leiji, d, nights=1 if d == MONTH else 0)
    table = selectors.compliance(people.leader, tree.township, MONTH)
    rows = {r.cadre.username: r for r in table.rows}
    assert rows["cadre"].walk_in and not rows["cadre"].ok
    assert rows["cadre"].days == 1 and rows["cadre"].nights == 0
    assert rows["cadre_leiji"].ok and not rows["cadre_leiji"].walk_in
    assert rows["cadre_leiji"].days == 3 and rows["cadre_leiji"].nights == 1
    assert table.walk_in_count == 1
    # Leaders are not bound by a rule for village cadres.
    assert rows["leader"].checks == []


def test_a_multi_day_stay_counts_each_day_once_even_when_entries_overlap(tree, people):
    _rules(people.leader, tree.township)
    log(people.cadre, tree.zhangzhuang, MONTH, days=3, nights=2)
    log(people.cadre, tree.zhangzhuang, MONTH + datetime.timedelta(days=1))
    row = {r.cadre.username: r for r in selectors.compliance(people.leader, tree.township, MONTH).rows}[
        "cadre"
    ]
    assert (row.days, row.nights) == (3, 2)
    assert row.ok


def test_a_stay_begun_last_month_counts_only_its_days_in_this_month(tree, people):
    start = MONTH - datetime.timedelta(days=1)
    log(people.cadre, tree.zhangzhuang, start, days=3, nights=3)
    row = selectors.compliance(people.leader, tree.township, MONTH, only=[people.cadre]).rows[0]
    assert (row.days, row.nights) == (2, 2)


def test_coverage_rule_measures_the_cadres_villages_households(tree, people):
    quota_rule_save(
        actor=people.leader,
        region=tree.township,
        role="village_liaison",
        metric=Metric.COVERAGE,
        period=Period.QUARTER,
        target=100,
    )
    a, b = household(tree.zhangzhuang), household(tree.zhangzhuang)
    household(tree.leiji)  # not the liaison's village
    log(people.cadre, tree.zhangzhuang, MONTH, households=[a])
    row = selectors.compliance(people.leader, tree.township, MONTH, only=[people.liaison]).rows[0]
    check = row.checks[0]
    assert check.value == 50.0 and not check.ok
    log(people.liaison, tree.zhangzhuang, MONTH + datetime.timedelta(days=1), households=[b])
    row = selectors.compliance(people.leader, tree.township, MONTH, only=[people.liaison]).rows[0]
    assert row.checks[0].ok
    # The quarter containing last month may not contain this month: a visit today counts elsewhere.


def test_the_most_specific_rule_wins(tree, people):
    quota_rule_save(
        actor=people.leader,
        region=tree.township,
        role="village_cadre",
        metric=Metric.VILLAGE_DAYS,
        period=Period.MONTH,
        target=5,
    )
    from minqing.visits.models import QuotaRule

    QuotaRule.objects.create(
        region=tree.county,
        region_path=tree.county.path,
        role="village_cadre",
        metric=Metric.VILLAGE_DAYS,
        period=Period.MONTH,
        target=20,
    )
    row = selectors.compliance(people.leader, tree.township, MONTH, only=[people.cadre]).rows[0]
    assert [c.rule.target for c in row.checks] == [5]


def test_the_compliance_table_of_another_township_is_not_found(tree, people):
    with pytest.raises(Http404):
        selectors.compliance(people.outsider, tree.township, MONTH)


@pytest.mark.parametrize("wide", [False, True], ids=["probe-per-household", "read-the-period-once"])
def test_coverage_lists_unvisited_households_with_special_difficulty_first(tree, people, monkeypatch, wide):
    if wide:
        monkeypatch.setattr(selectors, "WIDE_VILLAGES", 0)
    seen = household(tree.zhangzhuang, "王一")
    plain = household(tree.zhangzhuang, "王二")
    poor = household(tree.zhangzhuang, "王三", tag="低保户")
    log(people.cadre, tree.zhangzhuang, TODAY, households=[seen])
    rows = {r.village.name: r for r in selectors.coverage(people.leader, tree.township)}
    z = rows["张庄村"]
    assert (z.total, z.visited, z.unvisited, z.special_unvisited) == (3, 1, 2, 1)
    found = selectors.coverage_by_village([tree.zhangzhuang.path, tree.leiji.path], TODAY)
    assert found == {tree.zhangzhuang.path: (3, 1, 1, 0)}
    listed = [u.household for u in selectors.unvisited_households(people.leader, tree.zhangzhuang)]
    assert listed == [poor, plain]


def test_a_visit_older_than_the_window_does_not_count(tree, people):
    h = household(tree.zhangzhuang)
    log(people.cadre, tree.zhangzhuang, TODAY - datetime.timedelta(days=40), households=[h])
    assert selectors.coverage(people.leader, tree.zhangzhuang, days=30)[0].visited == 0
    assert selectors.coverage(people.leader, tree.zhangzhuang, days=60)[0].visited == 1
    last = selectors.unvisited_households(people.leader, tree.zhangzhuang, days=30)[0].last_visit
    assert last == TODAY - datetime.timedelta(days=40)


def test_the_household_shows_its_visits_and_who_knows_it(tree, people):
    h = household(tree.zhangzhuang)
    log(people.cadre, tree.zhangzhuang, TODAY - datetime.timedelta(days=3), households=[h])
    log(people.cadre, tree.zhangzhuang, TODAY, households=[h])
    log(people.liaison, tree.zhangzhuang, TODAY - datetime.timedelta(days=1), households=[h])
    visits, knowers = selectors.household_visits(people.leader, h)
    assert len(visits) == 3 and visits[0].visited_on == TODAY
    assert [(k.cadre.username, k.visits) for k in knowers] == [("cadre", 2), ("liaison", 1)]


def test_the_village_page_gathers_cadres_coverage_and_open_requests(tree, people):
    from minqing.petitions.tests.factories import register

    h = household(tree.zhangzhuang)
    log(people.cadre, tree.zhangzhuang, TODAY, households=[h])
    register(people.officer, tree.zhangzhuang, title="村口路灯不亮")
    page = selectors.village_page(people.leader, tree.zhangzhuang.code)
    assert {u.username for u, _r in page.cadres} == {"cadre", "liaison"}
    assert page.coverage.pct == 100.0
    assert [p.title for p in page.open_petitions] == ["村口路灯不亮"]
    with pytest.raises(Http404):
        selectors.village_page(people.outsider, tree.zhangzhuang.code)
    with pytest.raises(Http404):
        selectors.village_page(people.leader, tree.township.code)


def test_training_totals_per_cadre_and_township(tree, people):
    for hours in ("4", "2.5"):
        course_record(
            actor=people.leader,
            region=tree.township,
            title="调解技能",
            organiser="县司法局",
            held_on=TODAY,
            hours=hours,
            topics=["mediation"],
            attendee_ids=[people.cadre.pk],
        )
    t = selectors.training_totals(people.leader, tree.township, TODAY.year)
    assert [(u.username, str(h), n) for u, h, n, _t in t.per_cadre] == [("cadre", "6.5", 2)]
    assert [(r.name, str(h), n, c) for r, h, n, c in t.per_township] == [("东坝头镇", "6.5", 2, 1)]
    assert selectors.training_totals(people.leader, tree.township, TODAY.year - 1).per_cadre == []


def test_on_the_seventh_a_month_under_way_is_running_with_the_pace_not_walk_in(tree, people, monkeypatch):
    _rules(people.leader, tree.township)
    log(people.cadre, tree.zhangzhuang, MONTH + datetime.timedelta(days=1))
    for d in _days_this_month(3):
        log(people.cadre_leiji, tree.leiji, d, nights=1 if d == MONTH else 0)
    monkeypatch.setattr(selectors, "_today", lambda: MONTH.replace(day=7))
    table = selectors.compliance(people.leader, tree.township, MONTH)
    rows = {r.cadre.username: r for r in table.rows}
    cadre = rows["cadre"]
    assert not cadre.walk_in and not cadre.ok and cadre.running
    days_check = next(c for c in cadre.checks if c.rule.metric == Metric.VILLAGE_DAYS)
    last_day = (MONTH.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
        days=1
    )
    assert days_check.verdict == selectors.Verdict.RUNNING
    assert days_check.needed == 2 and days_check.days_left == last_day.day - 6
    assert days_check.pace == f"还需下村 2 天，剩 {last_day.day - 6} 天"
    # A target already reached is reached, whatever day it is.
    assert rows["cadre_leiji"].ok and not rows["cadre_leiji"].running
    assert table.walk_in_count == 0 and table.ok_count == 1 and table.running_count == 1


def test_the_verdict_comes_the_day_after_the_period_ends(tree, people, monkeypatch):
    _rules(people.leader, tree.township)
    log(people.cadre, tree.zhangzhuang, MONTH)
    last_day = (MONTH.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
        days=1
    )
    monkeypatch.setattr(selectors, "_today", lambda: last_day)
    row = selectors.compliance(people.leader, tree.township, MONTH, only=[people.cadre]).rows[0]
    assert row.running and not row.walk_in
    assert all(c.days_left == 1 for c in row.checks if not c.ok)
    monkeypatch.setattr(selectors, "_today", lambda: last_day + datetime.timedelta(days=1))
    row = selectors.compliance(people.leader, tree.township, MONTH, only=[people.cadre]).rows[0]
    assert row.walk_in and not row.running
    assert {c.verdict for c in row.checks} == {selectors.Verdict.MISSED}
    assert all(c.pace == "" for c in row.checks)


def test_a_quarterly_rule_stays_running_after_its_first_month(tree, people, monkeypatch):
    quota_rule_save(
        actor=people.leader,
        region=tree.township,
        role="village_cadre",
        metric=Metric.HOUSEHOLDS,
        period=Period.QUARTER,
        target=5,
    )
    quarter_start = MONTH.replace(month=(MONTH.month - 1) // 3 * 3 + 1)
    monkeypatch.setattr(selectors, "_today", lambda: quarter_start + datetime.timedelta(days=40))
    row = selectors.compliance(people.leader, tree.township, quarter_start, only=[people.cadre]).rows[0]
    check = row.checks[0]
    assert check.running and check.pace.startswith("还需走访 5 户")
