"""The disputes and agreements the mediation practice puts on people's 责任清单."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from minqing.core import duties
from minqing.core.duties import DutyItem, DutyQuery
from minqing.mediation import services
from minqing.mediation.duties import AGREEMENT_FOLLOW_UP, RESOLVE, STABILIZE
from minqing.mediation.models import Agreement, DisputeStatus, Performance, RiskLevel

from .helpers import agreement_data, dispute, effective_agreement, mediating

pytestmark = pytest.mark.django_db


def _items(viewer, person=None, kind: str | None = None) -> list[DutyItem]:
    person = person or viewer
    items = duties.collect(DutyQuery(viewer=viewer, people=[person], today=timezone.localdate()))[person.pk]
    return [i for i in items if kind is None or i.kind == kind]


def test_an_open_dispute_is_its_stabilizers_and_its_resolvers_without_a_deadline(tree, people):
    d = dispute(people.cadre, tree.zhangzhuang, stabilizer=people.cadre, resolver=people.mediator)
    [keep] = _items(people.cadre, kind=STABILIZE)
    [settle] = _items(people.mediator, kind=RESOLVE)
    assert keep.url == settle.url == reverse("mediation:detail", args=[d.pk])
    assert keep.due is None and not keep.overdue and keep.note == "风险低"
    assert _items(people.cadre, kind=RESOLVE) == [] and _items(people.liaison) == []


def test_riskier_disputes_come_first_among_those_without_a_deadline(tree, people):
    calm = dispute(people.cadre, tree.zhangzhuang, stabilizer=people.cadre, title="邻里小摩擦")
    grave = dispute(
        people.cadre, tree.zhangzhuang, stabilizer=people.cadre, title="征地补偿", risk_level=RiskLevel.HIGH
    )
    assert [i.url for i in _items(people.cadre)] == [
        reverse("mediation:detail", args=[grave.pk]),
        reverse("mediation:detail", args=[calm.pk]),
    ]


def test_a_closed_dispute_leaves_the_list(tree, people):
    d = dispute(people.cadre, tree.zhangzhuang, stabilizer=people.cadre)
    services.dispute_close(
        actor=people.cadre, dispute=d, version=d.version, outcome=DisputeStatus.RESOLVED, note="双方和解。"
    )
    assert _items(people.cadre) == []


def test_an_agreement_in_effect_is_its_mediators_to_follow_up_by_its_deadline(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, mediator=people.mediator)
    a = effective_agreement(people.mediator, d)
    [item] = _items(people.mediator, kind=AGREEMENT_FOLLOW_UP)
    assert item.due == a.performance_deadline and not item.overdue and item.note == "履行中"
    assert item.title.startswith(a.number)
    Agreement.objects.filter(pk=a.pk).update(
        performance_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert _items(people.mediator, kind=AGREEMENT_FOLLOW_UP)[0].overdue
    services.agreement_follow_up(
        actor=people.mediator, agreement=a, checked_on=timezone.localdate(), result=Performance.FULFILLED
    )
    assert _items(people.mediator, kind=AGREEMENT_FOLLOW_UP) == []


def test_an_agreement_not_yet_in_effect_awaits_no_follow_up(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, mediator=people.mediator)
    services.agreement_record(actor=people.mediator, dispute=d, data=agreement_data())
    assert _items(people.mediator, kind=AGREEMENT_FOLLOW_UP) == []


def test_a_leader_of_another_township_sees_none_of_these_duties(tree, people):
    dispute(people.cadre, tree.zhangzhuang, stabilizer=people.cadre)
    assert _items(people.outsider, people.cadre) == []
    assert len(_items(people.leader, people.cadre)) == 1
