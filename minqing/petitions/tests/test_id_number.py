"""The petitioner's ID number at intake (信访登记): checked by GB 11643, shown masked, revealed only by an audited
step, and used to find repeats when the phone differs."""

import pytest
from django.urls import reverse

from minqing.audit.models import Action, AuditEntry
from minqing.core.errors import ServiceError, ValidationError
from minqing.households.tests.helpers import family
from minqing.petitions import services
from minqing.petitions.models import Petition

from .factories import category, register

pytestmark = pytest.mark.django_db

ID = "410225196503121237"
MASKED = "4102**********1237"


def test_the_id_number_is_kept_in_canonical_form(tree, people):
    p = register(people.officer, tree.zhangzhuang, submitter_id_number=" 410225196503121237 ")
    assert p.submitter_id_number == ID and p.id_number_masked == MASKED
    lower_x = register(
        people.officer,
        tree.zhangzhuang,
        submitter_id_number="410225197811054560",
        submitter_phone="13900001111",
    )
    assert lower_x.submitter_id_number == "410225197811054560"


def test_a_wrong_check_digit_is_refused_with_its_reason_and_nothing_is_written(tree, people):
    with pytest.raises(ValidationError) as exc:
        register(people.officer, tree.zhangzhuang, submitter_id_number="410225196503121238")
    assert "校验位错误" in " ".join(exc.value.message_dict["submitter_id_number"])
    assert Petition.objects.count() == 0


def test_an_anonymous_request_keeps_no_id_number(tree, people):
    p = register(people.officer, tree.zhangzhuang, is_anonymous=True, submitter_id_number=ID)
    assert p.submitter_id_number == ""


def test_the_same_id_number_with_another_phone_is_a_repeat(tree, people):
    first = register(people.officer, tree.zhangzhuang, submitter_id_number=ID)
    again = register(people.officer, tree.zhangzhuang, submitter_id_number=ID, submitter_phone="13966667777")
    assert again.is_repeat and again.repeat_of_id == first.pk
    stranger = register(
        people.officer,
        tree.zhangzhuang,
        submitter_id_number="410225197811054560",
        submitter_phone="13955554444",
    )
    assert not stranger.is_repeat


def test_the_request_page_shows_the_number_masked_and_the_reveal_is_audited(client, tree, people):
    p = register(people.officer, tree.zhangzhuang, submitter_id_number=ID)
    client.force_login(people.officer)
    body = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert ID not in body and MASKED in body
    url = reverse("petitions:reveal", args=[p.pk, "submitter_id_number"])
    assert url in body
    assert not AuditEntry.objects.filter(action=Action.REVEAL).exists()
    shown = client.post(url)
    assert shown.status_code == 200 and ID in shown.content.decode()
    entry = AuditEntry.objects.get(action=Action.REVEAL)
    assert (
        entry.actor == people.officer and entry.object_id == str(p.pk) and entry.note == "submitter_id_number"
    )
    assert client.post(reverse("petitions:reveal", args=[p.pk, "reply_text"])).status_code == 404


def test_the_reveal_is_404_outside_the_region_and_refused_without_the_permission(client, tree, people):
    p = register(people.officer, tree.zhangzhuang, submitter_id_number=ID)
    url = reverse("petitions:reveal", args=[p.pk, "submitter_id_number"])
    for user in (people.outsider, people.cadre_leiji, people.nobody):
        client.force_login(user)
        response = client.post(url)
        assert response.status_code == 404 and ID not in response.content.decode()
    client.force_login(people.supervisor)  # sees the request, may not see identities
    response = client.post(url)
    assert response.status_code == 403 and ID not in response.content.decode()
    assert not AuditEntry.objects.filter(action=Action.REVEAL).exists()


def test_the_list_and_export_show_no_full_id_number(client, tree, people):
    register(people.officer, tree.zhangzhuang, submitter_id_number=ID)
    client.force_login(people.officer)
    assert ID not in client.get(reverse("petitions:list")).content.decode()
    export = client.get(reverse("petitions:export"))
    assert ID.encode() not in b"".join(export.streaming_content)


def test_intake_for_a_household_offers_the_heads_number_masked_and_the_mask_means_that_number(
    client, tree, people
):
    h = family(people.officer, tree.zhangzhuang, "张建国", members=0, phone="13812345678")
    head = h.head
    client.force_login(people.cadre)
    body = client.get(reverse("petitions:intake"), {"household": h.code}).content.decode()
    assert head.id_number not in body and head.id_masked in body
    assert reverse("households:reveal", args=[head.pk, "id_number"]) in body
    response = client.post(
        reverse("petitions:intake") + f"?household={h.code}",
        {
            "channel": "visit",
            "region": tree.zhangzhuang.pk,
            "category": category("chengxiang-road").pk,
            "title": "门前排水沟堵塞",
            "content": "下雨积水进屋",
            "urgency": "normal",
            "submitter_name": "张建国",
            "submitter_phone": "138****5678",
            "submitter_id_number": head.id_masked,
            "household_code": h.code,
        },
    )
    assert response.status_code == 302
    assert Petition.objects.get().submitter_id_number == head.id_number


def test_a_bad_number_at_the_office_form_is_shown_next_to_the_field(client, tree, people):
    client.force_login(people.officer)
    response = client.post(
        reverse("petitions:intake"),
        {
            "channel": "visit",
            "region": tree.zhangzhuang.pk,
            "category": category("chengxiang-road").pk,
            "title": "门前排水沟堵塞",
            "content": "下雨积水进屋",
            "urgency": "normal",
            "submitter_name": "张建国",
            "submitter_phone": "13812345678",
            "submitter_id_number": "4102251965031212",
        },
    )
    assert response.status_code == 200 and "身份证号应为18位" in response.content.decode()
    assert Petition.objects.count() == 0


def test_services_refuse_to_reveal_other_fields(tree, people):
    p = register(people.officer, tree.zhangzhuang, submitter_id_number=ID)
    with pytest.raises(ServiceError):
        services.petition_reveal(actor=people.officer, petition=p, what="content")
