"""The core loop as a township works it: sending a request up to the county and back, a repeat going to whoever
handled the original, the assignee list of the chosen department, and a misfiled request passed to the right
township."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from minqing.accounts.roles import Role
from minqing.audit.models import AuditEntry
from minqing.core.errors import ServiceError, ValidationError
from minqing.core.tests.factories import UserFactory, grant
from minqing.petitions import selectors, services
from minqing.petitions.models import EventKind, HandlingLevel, Petition, Status
from minqing.workcal.selectors import work_calendar

from .factories import category, department, register

pytestmark = pytest.mark.django_db


def township_matter(people, tree, **overrides) -> Petition:
    return register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"), **overrides)


def send_up(people, p: Petition) -> Petition:
    return services.petition_route(
        actor=people.officer,
        petition=p,
        version=p.version,
        to_level=HandlingLevel.COUNTY,
        reason="涉及县自然资源局的补偿标准，乡镇无权决定",
    )


def queue(actor, name: str) -> list[int]:
    counts = {row["name"]: row["count"] for row in selectors.work_queue_list(actor=actor)}
    rows = selectors.petition_list(actor=actor, filters=selectors.ListFilters(queue=name))
    assert counts.get(name, 0) == rows.count()
    return list(rows.values_list("pk", flat=True))


# --- Sent up to the county ---------------------------------------------------------------------------------


def test_a_request_sent_up_is_in_the_county_officers_queue_and_he_can_handle_it(tree, people, county_officer):
    p = send_up(people, township_matter(people, tree))
    assert p.level == HandlingLevel.COUNTY and p.handler_path == tree.county.path
    assert queue(county_officer, "to_accept") == [p.pk]
    assert queue(people.supervisor, "to_accept") == []  # the supervisor presses, he does not handle
    p = services.petition_accept(actor=county_officer, petition=p, version=p.version)
    p = services.petition_reply(actor=county_officer, petition=p, version=p.version, text="按县标准补偿。")
    assert p.status == Status.REPLIED
    with pytest.raises(PermissionDenied):
        services.petition_progress(actor=people.officer, petition=p, note="township cannot act now")
    assert AuditEntry.objects.filter(object_id=str(p.pk), actor=county_officer).count() == 2


def test_sending_up_restarts_the_acceptance_clock_for_the_receiving_body(tree, people, county_officer):
    p = township_matter(people, tree)
    Petition.objects.filter(pk=p.pk).update(accept_due=p.registered_on)  # as if the township took its time
    p.refresh_from_db()
    p = send_up(people, p)
    assert p.accept_due == work_calendar().add_working_days(timezone.localdate(), 15).due
    assert p.due_date == p.accept_due


def test_the_township_keeps_seeing_a_request_at_the_county(client, tree, people, county_officer):
    p = send_up(people, township_matter(people, tree))
    assert queue(people.officer, "sent_up") == [p.pk]
    assert p.pk not in queue(people.officer, "to_accept")
    client.force_login(people.officer)
    body = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert 'data-testid="at-county"' in body and "已上报县" in body
    assert 'id="step-accept"' not in body  # the township can no longer act on it


def test_the_county_queue_holds_what_is_sent_up_not_the_townships_own_work(tree, people, county_officer):
    own = township_matter(people, tree)
    sent = send_up(people, township_matter(people, tree, submitter_phone="13900001234"))
    assert queue(county_officer, "to_accept") == [sent.pk]
    assert own.pk not in queue(county_officer, "overdue") + queue(county_officer, "due_soon")
    own = services.petition_accept(actor=people.officer, petition=own, version=own.version)
    own = services.petition_reply(actor=people.officer, petition=own, version=own.version, text="已补偿。")
    assert queue(people.officer, "to_follow_up") == [own.pk]
    assert queue(county_officer, "to_follow_up") == []


def test_the_county_returns_a_request_with_a_reason_the_township_has_it_again(tree, people, county_officer):
    p = send_up(people, township_matter(people, tree))
    with pytest.raises(ValidationError):
        services.petition_route(
            actor=county_officer, petition=p, version=p.version, to_level=HandlingLevel.TOWNSHIP, reason=" "
        )
    p = services.petition_route(
        actor=county_officer,
        petition=p,
        version=p.version,
        to_level=HandlingLevel.TOWNSHIP,
        reason="属乡镇职责，按县里文件标准由镇国土所核算",
    )
    event = p.events.order_by("-id").first()
    assert event.kind == EventKind.RETURNED and event.is_public and "镇国土所核算" in event.public_note
    assert p.level == HandlingLevel.TOWNSHIP and queue(people.officer, "to_accept") == [p.pk]
    assert queue(people.officer, "sent_up") == []
    assert AuditEntry.objects.filter(object_id=str(p.pk), actor=county_officer, note="退回下级").exists()


def test_the_county_office_is_told_when_a_request_arrives(tree, people, county_officer):
    from minqing.core.models import Notification

    county_officer.phone = "13700000001"
    county_officer.save()
    p = send_up(people, township_matter(people, tree))
    assert Notification.objects.filter(to="13700000001", about=f"petitions.petition:{p.pk}").exists()


def test_a_county_request_is_404_to_an_officer_of_another_township(client, tree, people, county_officer):
    p = send_up(people, township_matter(people, tree))
    client.force_login(people.outsider)
    assert client.get(reverse("petitions:detail", args=[p.pk])).status_code == 404
    assert p.pk not in queue(people.outsider, "sent_up")


# --- Repeats go to whoever handled the original --------------------------------------------------------------


def test_a_repeat_of_a_matter_the_township_handled_goes_to_the_township(tree, people):
    first = register(None, tree.zhangzhuang)
    assert first.level == HandlingLevel.VILLAGE
    services.petition_route(
        actor=people.cadre, petition=first, version=first.version, to_level="township", reason="村里解决不了"
    )
    again = register(None, tree.zhangzhuang, title="低保的事还是没有结果")
    assert again.is_repeat and again.repeat_of_id == first.pk
    assert again.level == HandlingLevel.TOWNSHIP and again.handler_path == tree.township.path
    assert "交乡镇" in again.events.get().note


def test_marking_a_repeat_by_hand_moves_it_up_to_the_originals_level(tree, people):
    first = township_matter(people, tree)
    later = register(None, tree.zhangzhuang, submitter_phone="13900009999")  # another phone: not found
    assert later.level == HandlingLevel.VILLAGE and not later.is_repeat
    later = services.petition_link(actor=people.officer, petition=later, earlier=first)
    assert later.level == HandlingLevel.TOWNSHIP and later.handler_path == tree.township.path
    event = later.events.get(kind=EventKind.LINKED)
    assert (event.from_level, event.to_level) == (HandlingLevel.VILLAGE, HandlingLevel.TOWNSHIP)


# --- The assignee list is the chosen department's ----------------------------------------------------------


def land_handler(tree):
    """A handler of the township's 国土所 (people.handler works at the 民政所)."""
    u = UserFactory(username="land_handler", display_name="国土所经办人")
    grant(u, Role.DEPT_HANDLER, tree.township)
    return u


def test_an_assignee_of_another_department_is_refused_by_the_service(tree, people):
    other = land_handler(tree)
    minzheng = department(tree.township, "民政所", members=(people.handler,))
    department(tree.township, "国土所", members=(other,))
    p = township_matter(people, tree)
    with pytest.raises(ValidationError) as exc:
        services.petitions_assign(actor=people.officer, petitions=[p], department=minzheng, assignee=other)
    assert "assignee" in exc.value.message_dict
    p.refresh_from_db()
    assert p.department is None and p.assignee is None
    (p,) = services.petitions_assign(
        actor=people.officer, petitions=[p], department=minzheng, assignee=people.handler
    )
    assert p.assignee == people.handler


def test_the_assign_step_groups_handlers_by_department_and_refuses_a_mismatch(client, tree, people):
    other = land_handler(tree)
    minzheng = department(tree.township, "民政所", members=(people.handler,))
    guotu = department(tree.township, "国土所", members=(other,))
    p = township_matter(people, tree)
    client.force_login(people.officer)
    body = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert '<optgroup label="民政所">' in body and f'value="{minzheng.pk}:{people.handler.pk}"' in body
    assert f'value="{guotu.pk}:{other.pk}"' in body
    url = reverse("petitions:step", args=[p.pk, "assign"])
    bad = client.post(url, {"assign-department": minzheng.pk, "assign-assignee": f"{guotu.pk}:{other.pk}"})
    assert bad.status_code == 400 and "不是民政所的经办人" in bad.content.decode()
    p.refresh_from_db()
    assert p.assignee is None
    # A handler picked without a department goes with the department he was listed under.
    ok = client.post(url, {"assign-department": "", "assign-assignee": f"{guotu.pk}:{other.pk}"})
    assert ok.status_code == 302
    p.refresh_from_db()
    assert (p.department, p.assignee) == (guotu, other)


# --- A misfiled request passed to the right township ---------------------------------------------------------


def misfiled(tree) -> Petition:
    """Filed by a resident under 堌阳村 of 堌阳镇 although the matter is in 东坝头镇's 张庄村."""
    return register(None, tree.other_village, title="张庄村东头排水沟堵塞")


def test_the_receiving_office_passes_a_misfiled_request_to_the_right_township(tree, people):
    p = misfiled(tree)
    with pytest.raises(ValidationError):
        services.petition_transfer(
            actor=people.outsider, petition=p, version=p.version, region=tree.zhangzhuang, reason=""
        )
    p = services.petition_transfer(
        actor=people.outsider,
        petition=p,
        version=p.version,
        region=tree.zhangzhuang,
        reason="核实为东坝头镇张庄村的事项",
    )
    assert p.region == tree.zhangzhuang and p.region_path == tree.zhangzhuang.path
    assert p.status == Status.REGISTERED and p.level == HandlingLevel.VILLAGE
    event = p.events.order_by("-id").first()
    assert event.kind == EventKind.TRANSFERRED and "东坝头镇 · 张庄村" in event.public_note
    assert AuditEntry.objects.filter(object_id=str(p.pk), actor=people.outsider).exists()
    # The receiving township has it in its queue; the sender no longer sees it.
    assert p.pk in queue(people.officer, "to_accept") and p.pk in queue(people.cadre, "to_accept")
    assert selectors.petition_get_by_code(actor=people.outsider, code=p.tracking_code) is None


def test_passing_on_needs_the_handling_office_and_another_township(tree, people):
    p = misfiled(tree)
    with pytest.raises(PermissionDenied):
        services.petition_transfer(
            actor=people.officer, petition=p, version=p.version, region=tree.zhangzhuang, reason="不是我的"
        )
    with pytest.raises(ValidationError):
        services.petition_transfer(
            actor=people.outsider,
            petition=p,
            version=p.version,
            region=tree.other_township,
            reason="同一乡镇",
        )
    closed = register(None, tree.other_village, submitter_phone="13900004444")
    services.petition_not_accept(actor=people.outsider, petition=closed, version=closed.version, reason="x")
    with pytest.raises(ServiceError):
        services.petition_transfer(
            actor=people.outsider, petition=closed, version=closed.version + 1, region=tree.leiji, reason="x"
        )


def test_the_transfer_step_lists_other_townships_with_their_villages_and_leaves_for_the_list(
    client, tree, people
):
    p = misfiled(tree)
    client.force_login(people.outsider)
    body = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert '<optgroup label="东坝头镇">' in body and "东坝头镇 · 张庄村" in body
    assert '<optgroup label="堌阳镇">' not in body
    url = reverse("petitions:step", args=[p.pk, "transfer"])
    bad = client.post(
        url, {"transfer-version": p.version, "transfer-region": "nonsense", "transfer-reason": "x"}
    )
    assert bad.status_code == 400
    response = client.post(
        url,
        {
            "transfer-version": p.version,
            "transfer-region": tree.zhangzhuang.pk,
            "transfer-reason": "核实地点",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("petitions:list")
    client.force_login(people.officer)
    assert client.get(reverse("petitions:detail", args=[p.pk])).status_code == 200


def test_the_transfer_step_is_404_outside_the_region(client, tree, people):
    p = misfiled(tree)
    client.force_login(people.officer)  # 东坝头镇 cannot see 堌阳镇's request, let alone pass it on
    response = client.post(
        reverse("petitions:step", args=[p.pk, "transfer"]),
        {"transfer-version": p.version, "transfer-region": tree.zhangzhuang.pk, "transfer-reason": "x"},
    )
    assert response.status_code == 404
    p.refresh_from_db()
    assert p.region == tree.other_village


def test_a_review_asked_of_a_township_answer_is_in_the_county_offices_review_queue(
    tree, people, county_officer
):
    p = township_matter(people, tree)
    p = services.petition_accept(actor=people.officer, petition=p, version=p.version)
    p = services.petition_reply(actor=people.officer, petition=p, version=p.version, text="按镇里标准补偿。")
    p = services.petition_request_review(actor=None, petition=p, reason="补偿标准不对")
    assert p.level == HandlingLevel.COUNTY and p.status == Status.ACCEPTED
    assert queue(county_officer, "reviews") == [p.pk]
    assert queue(people.officer, "reviews") == [] and queue(people.officer, "sent_up") == [p.pk]
    p = services.petition_reply(actor=county_officer, petition=p, version=p.version, text="复查维持。")
    assert p.status == Status.REPLIED and queue(county_officer, "reviews") == []
