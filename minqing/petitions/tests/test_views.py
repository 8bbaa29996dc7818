"""Staff pages: the work list, intake, the request page and its steps; every page leak-tested with an outsider."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from minqing.core.tests.images import huge_png
from minqing.petitions import services
from minqing.petitions.models import HandlingLevel, Petition, Status

from .factories import category, department, register

pytestmark = pytest.mark.django_db


def test_work_list_shows_only_requests_in_the_users_regions(client, tree, people):
    mine = register(None, tree.zhangzhuang, title="张庄的路灯坏了")
    theirs = register(None, tree.other_village, title="堌阳的事", submitter_phone="13900000000")
    client.force_login(people.cadre)
    body = client.get(reverse("petitions:list")).content.decode()
    assert mine.title in body and theirs.title not in body
    client.force_login(people.outsider)
    body = client.get(reverse("petitions:list")).content.decode()
    assert mine.title not in body and theirs.title in body


def test_request_page_is_404_for_an_out_of_region_officer_and_for_a_missing_one(client, tree, people):
    p = register(None, tree.zhangzhuang)
    client.force_login(people.outsider)
    assert client.get(reverse("petitions:detail", args=[p.pk])).status_code == 404
    assert client.get(reverse("petitions:detail", args=[p.pk + 1000])).status_code == 404
    step = reverse("petitions:step", args=[p.pk, "accept"])
    assert client.post(step, {"accept-version": p.version}).status_code == 404
    assert Petition.objects.get(pk=p.pk).status == Status.REGISTERED


def test_request_page_tells_staff_when_the_person_chose_to_publish(client, tree, people):
    published = register(None, tree.zhangzhuang, publish=True)
    private = register(None, tree.leiji)
    client.force_login(people.officer)
    assert (
        'data-testid="published"'
        in client.get(reverse("petitions:detail", args=[published.pk])).content.decode()
    )
    assert (
        'data-testid="published"'
        not in client.get(reverse("petitions:detail", args=[private.pk])).content.decode()
    )


def test_department_handler_sees_only_what_is_assigned_to_the_department(client, tree, people):
    assigned = register(
        people.officer, tree.zhangzhuang, category=category("tudi-compensation"), title="征地补偿"
    )
    other = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"), title="另一件")
    dept = department(tree.township, "国土所", members=(people.handler,))
    services.petitions_assign(actor=people.officer, petitions=[assigned], department=dept)
    client.force_login(people.handler)
    body = client.get(reverse("petitions:list")).content.decode()
    assert "征地补偿" in body and "另一件" not in body
    assert client.get(reverse("petitions:detail", args=[other.pk])).status_code == 404


def test_intake_page_registers_and_shows_the_tracking_code(client, tree, people):
    client.force_login(people.cadre)
    response = client.post(
        reverse("petitions:intake"),
        {
            "channel": "visit",
            "region": tree.zhangzhuang.pk,
            "category": category("chengxiang-road").pk,
            "title": "村东头道路破损",
            "content": "<script>alert(1)</script>下雨天无法通行",
            "urgency": "normal",
            "submitter_name": "王五",
            "submitter_phone": "13700001234",
        },
        follow=True,
    )
    p = Petition.objects.get()
    assert p.level == HandlingLevel.VILLAGE
    body = response.content.decode()
    assert p.tracking_code in body
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_control_characters_typed_into_the_staff_intake_are_removed_before_they_are_stored(
    client, tree, people
):
    client.force_login(people.cadre)
    client.post(
        reverse("petitions:intake"),
        {
            "channel": "visit",
            "region": tree.zhangzhuang.pk,
            "category": category("chengxiang-road").pk,
            "title": "村东头\u202e道路\x1b[1m破损",
            "content": "下雨天\x07无法通行\r\n\t已两周\x00",
            "urgency": "normal",
            "submitter_name": "王五\u200f",
            "submitter_phone": "13700001234",
            "representatives": "\x1b]0;x\x07李四",
        },
    )
    p = Petition.objects.get()
    assert (p.title, p.submitter_name, p.representatives) == ("村东头道路破损", "王五", "李四")
    assert p.content == "下雨天无法通行\n\t已两周"


def test_intake_with_missing_fields_and_huge_content_shows_errors_and_saves_nothing(client, tree, people):
    client.force_login(people.cadre)
    response = client.post(
        reverse("petitions:intake"),
        {"channel": "visit", "region": tree.zhangzhuang.pk, "category": category().pk, "title": "标题",
         "content": "字" * 100_000, "urgency": "normal", "submitter_name": ""},
    )  # fmt: skip
    assert response.status_code == 200
    body = response.content.decode()
    assert "最多 10000 个字" in body and "请填写姓名" in body
    assert Petition.objects.count() == 0


def test_steps_through_the_pages_route_accept_reply(client, tree, people):
    p = register(None, tree.zhangzhuang)
    client.force_login(people.cadre)
    r = client.post(
        reverse("petitions:step", args=[p.pk, "route"]),
        {"route-version": p.version, "route-to_level": "township", "route-reason": "村里解决不了"},
    )
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.level == HandlingLevel.TOWNSHIP
    client.force_login(people.officer)
    r = client.post(reverse("petitions:step", args=[p.pk, "accept"]), {"accept-version": p.version})
    assert r.status_code == 302
    p.refresh_from_db()
    r = client.post(
        reverse("petitions:step", args=[p.pk, "reply"]), {"reply-version": p.version, "reply-text": "已解决"}
    )
    p.refresh_from_db()
    assert p.status == Status.REPLIED


def test_stale_version_gets_a_conflict_message_and_nothing_changes(client, tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    stale = p.version
    services.petition_accept(actor=people.leader, petition=p, version=stale)
    client.force_login(people.officer)
    r = client.post(
        reverse("petitions:step", args=[p.pk, "not_accept"]),
        {"notaccept-version": stale, "notaccept-reason": "不属于信访事项"},
    )
    assert r.status_code == 409
    assert "已被他人处理过" in r.content.decode()
    assert Petition.objects.get(pk=p.pk).status == Status.ACCEPTED


def test_a_step_not_allowed_in_the_current_state_shows_why(client, tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    client.force_login(people.officer)
    r = client.post(
        reverse("petitions:step", args=[p.pk, "reply"]), {"reply-version": p.version, "reply-text": "x"}
    )
    assert r.status_code == 400
    assert "不能进行此操作" in r.content.decode()


def test_village_cadre_cannot_accept_a_township_matter(client, tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    client.force_login(people.cadre)
    r = client.post(reverse("petitions:step", args=[p.pk, "accept"]), {"accept-version": p.version})
    assert r.status_code == 400
    assert Petition.objects.get(pk=p.pk).status == Status.REGISTERED


def test_bulk_assign_is_all_or_nothing(client, tree, people):
    dept = department(tree.township, members=(people.handler,))
    a = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    b = register(
        people.officer, tree.leiji, category=category("tudi-compensation"), submitter_phone="13900001111"
    )
    client.force_login(people.officer)
    r = client.post(
        reverse("petitions:bulk"), {"ids": [a.pk, b.pk], "bulk-action": "assign", "bulk-department": dept.pk}
    )
    assert r.status_code == 302
    assert set(Petition.objects.values_list("department_id", flat=True)) == {dept.pk}
    # The village cadre may see a (village level) but not act on township-level requests: nothing changes.
    c = register(None, tree.zhangzhuang, submitter_phone="13900002222", category=category("chengxiang-road"))
    d = register(
        people.officer,
        tree.zhangzhuang,
        category=category("tudi-compensation"),
        submitter_phone="13900003333",
    )
    client.force_login(people.cadre)
    client.post(
        reverse("petitions:bulk"),
        {"ids": [c.pk, d.pk], "bulk-action": "recategorise", "bulk-category": category("other").pk},
    )
    assert Petition.objects.get(pk=c.pk).category.code == "chengxiang-road"


def test_household_page_lists_its_requests(client, tree, people):
    from minqing.core.tests.factories import HouseholdFactory

    h = HouseholdFactory(region=tree.zhangzhuang)
    p = register(people.cadre, tree.zhangzhuang, household=h, title="该户的诉求")
    client.force_login(people.cadre)
    body = client.get(reverse("households:detail", args=[h.pk])).content.decode()
    assert p.title in body


def test_home_shows_the_work_queues_with_counts(client, tree, people):
    register(None, tree.zhangzhuang)
    client.force_login(people.cadre)
    body = client.get(reverse("home")).content.decode()
    assert 'data-queue="to_accept"' in body
    client.force_login(people.outsider)
    body = client.get(reverse("home")).content.decode()
    assert 'data-queue="to_accept"' in body


def test_similar_hint_lists_recent_requests_from_the_same_phone(client, tree, people):
    p = register(None, tree.zhangzhuang, title="之前反映过的事")
    client.force_login(people.cadre)
    r = client.get(
        reverse("petitions:similar"),
        {"region": tree.zhangzhuang.pk, "category": category().pk, "submitter_phone": "13812345678"},
    )
    assert p.title in r.content.decode()
    client.force_login(people.outsider)
    r = client.get(
        reverse("petitions:similar"),
        {"region": tree.zhangzhuang.pk, "category": category().pk, "submitter_phone": "13812345678"},
    )
    assert p.title not in r.content.decode()


def test_similar_hint_takes_a_long_text_by_post_and_finds_the_same_text(client, tree, people):
    # Longer than a URL may be behind common proxies (8 KB): the form posts what was typed.
    text = "村东头的排水沟堵塞多年，雨季积水倒灌进院子，老人孩子出行不便，希望尽快清淤修复。" * 120
    assert len(text.encode()) > 8192
    earlier = register(None, tree.zhangzhuang, title="排水沟堵塞", content=text)
    client.force_login(people.cadre)
    r = client.post(
        reverse("petitions:similar"),
        {"region": tree.zhangzhuang.pk, "title": "排水沟堵塞", "content": text},
    )
    assert r.status_code == 200
    assert earlier.tracking_code in r.content.decode()
    client.force_login(people.outsider)
    r = client.post(
        reverse("petitions:similar"),
        {"region": tree.zhangzhuang.pk, "title": "排水沟堵塞", "content": text},
    )
    assert earlier.tracking_code not in r.content.decode()


def test_linking_a_repeat_by_tracking_code_from_the_request_page(client, tree, people):
    first = register(None, tree.zhangzhuang, title="第一次反映")
    second = register(None, tree.zhangzhuang, title="换个号码再反映", submitter_phone="13900009999")
    client.force_login(people.cadre)
    r = client.post(
        reverse("petitions:step", args=[second.pk, "link"]), {"link-earlier_code": first.tracking_code}
    )
    assert r.status_code == 302
    second.refresh_from_db()
    assert second.is_repeat and second.repeat_of == first
    third = register(None, tree.zhangzhuang, title="第三件", submitter_phone="13900008888")
    r = client.post(reverse("petitions:step", args=[third.pk, "link"]), {"link-earlier_code": "AAAAAAAAAA"})
    assert r.status_code == 400 and "找不到该查询码" in r.content.decode()


def test_county_supervisor_urges_an_open_request_but_cannot_handle_it(client, tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    client.force_login(people.supervisor)
    body = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert 'id="step-urge"' in body and 'id="step-accept"' not in body
    r = client.post(reverse("petitions:step", args=[p.pk, "urge"]), {"urge-note": "请本周内答复"})
    assert r.status_code == 302
    assert p.events.filter(kind="urged", note="请本周内答复").exists()
    client.force_login(people.cadre)  # the village sees the request in its village but may not urge
    r = client.post(reverse("petitions:step", args=[p.pk, "urge"]), {"urge-note": "x"})
    assert r.status_code == 400
    assert p.events.filter(kind="urged").count() == 1


def test_a_tracking_code_from_another_township_is_not_found_when_linking(client, tree, people):
    mine = register(None, tree.zhangzhuang, title="本村的事")
    theirs = register(None, tree.other_village, title="邻镇的事", submitter_phone="13900007777")
    client.force_login(people.cadre)
    r = client.post(
        reverse("petitions:step", args=[mine.pk, "link"]), {"link-earlier_code": theirs.tracking_code}
    )
    assert r.status_code == 400 and "找不到该查询码" in r.content.decode()
    mine.refresh_from_db()
    assert not mine.is_repeat


def test_attaching_a_png_of_thirty_thousand_pixels_square_is_refused_with_a_message_not_a_500(
    client, tree, people
):
    p = register(None, tree.zhangzhuang)
    client.force_login(people.officer)
    big = SimpleUploadedFile("现场.png", huge_png(30_000, 30_000), "image/png")
    r = client.post(reverse("petitions:attach", args=[p.pk]), {"files": [big]}, follow=True)
    assert r.status_code == 200
    assert "附件“现场.png”图片尺寸过大" in r.content.decode()
    assert p.attachments.count() == 0
