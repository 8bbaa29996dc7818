import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from minqing.audit.models import AuditEntry
from minqing.core.errors import ConflictError, ServiceError
from minqing.households import services
from minqing.households.models import Household, HouseholdStatus, Membership, RelationKind, Resident

from .helpers import family, person


def test_household_create_registers_head_membership_and_audit(tree, people):
    h = family(people.cadre, tree.zhangzhuang, members=0)
    assert h.code.startswith(tree.zhangzhuang.code)
    head = h.head
    assert (
        head.relation == "head" and head.name_initials == "zjg" and head.region_path == tree.zhangzhuang.path
    )
    assert Membership.objects.get(resident=head).start_reason == "registered"
    assert AuditEntry.objects.filter(
        object_type="households.household", object_id=str(h.pk), action="create"
    ).exists()


def test_cadre_cannot_register_in_another_village(tree, people):
    with pytest.raises(PermissionDenied):
        family(people.cadre, tree.leiji)
    assert not Household.objects.exists()


def test_supervisor_reads_but_cannot_write(tree, people):
    with pytest.raises(PermissionDenied):
        family(people.supervisor, tree.zhangzhuang)


def test_duplicate_id_number_in_another_household_is_refused_and_nothing_written(tree, people):
    h = family(people.cadre, tree.zhangzhuang, members=0)
    before = Resident.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.resident_add(
            actor=people.cadre,
            household=h,
            person=services.PersonData(name="王五", id_number=h.head.id_number),
        )
    assert "已登记在户" in str(exc.value)
    assert Resident.objects.count() == before


def test_birth_date_must_match_id_number(tree, people):
    p = person("王芳", born=datetime.date(1990, 1, 2), male=False)
    p.birth_date = datetime.date(1991, 1, 2)
    with pytest.raises(ValidationError, match="不符"):
        services.household_create(actor=people.cadre, region=tree.zhangzhuang, head=p)
    assert not Household.objects.exists()


def test_concurrent_edit_gets_a_conflict_and_loses_nothing(tree, people):
    h = family(people.cadre, tree.zhangzhuang, members=0)
    seen = h.version
    services.household_update(actor=people.cadre, household=h, version=seen, address="新地址1号")
    with pytest.raises(ConflictError):
        services.household_update(actor=people.officer, household=h, version=seen, address="另一个地址")
    h.refresh_from_db()
    assert h.address == "新地址1号"


def test_move_member_keeps_history(tree, people):
    a = family(people.officer, tree.zhangzhuang, "张建国", members=1)
    b = family(people.officer, tree.leiji, "雷大明", members=0)
    child = a.members.exclude(pk=a.head_id).get()
    today = timezone.localdate()
    services.resident_move(actor=people.officer, resident=child, to_household=b, relation="other", on=today)
    child.refresh_from_db()
    assert child.household == b and child.region_path == tree.leiji.path
    stays = list(Membership.objects.filter(resident=child).order_by("id"))
    assert [s.household_id for s in stays] == [a.pk, b.pk]
    assert stays[0].ended_on == today and stays[1].ended_on is None


def test_move_dated_before_joining_is_refused(tree, people):
    a = family(people.officer, tree.zhangzhuang, members=1)
    b = family(people.officer, tree.leiji, "雷大明", members=0)
    child = a.members.exclude(pk=a.head_id).get()
    with pytest.raises(ValidationError, match="早于"):
        services.resident_move(
            actor=people.officer,
            resident=child,
            to_household=b,
            relation="other",
            on=datetime.date(2000, 1, 1),
        )
    child.refresh_from_db()
    assert child.household == a


def test_village_cadre_cannot_move_member_to_another_village(tree, people):
    a = family(people.officer, tree.zhangzhuang, members=1)
    b = family(people.officer, tree.leiji, "雷大明", members=0)
    child = a.members.exclude(pk=a.head_id).get()
    with pytest.raises(PermissionDenied):
        services.resident_move(actor=people.cadre, resident=child, to_household=b, relation="other")


def test_head_cannot_leave_while_others_remain(tree, people):
    a = family(people.officer, tree.zhangzhuang, members=1)
    b = family(people.officer, tree.zhangzhuang, "李四", members=0)
    with pytest.raises(ServiceError, match="变更户主"):
        services.resident_move(actor=people.officer, resident=a.head, to_household=b, relation="other")


def test_death_is_recorded_and_last_member_closes_household(tree, people):
    h = family(people.cadre, tree.zhangzhuang, members=0)
    services.resident_record_death(actor=people.cadre, resident=h.head, on=timezone.localdate())
    h.refresh_from_db()
    assert h.status == HouseholdStatus.CLOSED
    assert Membership.objects.get(resident__name="张建国").end_reason == "death"


def test_death_in_the_future_is_refused(tree, people):
    h = family(people.cadre, tree.zhangzhuang, members=0)
    with pytest.raises(ValidationError):
        services.resident_record_death(actor=people.cadre, resident=h.head, on=datetime.date(2999, 1, 1))


def test_split_creates_household_with_history(tree, people):
    h = family(people.cadre, tree.zhangzhuang, members=2)
    son = h.members.get(relation="son")
    new = services.household_split(
        actor=people.cadre, household=h, members=[son], new_head=son, on=timezone.localdate()
    )
    assert new.split_from == h and new.head == son and new.head_name == son.name
    assert h.members.count() == 2
    assert Membership.objects.filter(resident=son).count() == 2


def test_split_cannot_take_the_head(tree, people):
    h = family(people.cadre, tree.zhangzhuang, members=1)
    with pytest.raises(ValidationError):
        services.household_split(actor=people.cadre, household=h, members=[h.head], new_head=h.head)


def test_feud_needs_subject_and_severity(tree, people):
    a = family(people.cadre, tree.zhangzhuang, members=0)
    b = family(people.cadre, tree.zhangzhuang, "李四", members=0)
    with pytest.raises(ValidationError) as exc:
        services.relation_record(actor=people.cadre, household_a=a, household_b=b, kind=RelationKind.FEUD)
    assert set(exc.value.message_dict) == {"subject", "severity"}
    rel = services.relation_record(
        actor=people.cadre,
        household_a=a,
        household_b=b,
        kind=RelationKind.FEUD,
        subject="宅基地边界",
        severity=2,
    )
    assert rel.status == "active" and rel.recorded_by == people.cadre


def test_reveal_is_audited_and_needs_permission(tree, people):
    h = family(people.cadre, tree.zhangzhuang, members=0)
    value = services.resident_reveal(actor=people.cadre, resident=h.head, what="id_number")
    assert value == h.head.id_number
    assert AuditEntry.objects.filter(action="reveal", object_id=str(h.head.pk), actor=people.cadre).exists()
    with pytest.raises(PermissionDenied):
        services.resident_reveal(actor=people.supervisor, resident=h.head, what="id_number")


def test_update_records_before_and_after(tree, people):
    h = family(people.cadre, tree.zhangzhuang, members=0)
    services.household_update(actor=people.cadre, household=h, version=h.version, address="二组3号")
    entry = AuditEntry.objects.filter(action="update", object_id=str(h.pk)).latest("id")
    assert entry.before["address"] == "张庄村一组8号" and entry.after["address"] == "二组3号"


def test_household_codes_keep_counting_past_9999(tree, people):
    from minqing.core.tests.factories import HouseholdFactory

    HouseholdFactory(region=tree.zhangzhuang, code=tree.zhangzhuang.code + "9999")
    assert services.next_household_code(tree.zhangzhuang) == tree.zhangzhuang.code + "10000"
    HouseholdFactory(region=tree.zhangzhuang, code=tree.zhangzhuang.code + "10000")
    assert services.next_household_code(tree.zhangzhuang) == tree.zhangzhuang.code + "10001"
