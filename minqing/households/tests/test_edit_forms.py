"""The staff edit forms of the registry: identifiers stay masked in the page, and a stale form cannot write back
values someone else has changed since."""

import datetime
from typing import Any

import pytest
from django.urls import reverse

from minqing.audit.models import Action, AuditEntry
from minqing.core.errors import ConflictError
from minqing.households import services
from minqing.households.forms import PersonForm, RelationUpdateForm
from minqing.households.models import HouseholdRelation, RelationKind, Resident
from minqing.households.services import relation_record

from .helpers import family

pytestmark = pytest.mark.django_db


def _member_post(resident: Resident, **changes: Any) -> dict[str, Any]:
    """What the member edit form posts when the user changes only `changes` (the rest as the page showed it)."""
    values = PersonForm.initial_for(resident)
    values["tags"] = [t.pk for t in values["tags"]]
    values["birth_date"] = values["birth_date"].isoformat() if values["birth_date"] else ""
    # As the page shows them: masked.
    values["id_number"], values["phone"] = resident.id_masked, resident.phone_masked
    values.update(changes)
    return {f"p-{k}": v for k, v in values.items()}


@pytest.fixture
def member(people, tree) -> Resident:
    h = family(people.officer, tree.zhangzhuang, "张建国", members=1)
    return h.members.exclude(pk=h.head_id).get()


@pytest.fixture
def feud(people, tree) -> HouseholdRelation:
    a = family(people.officer, tree.zhangzhuang, "张建国", members=0)
    b = family(people.officer, tree.zhangzhuang, "李小梅", members=0, phone="13900001111")
    return relation_record(
        actor=people.officer,
        household_a=a,
        household_b=b,
        kind=RelationKind.FEUD,
        subject="宅基地",
        severity=2,
    )


def test_the_resident_edit_page_holds_neither_the_full_id_number_nor_the_phone(client, people, tree):
    h = family(people.officer, tree.zhangzhuang, "张建国", members=0, phone="13812345678")
    head = h.head
    client.force_login(people.cadre)
    body = client.get(reverse("households:member_edit", args=[head.pk])).content.decode()
    assert head.id_number not in body and "13812345678" not in body
    assert head.id_masked in body and "138****5678" in body
    # Those who may reveal get the button; the page itself reveals nothing and leaves no reveal row.
    assert reverse("households:reveal", args=[head.pk, "phone"]) in body
    assert not AuditEntry.objects.filter(action=Action.REVEAL).exists()


def test_masked_values_posted_back_unchanged_keep_the_stored_id_number_and_phone(client, people, member):
    member.phone = "13611112222"
    member.save()
    stored_id = member.id_number
    client.force_login(people.cadre)
    response = client.post(
        reverse("households:member_edit", args=[member.pk]), _member_post(member, notes="在外务工")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.notes == "在外务工"
    assert member.id_number == stored_id and member.phone == "13611112222"
    assert member.phone_rev == "22221111631"


def test_a_new_phone_typed_over_the_mask_replaces_the_stored_one(client, people, member):
    client.force_login(people.cadre)
    response = client.post(
        reverse("households:member_edit", args=[member.pk]), _member_post(member, phone="13577778888")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.phone == "13577778888"


def test_revealing_from_the_edit_form_puts_the_full_value_in_the_field_and_is_audited(client, people, member):
    client.force_login(people.cadre)
    response = client.post(
        reverse("households:reveal", args=[member.pk, "id_number"]), {"into": "p-id_number"}
    )
    body = response.content.decode()
    assert 'name="p-id_number"' in body and f'value="{member.id_number}"' in body
    assert (
        AuditEntry.objects.filter(action=Action.REVEAL, object_id=str(member.pk), note="id_number").count()
        == 1
    )


def test_a_later_save_of_a_stale_resident_form_is_refused_and_keeps_the_earlier_change(
    client, people, member
):
    stale = _member_post(member, notes="低保户")
    client.force_login(people.officer)
    first = client.post(
        reverse("households:member_edit", args=[member.pk]), _member_post(member, phone="13500001111")
    )
    assert first.status_code == 302
    client.force_login(people.cadre)
    second = client.post(reverse("households:member_edit", args=[member.pk]), stale)
    assert second.status_code == 200
    assert "已被他人修改" in second.content.decode()
    member.refresh_from_db()
    assert member.phone == "13500001111" and member.notes == ""


def test_resident_update_refuses_a_version_that_is_no_longer_current(people, member):
    seen = member.version
    services.resident_record_death(actor=people.officer, resident=member, on=datetime.date.today())
    with pytest.raises(ConflictError):
        services.resident_update(
            actor=people.officer,
            resident=member,
            version=seen,
            person=services.PersonData(name=member.name, relation=member.relation),
        )


def test_a_later_save_of_a_stale_feud_form_is_refused_and_keeps_the_earlier_change(client, people, feud):
    stale = RelationUpdateForm.initial_for(feud) | {"notes": "双方仍有争执"}
    client.force_login(people.officer)
    first = client.post(
        reverse("households:relation_edit", args=[feud.pk]),
        RelationUpdateForm.initial_for(feud) | {"status": "eased"},
    )
    assert first.status_code == 302
    second = client.post(reverse("households:relation_edit", args=[feud.pk]), stale)
    assert second.status_code == 200
    assert "已被他人修改" in second.content.decode()
    feud.refresh_from_db()
    assert feud.status == "eased" and feud.notes == ""
