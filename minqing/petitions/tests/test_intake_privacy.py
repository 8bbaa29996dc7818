"""Intake for a registered household: the head's phone is offered masked, and the mask sent back means that phone."""

import pytest
from django.urls import reverse

from minqing.audit.models import Action, AuditEntry
from minqing.households.tests.helpers import family
from minqing.petitions.models import Petition

from .factories import category

pytestmark = pytest.mark.django_db


def test_the_intake_form_for_a_household_shows_the_heads_phone_masked_with_a_reveal(client, tree, people):
    h = family(people.officer, tree.zhangzhuang, "张建国", members=0, phone="13812345678")
    client.force_login(people.cadre)
    body = client.get(reverse("petitions:intake"), {"household": h.code}).content.decode()
    assert "13812345678" not in body and "138****5678" in body
    assert reverse("households:reveal", args=[h.head_id, "phone"]) in body
    assert not AuditEntry.objects.filter(action=Action.REVEAL).exists()


def _intake(client, tree, h, phone: str):
    return client.post(
        reverse("petitions:intake") + f"?household={h.code}",
        {
            "channel": "visit",
            "region": tree.zhangzhuang.pk,
            "category": category("chengxiang-road").pk,
            "title": "门前排水沟堵塞",
            "content": "下雨积水进屋",
            "urgency": "normal",
            "submitter_name": "张建国",
            "submitter_phone": phone,
            "household_code": h.code,
        },
    )


def test_the_masked_phone_sent_back_registers_the_heads_full_phone(client, tree, people):
    h = family(people.officer, tree.zhangzhuang, "张建国", members=0, phone="13812345678")
    client.force_login(people.cadre)
    assert _intake(client, tree, h, "138****5678").status_code == 302
    assert Petition.objects.get().submitter_phone == "13812345678"


def test_a_phone_typed_over_the_mask_is_the_one_registered(client, tree, people):
    h = family(people.officer, tree.zhangzhuang, "张建国", members=0, phone="13812345678")
    client.force_login(people.cadre)
    assert _intake(client, tree, h, "13966667777").status_code == 302
    assert Petition.objects.get().submitter_phone == "13966667777"
