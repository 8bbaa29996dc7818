"""The requests and reception days the petitions practice puts on people's 责任清单."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from minqing.accounts.roles import Role
from minqing.core import duties
from minqing.core.duties import DutyItem, DutyQuery
from minqing.core.tests.factories import UserFactory, grant
from minqing.petitions import services
from minqing.petitions.duties import FOLLOW_UP, HANDLE, RECEPTION
from minqing.petitions.models import Petition, Satisfaction

from .factories import department, register

pytestmark = pytest.mark.django_db


def _items(viewer, person=None, kind: str | None = None) -> list[DutyItem]:
    person = person or viewer
    today = timezone.localdate()
    items = duties.collect(DutyQuery(viewer=viewer, people=[person], today=today))[person.pk]
    return [i for i in items if kind is None or i.kind == kind]


def _assigned(people, tree, assignee=None, dept=None, **overrides) -> Petition:
    p = register(people.officer, tree.zhangzhuang, **overrides)
    services.petitions_assign(actor=people.officer, petitions=[p], department=dept, assignee=assignee)
    p.refresh_from_db()
    return p


def test_a_request_assigned_to_a_person_is_theirs_with_its_deadline(tree, people):
    p = _assigned(people, tree, assignee=people.officer)
    [item] = _items(people.officer, kind=HANDLE)
    assert item.due == p.due_date and not item.overdue
    assert item.url == reverse("petitions:detail", args=[p.pk])
    assert item.title.startswith(p.tracking_code) and item.region_name == "张庄村"
    assert item.note == "受理告知"
    assert _items(people.leader, kind=HANDLE) == []


def test_a_request_past_its_deadline_is_overdue(tree, people):
    p = _assigned(people, tree, assignee=people.officer)
    Petition.objects.filter(pk=p.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    [item] = _items(people.officer, kind=HANDLE)
    assert item.overdue


def test_a_departments_request_without_a_named_handler_is_every_members(tree, people):
    colleague = people.handler
    other = UserFactory(username="handler2")
    grant(other, Role.DEPT_HANDLER, tree.township)
    dept = department(tree.township, members=(colleague, other))
    p = _assigned(people, tree, dept=dept)
    today = timezone.localdate()
    found = duties.collect(DutyQuery(viewer=people.leader, people=[colleague, other], today=today))
    assert [i.url for i in found[colleague.pk]] == [i.url for i in found[other.pk]]
    assert found[colleague.pk][0].shared and found[colleague.pk][0].key == found[other.pk][0].key
    # The handler sees it through the assignment, as on their work list.
    assert [i.url for i in _items(colleague, kind=HANDLE)] == [reverse("petitions:detail", args=[p.pk])]


def test_a_named_handler_takes_the_request_off_the_departments_other_members(tree, people):
    dept = department(tree.township, members=(people.handler, people.officer))
    _assigned(people, tree, dept=dept, assignee=people.officer)
    assert _items(people.handler, kind=HANDLE) == []
    assert len(_items(people.officer, kind=HANDLE)) == 1


def test_a_replied_request_awaits_its_follow_up_until_rated(tree, people):
    p = _assigned(people, tree, assignee=people.officer)
    p = services.petition_accept(actor=people.officer, petition=p, version=p.version)
    p = services.petition_reply(actor=people.officer, petition=p, version=p.version, text="已核实并办理。")
    [item] = _items(people.officer)
    assert item.kind == FOLLOW_UP and item.due == p.followup_due and item.note == "回访"
    services.petition_follow_up(
        actor=people.officer,
        petition=p,
        version=p.version,
        method="phone",
        satisfaction=Satisfaction.SATISFIED,
    )
    assert _items(people.officer) == []


def test_a_follow_up_without_handler_or_department_falls_to_who_registered_it(tree, people):
    p = register(people.cadre, tree.zhangzhuang)
    assert _items(people.cadre) == []  # registering alone does not make the handling one's own
    p = services.petition_accept(actor=people.cadre, petition=p, version=p.version)
    services.petition_reply(actor=people.cadre, petition=p, version=p.version, text="已答复。")
    assert [i.kind for i in _items(people.cadre)] == [FOLLOW_UP]


def test_closed_requests_are_nobodys_duty(tree, people):
    p = _assigned(people, tree, assignee=people.officer)
    services.petition_not_accept(
        actor=people.officer, petition=p, version=p.version, reason="不属于信访事项。"
    )
    assert _items(people.officer) == []


def test_the_request_a_leader_cannot_see_is_not_on_the_persons_list_for_that_leader(tree, people):
    grant(people.officer, Role.PETITION_OFFICER, tree.other_township)
    register_there = register(people.outsider, tree.other_village)
    services.petitions_assign(
        actor=people.outsider, petitions=[register_there], department=None, assignee=people.officer
    )
    assert len(_items(people.officer, kind=HANDLE)) == 1
    assert _items(people.leader, people.officer, kind=HANDLE) == []


def _day(tree, people, date: datetime.date, **values):
    values = {
        "date": date, "start_time": datetime.time(9), "end_time": datetime.time(12), "place": "镇接访室",
        "topics": "征地补偿", "is_public": True, **values,
    }  # fmt: skip
    return services.reception_day_save(
        actor=people.officer, region=tree.township, leader=people.leader, **values
    )


def test_a_leaders_coming_reception_day_is_on_their_list(tree, people):
    today = timezone.localdate()
    day = _day(tree, people, today + datetime.timedelta(days=5))
    _day(tree, people, today + datetime.timedelta(days=90))  # too far ahead to be this month's work
    [item] = _items(people.leader, kind=RECEPTION)
    assert item.due == day.date and not item.overdue and item.note == "征地补偿"
    assert item.url == reverse("petitions:reception_detail", args=[day.pk])
    assert _items(people.officer, kind=RECEPTION) == []


def test_a_held_reception_day_is_overdue_until_its_outcome_is_recorded(tree, people):
    today = timezone.localdate()
    day = _day(tree, people, today - datetime.timedelta(days=2))
    [item] = _items(people.leader, kind=RECEPTION)
    assert item.overdue and item.note == "待登记接访情况"
    services.reception_day_save(
        actor=people.officer,
        region=tree.township,
        leader=people.leader,
        day=day,
        outcome="接待群众 6 批 9 人次。",
    )
    assert _items(people.leader, kind=RECEPTION) == []
