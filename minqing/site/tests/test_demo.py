import datetime
import re
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from minqing.accounts.demo import DEMO_PASSWORD, DEMO_STAFF
from minqing.accounts.models import RoleAssignment, User
from minqing.accounts.roles import Role
from minqing.audit.models import AuditEntry
from minqing.core.errors import ServiceError
from minqing.households.demo.generate import demo_generate
from minqing.households.identity import id_birth_date, id_gender, normalize_id_number, normalize_phone
from minqing.households.models import (
    FeudStatus,
    Household,
    HouseholdRelation,
    Living,
    Membership,
    MoveReason,
    Relation,
    RelationKind,
    Resident,
)
from minqing.regions.models import Level, Region
from minqing.site.demo import demo_load

AS_OF = datetime.date(2026, 6, 1)
DATA = Path(settings.MINQING_DIVISIONS_DIR)
needs_data = pytest.mark.skipif(not (DATA / "villages.csv").is_file(), reason="npm ci has not been run")


def _age(born: datetime.date | None) -> int:
    assert born is not None
    return AS_OF.year - born.year - ((AS_OF.month, AS_OF.day) < (born.month, born.day))


@pytest.fixture
def small(tree):
    """Two villages, 60 households: the same generator as the demo and the county, at test scale."""
    result = demo_generate(
        villages=[tree.zhangzhuang, tree.leiji], households=60, seed=7, as_of=AS_OF, feuds=5
    )
    return tree, result


def _snapshot() -> list[tuple]:
    """Everything generated, as plain values, in a stable order."""
    rows: list[tuple] = []
    for h in Household.objects.order_by("code").prefetch_related("tags", "members__tags"):
        rows.append((h.code, h.address, h.head_name, h.housing, str(h.land_farmland), _tag_names(h)))
        for r in sorted(h.members.all(), key=lambda r: r.pk):
            rows.append((r.name, r.id_number, r.phone, r.relation, r.living, r.birth_date, _tag_names(r)))
    for rel in HouseholdRelation.objects.select_related("household_a", "household_b"):
        rows.append((rel.kind, rel.household_a.code, rel.household_b.code, rel.subject, rel.status))
    return sorted(rows, key=repr)


def _tag_names(obj: Household | Resident) -> list[str]:
    return sorted(t.name for t in obj.tags.all())


def _generate_and_forget(villages, seed: int) -> list[tuple]:
    with transaction.atomic():
        demo_generate(villages=villages, households=40, seed=seed, as_of=AS_OF, feuds=4)
        snap = _snapshot()
        transaction.set_rollback(True)
    return snap


def test_counts_and_codes(small):
    tree, result = small
    assert result.households == Household.objects.count() == 60
    assert result.residents == Resident.objects.count()
    assert 60 <= result.residents <= 6 * 60
    for h in Household.objects.select_related("region"):
        village = h.region.parent
        assert village is not None
        assert h.region.level == Level.GROUP
        assert village in (tree.zhangzhuang, tree.leiji)
        assert re.fullmatch(re.escape(village.code) + r"\d{4}", h.code)
        assert re.fullmatch(re.escape(village.name) + r"[一二三四五六七八]组\d+号", h.address)
        assert h.region_path == h.region.path
    # 4–8 groups per village
    for village in (tree.zhangzhuang, tree.leiji):
        assert 4 <= village.children.filter(level=Level.GROUP).count() <= 8


def test_id_numbers_are_valid_unique_and_match_the_person(small):
    residents = list(Resident.objects.all())
    ids = [r.id_number for r in residents]
    assert len(set(ids)) == len(ids)
    for r in residents:
        assert normalize_id_number(r.id_number) == r.id_number
        assert r.id_number.startswith("410225")
        assert id_birth_date(r.id_number) == r.birth_date
        assert id_gender(r.id_number) == r.gender
        assert _age(r.birth_date) >= 0


def test_phones_are_unique_mobiles_held_by_most_adults(small):
    residents = list(Resident.objects.all())
    phones = [r.phone for r in residents if r.phone]
    assert len(set(phones)) == len(phones)
    for phone in phones:
        assert re.fullmatch(r"1[3-9]\d{9}", phone)
        assert normalize_phone(phone) == phone
    adults = [r for r in residents if 18 <= _age(r.birth_date) < 70]
    assert sum(1 for r in adults if r.phone) >= 0.75 * len(adults)
    assert all(not r.phone for r in residents if _age(r.birth_date) < 18)


def test_every_household_has_one_head_and_coherent_family(small):
    for h in Household.objects.prefetch_related("members"):
        members = list(h.members.all())
        heads = [m for m in members if m.relation == Relation.HEAD]
        assert len(heads) == 1
        head = heads[0]
        assert h.head_id == head.pk
        assert h.head_name == head.name
        assert 1 <= len(members) <= 6
        for m in members:
            gap = _age(head.birth_date) - _age(m.birth_date)
            if m.relation == Relation.SPOUSE:
                assert m.gender != head.gender
                assert _age(m.birth_date) >= 20
            elif m.relation in (Relation.SON, Relation.DAUGHTER):
                assert gap >= 15
                assert m.gender == ("M" if m.relation == Relation.SON else "F")
            elif m.relation == Relation.GRANDCHILD:
                assert gap >= 35
            elif m.relation == Relation.PARENT:
                assert gap <= -18
            elif m.relation == Relation.CHILD_IN_LAW:
                assert gap >= 10
                assert any(
                    c.relation in (Relation.SON, Relation.DAUGHTER) and c.gender != m.gender for c in members
                )


def test_memberships_record_the_registration(small):
    assert Membership.objects.count() == Resident.objects.count()
    for membership in Membership.objects.select_related("resident"):
        assert membership.household_id == membership.resident.household_id
        assert membership.relation == membership.resident.relation
        assert membership.start_reason == MoveReason.REGISTERED
        assert membership.ended_on is None


def test_tags_agree_with_the_household(small):
    for r in Resident.objects.prefetch_related("tags", "household__members"):
        names = {t.name for t in r.tags.all()}
        assert r.household is not None
        others = [m for m in r.household.members.all() if m.pk != r.pk]
        if "留守儿童" in names:
            assert _age(r.birth_date) < 18
            assert r.living == Living.HOME
            assert any(m.living == Living.AWAY_WORK for m in others)
        if "空巢老人" in names:
            assert _age(r.birth_date) >= 60
            assert all(_age(m.birth_date) >= 55 for m in others)
        if "留守老人" in names:
            assert _age(r.birth_date) >= 60
            assert any(m.living != Living.HOME for m in others)
    for h in Household.objects.prefetch_related("tags"):
        if "危房户" in {t.name for t in h.tags.all()}:
            assert h.housing in ("unsafe_c", "unsafe_d")


def test_feuds_are_between_households_of_the_villages(small):
    feuds = list(HouseholdRelation.objects.filter(kind=RelationKind.FEUD))
    assert len(feuds) == 5
    for feud in feuds:
        assert feud.household_a_id != feud.household_b_id
        assert "：" in feud.subject
        assert feud.severity in (1, 2, 3)
        assert feud.status in FeudStatus.values
        assert feud.since is not None and feud.since < AS_OF


def test_same_seed_same_data_other_seed_other_data(tree):
    villages = [tree.zhangzhuang, tree.leiji]
    first = _generate_and_forget(villages, seed=11)
    again = _generate_and_forget(villages, seed=11)
    other = _generate_and_forget(villages, seed=12)
    assert first == again
    assert first != other
    assert len(first) > 40


def test_household_sizes_average_about_three(tree):
    result = demo_generate(villages=[tree.zhangzhuang, tree.leiji], households=600, seed=3, as_of=AS_OF)
    assert 2.7 <= result.residents / result.households <= 3.3
    sizes = Counter(Counter(Resident.objects.values_list("household_id", flat=True)).values())
    assert set(sizes) == {1, 2, 3, 4, 5, 6}
    ethnicities = Counter(Resident.objects.values_list("ethnicity", flat=True))
    assert ethnicities["汉族"] > 0.95 * result.residents


def test_refuses_villages_that_already_have_households(small):
    tree, _result = small
    with pytest.raises(ServiceError):
        demo_generate(villages=[tree.zhangzhuang], households=5, seed=1, as_of=AS_OF)


@needs_data
@pytest.mark.django_db
def test_demo_load_small_creates_staff_audit_and_logins():
    result = demo_load(seed=5, households=60, village_limit=2, as_of=AS_OF)

    assert result.households == 60
    assert set(Household.objects.values_list("region__parent__parent__name", flat=True)) == {"东坝头镇"}
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    leader = User.objects.get(username="leader")
    assert leader.check_password(DEMO_PASSWORD)
    validate_password(DEMO_PASSWORD, leader)
    assert RoleAssignment.objects.get(user=leader).region.name == "东坝头镇"
    assert RoleAssignment.objects.get(user__username="supervisor").region.name == "兰考县"
    assert RoleAssignment.objects.get(user__username="cadre_zhangzhuang").region.name == "张庄村"
    assert User.objects.filter(username__in=[s.username for s in DEMO_STAFF]).count() == len(DEMO_STAFF)
    assert AuditEntry.objects.filter(object_type="demo", action="create").count() == 1

    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "cadre_zhangzhuang" in text and "村干部/网格员" in text and DEMO_PASSWORD in text
    assert "http://127.0.0.1:8000/" in text
    # The demo's published Open311 key is printed and works.
    from django.test import Client

    from minqing.site.demo import DEMO_OPEN311_KEY

    assert DEMO_OPEN311_KEY in text
    assert Client().get("/open311/v2/requests.json", {"api_key": DEMO_OPEN311_KEY}).status_code == 200

    out = StringIO()
    call_command("demo_load", "--if-empty", stdout=out)
    assert Household.objects.count() == 60
    with pytest.raises(CommandError, match="已有户数据"):
        call_command("demo_load", stdout=StringIO())


@needs_data
@pytest.mark.django_db
def test_demo_county_command_fills_every_township():
    out = StringIO()
    call_command("demo_county", "--households", "940", "--seed", "3", stdout=out)

    assert "总用时" in out.getvalue()
    assert Household.objects.count() == 940
    townships = {path[:9] for path in Household.objects.values_list("region_path", flat=True)}
    assert len(townships) >= 20  # spread over the county, not just the demo township
    assert Region.objects.filter(level=Level.VILLAGE, path__startswith="410225").count() == 470
    assert HouseholdRelation.objects.filter(kind=RelationKind.FEUD).count() == 9
