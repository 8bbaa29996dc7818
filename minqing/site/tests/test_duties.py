"""责任清单 pages: one's own list, the leader's overview per person and department, and what stays out of reach."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minqing.accounts.roles import Role
from minqing.core.tests.factories import UserFactory, grant
from minqing.mediation.tests.helpers import dispute
from minqing.petitions import services
from minqing.petitions.models import Petition
from minqing.petitions.tests.factories import department, register
from minqing.regions.scoping import forget_grants

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _assigned(actor, village, assignee=None, dept=None, due: datetime.date | None = None, **kw) -> Petition:
    p = register(actor, village, **kw)
    services.petitions_assign(actor=actor, petitions=[p], department=dept, assignee=assignee)
    if due is not None:
        Petition.objects.filter(pk=p.pk).update(due_date=due)
    return p


@pytest.fixture
def work(tree, people):
    """The officer has one overdue request, one due later and a dispute to keep stable; the handler's department
    has one request without a named handler; 堌阳镇 has its own overdue request."""
    late = _assigned(people.officer, tree.zhangzhuang, people.officer, due=TODAY - datetime.timedelta(days=3))
    later = _assigned(
        people.officer, tree.leiji, people.officer, title="道路破损", due=TODAY + datetime.timedelta(days=20)
    )
    calm = dispute(people.cadre, tree.zhangzhuang, stabilizer=people.officer)
    dept = department(tree.township, members=(people.handler,))
    shared = _assigned(people.officer, tree.zhangzhuang, dept=dept, due=TODAY - datetime.timedelta(days=1))
    elsewhere = _assigned(
        people.outsider, tree.other_village, people.outsider, due=TODAY - datetime.timedelta(days=5)
    )
    return {
        "late": late,
        "later": later,
        "calm": calm,
        "dept": dept,
        "shared": shared,
        "elsewhere": elsewhere,
    }


def test_my_list_shows_the_overdue_first_then_each_kind_by_deadline(people, work):
    response = _client(people.officer).get(reverse("duties_mine"))
    assert response.status_code == 200
    d = response.context["d"]
    assert [r.item.url for r in d.overdue] == [reverse("petitions:detail", args=[work["late"].pk])]
    assert [(g.kind.key, [r.item.url for r in g.rows]) for g in d.groups] == [
        ("petition_handle", [reverse("petitions:detail", args=[work["later"].pk])]),
        ("dispute_stabilize", [reverse("mediation:detail", args=[work["calm"].pk])]),
    ]
    assert d.total == 3
    html = response.content.decode()
    assert (
        html.index(work["late"].tracking_code)
        < html.index(work["later"].tracking_code)
        < html.index("稳控责任")
    )
    assert "超期" in html and work["elsewhere"].tracking_code not in html


def test_the_home_page_counts_my_duties_and_links_to_them(people, work):
    response = _client(people.officer).get("/")
    assert response.context["duties"].total == 3 and len(response.context["duties"].overdue) == 1
    assert reverse("duties_mine") in response.content.decode()


def test_the_leader_sees_everyone_in_the_township_with_overdue_counts_most_late_first(people, work):
    response = _client(people.leader).get(reverse("duties_team"))
    assert response.status_code == 200
    o = response.context["o"]
    rows = {r.person.username: r for r in o.rows}
    assert "outsider" not in rows and "auditadmin" not in rows
    assert (rows["officer"].total, rows["officer"].overdue, rows["officer"].undated) == (3, 1, 1)
    assert (rows["handler"].total, rows["handler"].overdue) == (1, 1)
    assert [r.person.username for r in o.rows][:2] == ["officer", "handler"]
    assert (o.total, o.overdue, o.late_people) == (4, 2, 2)
    [dept] = o.departments
    assert (dept.department, dept.members, dept.total, dept.overdue) == (work["dept"], 1, 1, 1)
    assert work["elsewhere"].tracking_code not in response.content.decode()


def test_a_departments_request_is_counted_once_for_the_department(tree, people, work):
    other = UserFactory(username="handler2")
    grant(other, Role.DEPT_HANDLER, tree.township)
    work["dept"].members.add(other)
    o = _client(people.leader).get(reverse("duties_team"), {"department": work["dept"].pk}).context["o"]
    assert sorted(r.person.username for r in o.rows) == ["handler", "handler2"]
    assert [(d.members, d.total, d.overdue) for d in o.departments] == [(2, 1, 1)]
    assert (o.total, o.overdue) == (1, 1)


def test_the_leader_narrows_the_overview_to_a_village(tree, people, work):
    o = _client(people.leader).get(reverse("duties_team"), {"region": tree.leiji.path}).context["o"]
    assert [r.person.username for r in o.rows] == ["cadre_leiji"]


def test_the_leader_drills_down_to_a_persons_list(people, work):
    response = _client(people.leader).get(reverse("duties_person", args=[people.officer.pk]))
    assert response.status_code == 200
    assert response.context["d"].total == 3 and not response.context["own"]
    assert "officer的责任清单" in response.content.decode()


def test_a_person_outside_the_leaders_regions_is_not_found(people, work):
    c = _client(people.leader)
    assert c.get(reverse("duties_person", args=[people.outsider.pk])).status_code == 404
    assert c.get(reverse("duties_person", args=[people.auditadmin.pk])).status_code == 404
    assert c.get(reverse("duties_person", args=[999999])).status_code == 404


def test_a_leader_of_another_township_sees_neither_its_people_nor_their_work(tree, people, work):
    other_leader = UserFactory(username="other_leader")
    grant(other_leader, Role.LEADER, tree.other_township)
    c = _client(other_leader)
    assert c.get(reverse("duties_person", args=[people.officer.pk])).status_code == 404
    o = c.get(reverse("duties_team")).context["o"]
    assert {r.person.username for r in o.rows} == {"outsider", "other_leader"}
    assert (o.total, o.overdue) == (1, 1) and o.departments == []
    assert c.get(reverse("duties_team"), {"department": work["dept"].pk}).status_code == 404
    assert c.get(reverse("duties_team"), {"region": tree.zhangzhuang.path}).status_code == 404


def test_what_lies_outside_the_leaders_regions_is_left_off_a_persons_list(tree, people, work):
    grant(people.officer, Role.PETITION_OFFICER, tree.other_township)
    forget_grants(people.officer)
    there = _assigned(people.outsider, tree.other_village, people.officer)
    assert _client(people.officer).get(reverse("duties_mine")).context["d"].total == 4
    response = _client(people.leader).get(reverse("duties_person", args=[people.officer.pk]))
    assert response.context["d"].total == 3 and there.tracking_code not in response.content.decode()


def test_without_the_overview_permission_the_team_pages_are_forbidden(people, work):
    c = _client(people.officer)
    assert c.get(reverse("duties_team")).status_code == 403
    assert c.get(reverse("duties_person", args=[people.handler.pk])).status_code == 403


def test_an_administrator_has_no_duty_list(people):
    assert _client(people.auditadmin).get(reverse("duties_mine")).status_code == 403
    assert "duties" not in _client(people.auditadmin).get("/").context


def test_the_county_supervisor_oversees_every_township(people, work):
    o = _client(people.supervisor).get(reverse("duties_team")).context["o"]
    names = {r.person.username for r in o.rows}
    assert {"officer", "outsider", "cadre"} <= names and (o.total, o.overdue) == (5, 3)


def test_bad_filters_are_ignored_or_not_found_never_an_error(people, work):
    c = _client(people.leader)
    assert c.get(reverse("duties_team"), {"department": "abc", "region": "x"}).status_code == 200
    assert c.get(reverse("duties_team"), {"department": "99999"}).status_code == 404


def test_a_cadre_with_nothing_due_is_told_so(people):
    response = _client(people.cadre_leiji).get(reverse("duties_mine"))
    assert response.context["d"].total == 0 and "目前没有待办的责任事项" in response.content.decode()


def test_the_overview_of_many_people_reads_the_same_duties_as_for_a_few(monkeypatch, people, work):
    from minqing.mediation import duties as mediation_duties
    from minqing.petitions import duties as petition_duties
    from minqing.visits import duties as visit_duties

    def counts() -> dict[str, tuple[int, int]]:
        o = _client(people.leader).get(reverse("duties_team")).context["o"]
        return {r.person.username: (r.total, r.overdue) for r in o.rows}

    few = counts()
    for module in (petition_duties, mediation_duties, visit_duties):
        monkeypatch.setattr(module, "MANY_PEOPLE", 0)
    assert counts() == few and few["officer"] == (3, 1)
