"""The visit quotas not yet met that the visits practice puts on cadres' 责任清单."""

import pytest
from django.urls import reverse
from django.utils import timezone

from minqing.core import duties
from minqing.core.duties import DutyItem, DutyQuery
from minqing.visits.duties import QUOTA
from minqing.visits.models import Metric, Period
from minqing.visits.selectors import month_bounds
from minqing.visits.services import quota_rule_save

from .helpers import household, log

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _items(viewer, person=None) -> list[DutyItem]:
    person = person or viewer
    items = duties.collect(DutyQuery(viewer=viewer, people=[person], today=TODAY))[person.pk]
    return [i for i in items if i.kind == QUOTA]


def _rule(tree, people, metric: str, target: int, role: str = "village_cadre"):
    return quota_rule_save(
        actor=people.leader,
        region=tree.township,
        role=role,
        metric=metric,
        period=Period.MONTH,
        target=target,
    )


def test_a_quota_not_yet_met_this_month_is_due_at_the_end_of_the_month(tree, people):
    _rule(tree, people, Metric.VILLAGE_DAYS, 5)
    log(people.cadre, tree.zhangzhuang, TODAY)
    [item] = _items(people.cadre)
    assert item.title == "下村天数 1，应达 5"
    assert item.due == month_bounds(TODAY)[1] and not item.overdue
    assert item.url == reverse("visits:mine") and item.region_name == "东坝头镇"
    assert item.note == f"{TODAY.year}年{TODAY.month}月"


def test_a_quota_met_is_no_longer_a_duty(tree, people):
    _rule(tree, people, Metric.HOUSEHOLDS, 1)
    assert len(_items(people.cadre)) == 1
    log(people.cadre, tree.zhangzhuang, TODAY, households=[household(tree.zhangzhuang)])
    assert _items(people.cadre) == []


def test_coverage_of_the_villages_held_is_a_duty_in_percent(tree, people):
    _rule(tree, people, Metric.COVERAGE, 100, role="village_liaison")
    seen, _unseen = household(tree.zhangzhuang, "王一"), household(tree.zhangzhuang, "王二")
    log(people.liaison, tree.zhangzhuang, TODAY, households=[seen])
    [item] = _items(people.liaison)
    assert item.title == "所包村农户走访覆盖率(%) 50%，应达 100%"
    assert _items(people.cadre) == []  # the rule binds the 包村 role only


def test_a_leader_sees_a_cadres_quota_with_a_link_to_the_compliance_table(tree, people):
    _rule(tree, people, Metric.VILLAGE_DAYS, 5)
    [item] = _items(people.leader, people.cadre)
    assert item.url.startswith(reverse("visits:compliance")) and item.person_id == people.cadre.pk
    assert _items(people.outsider, people.cadre) == []


def test_a_cadre_without_a_binding_rule_has_no_quota_duty(tree, people):
    log(people.cadre, tree.zhangzhuang, TODAY)
    assert _items(people.cadre) == [] and _items(people.handler) == []
