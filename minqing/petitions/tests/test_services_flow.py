"""The life of a request through the services: intake, routing by level, acceptance, reply, rating, reopen,
closure with the four judgements; and the permission each step assumes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from minqing.audit.models import AuditEntry
from minqing.core.errors import ConflictError, ServiceError, ValidationError
from minqing.core.models import Notification
from minqing.petitions import services
from minqing.petitions.models import EventKind, HandlingLevel, Petition, Satisfaction, Stage, Status
from minqing.petitions.services import Judgements
from minqing.workcal.selectors import work_calendar

from .factories import category, department, register

pytestmark = pytest.mark.django_db


def test_public_request_starts_in_the_village_with_a_tracking_code_and_acceptance_clock(tree, people):
    p = register(None, tree.zhangzhuang)
    assert len(p.tracking_code) == 10
    assert p.level == HandlingLevel.VILLAGE
    assert p.handler_path == tree.zhangzhuang.path
    assert p.status == Status.REGISTERED
    assert p.accept_due == work_calendar().add_working_days(p.registered_on, 15).due
    assert p.due_date == p.accept_due
    assert p.events.get().kind == EventKind.REGISTERED
    assert AuditEntry.objects.filter(object_type="petitions.petition", object_id=str(p.pk)).count() == 1
    assert Notification.objects.filter(to="13812345678", about=f"petitions.petition:{p.pk}").exists()


def test_public_request_without_a_phone_lists_every_problem_and_writes_nothing(tree):
    with pytest.raises(ValidationError) as exc:
        register(None, tree.zhangzhuang, submitter_phone="", title="", content="x" * 100_000)
    assert set(exc.value.message_dict) == {"submitter_phone", "title", "content"}
    assert Petition.objects.count() == 0


def test_walk_in_at_the_township_with_a_village_matter_is_a_hint_not_skip_level(tree, people):
    p = register(people.officer, tree.zhangzhuang)
    assert p.intake_level == HandlingLevel.TOWNSHIP
    assert not p.is_skip_level  # the township is the lowest 信访 organ: coming to it skips nothing
    assert p.village_could_settle
    assert "可在村解决" in p.events.get().note and "越级" not in p.events.get().note
    assert p.level == HandlingLevel.VILLAGE  # still sent to the village first
    online = register(None, tree.zhangzhuang, submitter_phone="13900001111")
    assert not online.is_skip_level and not online.village_could_settle


def test_staff_keeping_a_village_matter_at_the_township_is_not_skip_level(tree, people):
    p = register(people.officer, tree.zhangzhuang, level=HandlingLevel.TOWNSHIP)
    assert p.level == HandlingLevel.TOWNSHIP and not p.is_skip_level


def test_going_to_the_county_with_a_matter_the_township_or_village_can_handle_is_skip_level(
    tree, people, county_officer
):
    village_matter = register(county_officer, tree.zhangzhuang)
    assert village_matter.intake_level == HandlingLevel.COUNTY and village_matter.is_skip_level
    assert "越级" in village_matter.events.get().note
    township_matter = register(
        county_officer,
        tree.zhangzhuang,
        category=category("tudi-compensation"),
        submitter_phone="13900002222",
    )
    assert township_matter.is_skip_level
    assert not township_matter.village_could_settle  # a township's matter: the village could not settle it
    # Found by a cadre on a visit: the person chose nothing, so nothing was skipped.
    found = register(county_officer, tree.zhangzhuang, channel="found", submitter_phone="13900003333")
    assert not found.is_skip_level


def test_a_township_matter_starts_at_the_township(tree, people):
    p = register(people.cadre, tree.zhangzhuang, category=category("tudi-compensation"))
    assert p.level == HandlingLevel.TOWNSHIP
    assert p.handler_path == tree.township.path
    assert not p.is_skip_level


def test_village_cadre_cannot_register_in_another_village(tree, people):
    with pytest.raises(PermissionDenied):
        register(people.cadre, tree.leiji)


def test_same_person_same_matter_within_the_window_is_a_repeat(tree, people):
    first = register(None, tree.zhangzhuang)
    second = register(None, tree.zhangzhuang, title="还是低保的事")
    assert second.is_repeat and second.repeat_of == first
    other = register(None, tree.zhangzhuang, category=category("chengxiang-road"))
    assert not other.is_repeat


def test_full_flow_route_up_accept_assign_reply_unsatisfied_reopen_satisfied_close(tree, people):
    p = register(None, tree.zhangzhuang)
    # The village cadre cannot solve it and sends it up.
    with pytest.raises(PermissionDenied):
        services.petition_accept(actor=people.cadre_leiji, petition=p, version=p.version)
    p = services.petition_route(
        actor=people.cadre,
        petition=p,
        version=p.version,
        to_level=HandlingLevel.TOWNSHIP,
        reason="需民政所认定",
    )
    assert p.level == HandlingLevel.TOWNSHIP and p.handler_path == tree.township.path
    with pytest.raises(PermissionDenied):  # no longer the village's
        services.petition_accept(actor=people.cadre, petition=p, version=p.version)
    p = services.petition_accept(actor=people.officer, petition=p, version=p.version)
    assert p.status == Status.ACCEPTED
    assert p.conclude_due == work_calendar().add_working_days(p.accepted_on, 60).due
    dept = department(tree.township, members=(people.handler,))
    (p,) = services.petitions_assign(actor=people.officer, petitions=[p], department=dept)
    p = services.petition_reply(actor=people.handler, petition=p, version=p.version, text="已纳入低保审核。")
    assert p.status == Status.REPLIED and p.due_kind == "follow_up"
    p = services.petition_rate(petition=p, satisfaction=Satisfaction.UNSATISFIED, comment="太慢")
    p = services.petition_reopen(actor=None, petition=p, reason="审核结果仍未告知")
    assert p.status == Status.ACCEPTED and p.reopen_count == 1
    p = services.petition_reply(
        actor=people.handler, petition=p, version=p.version, text="已批准，下月发放。"
    )
    p = services.petition_rate(petition=p, satisfaction=Satisfaction.SATISFIED)
    with pytest.raises(PermissionDenied):  # closing is the office's, not the department's
        services.petition_close(
            actor=people.handler,
            petition=p,
            version=p.version,
            judgements=Judgements(False, True, True, True, HandlingLevel.TOWNSHIP),
        )
    p = services.petition_close(
        actor=people.officer,
        petition=p,
        version=p.version,
        judgements=Judgements(False, True, True, True, HandlingLevel.TOWNSHIP),
    )
    assert p.status == Status.CLOSED and p.solved_level == HandlingLevel.TOWNSHIP and p.j_grassroots
    kinds = list(p.events.values_list("kind", flat=True))
    assert kinds == [
        "registered", "routed_up", "accepted", "assigned", "replied", "rated", "reopened", "replied", "rated", "closed",
    ]  # fmt: skip


def test_second_officer_saving_a_stale_version_gets_a_conflict_and_nothing_changes(tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    seen = p.version
    services.petition_accept(actor=people.officer, petition=p, version=seen)
    with pytest.raises(ConflictError):
        services.petition_not_accept(actor=people.leader, petition=p, version=seen, reason="不属于信访事项")
    assert Petition.objects.get(pk=p.pk).status == Status.ACCEPTED


def test_state_change_not_allowed_from_the_current_state_is_refused(tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    with pytest.raises(ServiceError, match="待受理"):
        services.petition_reply(actor=people.officer, petition=p, version=p.version, text="答复")


def test_extension_once_with_approval_moves_the_conclusion_deadline(tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    p = services.petition_accept(actor=people.officer, petition=p, version=p.version)
    before = p.conclude_due
    p = services.petition_request_extension(
        actor=people.officer, petition=p, version=p.version, days=30, reason="需测绘"
    )
    with pytest.raises(PermissionDenied):
        services.petition_decide_extension(actor=people.officer, petition=p, version=p.version, approve=True)
    p = services.petition_decide_extension(actor=people.leader, petition=p, version=p.version, approve=True)
    assert p.conclude_due == work_calendar().add_working_days(before, 30).due
    assert p.due_date == p.conclude_due
    with pytest.raises(ServiceError, match="一次"):
        services.petition_request_extension(
            actor=people.officer, petition=p, version=p.version, days=5, reason="再延"
        )
    with pytest.raises(ValidationError):
        services.petition_request_extension(
            actor=people.officer, petition=p, version=p.version, days=31, reason="x"
        )


def test_review_then_rereview_then_the_same_matter_is_refused_with_the_reason(tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    p = services.petition_accept(actor=people.officer, petition=p, version=p.version)
    p = services.petition_reply(
        actor=people.officer, petition=p, version=p.version, text="补偿标准符合规定。"
    )
    p = services.petition_request_review(actor=None, petition=p, reason="标准过低")
    assert p.stage == Stage.REVIEW and p.level == HandlingLevel.COUNTY and p.status == Status.ACCEPTED
    with pytest.raises(PermissionDenied):  # the county answers a review of the township's reply
        services.petition_reply(actor=people.officer, petition=p, version=p.version, text="x")
    p.level = HandlingLevel.TOWNSHIP  # stand in for the county's answer in this test
    p.handler_path = tree.township.path
    p.save()
    p = services.petition_reply(actor=people.officer, petition=p, version=p.version, text="维持原答复。")
    p = services.petition_request_review(actor=None, petition=p, reason="仍不服")
    assert p.stage == Stage.REREVIEW
    p.handler_path = tree.township.path
    p.save()
    p = services.petition_reply(actor=people.officer, petition=p, version=p.version, text="复核维持。")
    with pytest.raises(ServiceError, match="不再受理"):
        services.petition_request_review(actor=None, petition=p, reason="再申请")


def test_review_asked_after_the_window_is_refused(tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    p = services.petition_accept(actor=people.officer, petition=p, version=p.version)
    p = services.petition_reply(actor=people.officer, petition=p, version=p.version, text="答复")
    Petition.objects.filter(pk=p.pk).update(replied_on=datetime.date.today() - datetime.timedelta(days=80))
    p.refresh_from_db()
    with pytest.raises(ServiceError, match="期限已过"):
        services.petition_request_review(actor=None, petition=p, reason="不服")


def test_merge_keeps_the_duplicate_with_its_records_and_points_to_the_target(tree, people):
    a = register(None, tree.zhangzhuang)
    b = register(None, tree.zhangzhuang, submitter_phone="13911112222", submitter_name="李四")
    services.petition_merge(actor=people.cadre, source=b, target=a)
    b.refresh_from_db()
    assert b.status == Status.MERGED and b.merged_into == a
    assert b.events.filter(kind="registered").exists()
    assert a.events.filter(kind="merged").exists()


def test_reminders_then_escalation_once(tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    soon = p.accept_due - datetime.timedelta(days=1)
    run = services.petitions_remind(today=soon)
    assert run.reminded == 1
    assert services.petitions_remind(today=soon).reminded == 0  # once a day
    late = p.accept_due + datetime.timedelta(days=1)
    assert services.petitions_remind(today=late).escalated == 1
    assert services.petitions_remind(today=late).escalated == 0
    assert p.events.filter(kind="escalated").count() == 1
    notes = set(AuditEntry.objects.filter(object_id=str(p.pk), actor=None).values_list("note", flat=True))
    assert {"到期提醒", "超期督办"} <= notes


def test_out_of_region_officer_cannot_act(tree, people):
    p = register(None, tree.zhangzhuang)
    with pytest.raises(PermissionDenied):
        services.petition_route(
            actor=people.outsider, petition=p, version=p.version, to_level=HandlingLevel.TOWNSHIP, reason="x"
        )


def test_a_request_from_a_registered_residents_phone_is_linked_to_the_household(tree, people):
    from minqing.households.tests.helpers import family

    h = family(people.cadre, tree.zhangzhuang, "王秀兰", members=1, phone="13612345678")
    p = register(None, tree.zhangzhuang, submitter_phone="13612345678")
    assert p.household == h and p.resident == h.head
    anonymous = register(
        None, tree.zhangzhuang, submitter_phone="13612345678", is_anonymous=True, submitter_name=""
    )
    assert anonymous.household is None
