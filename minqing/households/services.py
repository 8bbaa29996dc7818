"""Writes to the household registry. Each service is atomic and leaves an audit row.

Services assume the caller may already see the objects it passes (views fetch them with
scoping.get_for_actor); they check the *action* permission themselves with scoping.require.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record, snapshot
from minqing.core.errors import ServiceError, ValidationError
from minqing.core.privacy import keep_if_masked, mask_id_number, mask_phone
from minqing.core.versioning import bump, lock_current
from minqing.regions.models import Level, Region, prefix_q
from minqing.regions.scoping import Perm, has_perm, regions_with, require, scope

from . import excel
from .identity import id_birth_date, id_gender, normalize_id_number, normalize_phone, pinyin_initials
from .models import (
    DifficultyTag,
    FeudStatus,
    Household,
    HouseholdRelation,
    HouseholdStatus,
    Living,
    Membership,
    MoveReason,
    Relation,
    RelationKind,
    Resident,
)

LAND_FIELDS = ("land_farmland", "land_forest", "land_garden", "land_homestead")
HOUSEHOLD_FIELDS = ("address", "housing", "notes", *LAND_FIELDS)
RESIDENT_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "id_number",
    "phone",
    "relation",
    "living",
    "notes",
)


@dataclass
class PersonData:
    """What a form or an import row says about a person, before validation."""

    name: str
    id_number: str = ""
    phone: str = ""
    gender: str = ""
    birth_date: datetime.date | None = None
    ethnicity: str = "汉族"
    relation: str = Relation.OTHER
    living: str = Living.HOME
    notes: str = ""
    tags: list[DifficultyTag] = field(default_factory=list)


def index_resident(resident: Resident) -> None:
    """Fill the derived search columns (pinyin initials, reversed ID and phone, region path)."""
    resident.name_initials = pinyin_initials(resident.name)
    resident.id_rev = (resident.id_number or "")[::-1]
    resident.phone_rev = (resident.phone or "")[::-1]
    if resident.household is not None:
        resident.region_path = resident.household.region_path


def clean_person(data: PersonData, *, exclude_resident_id: int | None = None) -> dict[str, Any]:
    """Validate a person's data; raise ValidationError (dict of field → messages) listing every problem."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {
        "name": (data.name or "").strip(),
        "gender": data.gender,
        "birth_date": data.birth_date,
        "ethnicity": (data.ethnicity or "").strip(),
        "relation": data.relation,
        "living": data.living,
        "notes": data.notes,
    }
    if not out["name"]:
        errors.setdefault("name", []).append(_("姓名不能为空。"))
    elif len(out["name"]) > 50:
        errors.setdefault("name", []).append(_("姓名过长。"))
    try:
        out["id_number"] = normalize_id_number(data.id_number) or None
    except ValidationError as exc:
        errors.setdefault("id_number", []).extend(exc.messages)
        out["id_number"] = None
    if out["id_number"]:
        born = id_birth_date(out["id_number"])
        if out["birth_date"] and born and out["birth_date"] != born:
            errors.setdefault("birth_date", []).append(
                _("出生日期与身份证号不符（身份证为%(d)s）。") % {"d": born.isoformat()}
            )
        out["birth_date"] = out["birth_date"] or born
        gender = id_gender(out["id_number"])
        if out["gender"] and out["gender"] != gender:
            errors.setdefault("gender", []).append(_("性别与身份证号不符。"))
        out["gender"] = out["gender"] or gender
        clash = Resident.objects.filter(id_number=out["id_number"])
        if exclude_resident_id:
            clash = clash.exclude(pk=exclude_resident_id)
        other = clash.select_related("household").first()
        if other is not None:
            errors.setdefault("id_number", []).append(
                _("该身份证号已登记在户 %(code)s（%(name)s）。")
                % {"code": other.household.code if other.household else "—", "name": other.name}
            )
    if out["birth_date"] and out["birth_date"] > timezone.localdate():
        errors.setdefault("birth_date", []).append(_("出生日期不能晚于今天。"))
    try:
        out["phone"] = normalize_phone(data.phone)
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return out


def next_household_code(region: Region) -> str:
    """Village code + a four-digit serial, unique within the village."""
    village_code = region.code[:12]
    # Serials past 9999 grow a digit, so the longest code is the newest; compare lengths before text.
    codes = Household.objects.filter(prefix_q("code", village_code), code__regex=r"^\d+$")
    last = codes.annotate(n=Length("code")).order_by("-n", "-code").values_list("code", flat=True).first()
    serial = int(last[12:]) + 1 if last and len(last) > 12 else 1
    return f"{village_code}{serial:04d}"


def _check_region(region: Region) -> None:
    if region.level < Level.VILLAGE:
        raise ValidationError({"region": [_("户必须登记在村（社区）或村民小组下。")]})


def _household_snapshot(h: Household) -> dict[str, Any]:
    return snapshot(h, {"tags": sorted(t.name for t in h.tags.all())} if h.pk else None)


def _resident_snapshot(r: Resident) -> dict[str, Any]:
    return snapshot(r, {"tags": sorted(t.name for t in r.tags.all())} if r.pk else None)


@transaction.atomic
def household_create(
    *,
    actor: User,
    region: Region,
    head: PersonData,
    code: str = "",
    address: str = "",
    housing: str = "",
    land: dict[str, Decimal] | None = None,
    tags: list[DifficultyTag] | None = None,
    notes: str = "",
) -> Household:
    """Register a household with its head. Needs EDIT_HOUSEHOLDS over the region."""
    require(actor, Perm.EDIT_HOUSEHOLDS, region.path)
    _check_region(region)
    code = code.strip() or next_household_code(region)
    if Household.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("户编号 %(code)s 已存在。") % {"code": code}]})
    head.relation = Relation.HEAD
    person = clean_person(head)
    household = Household.objects.create(
        code=code,
        region=region,
        region_path=region.path,
        address=address,
        housing=housing,
        notes=notes,
        head_name=person["name"],
        **(land or {}),
    )
    if tags:
        household.tags.set(tags)
    resident = _resident_create(actor=actor, household=household, person=person, reason=MoveReason.REGISTERED)
    resident.tags.set(head.tags)
    household.head = resident
    household.save(update_fields=["head"])
    audit_record(actor=actor, action=Action.CREATE, obj=household, after=_household_snapshot(household))
    return household


def _resident_create(
    *, actor: User, household: Household, person: dict[str, Any], reason: str, on: datetime.date | None = None
) -> Resident:
    resident = Resident(household=household, **person)
    index_resident(resident)
    resident.save()
    Membership.objects.create(
        resident=resident,
        household=household,
        relation=resident.relation,
        started_on=on or timezone.localdate(),
        start_reason=reason,
        recorded_by=actor,
    )
    audit_record(actor=actor, action=Action.CREATE, obj=resident, after=_resident_snapshot(resident))
    return resident


@transaction.atomic
def household_update(*, actor: User, household: Household, version: int, **changes: Any) -> Household:
    """Change a household's own fields (address, housing, land, tags, notes, village).

    `version` is the version the user saw; if someone saved in between, ConflictError and nothing changes.
    """
    require(actor, Perm.EDIT_HOUSEHOLDS, household.region_path)
    locked = lock_current(Household, household.pk, version, _("该户信息已被他人修改，请刷新页面后重新编辑。"))
    before = _household_snapshot(locked)
    tags = changes.pop("tags", None)
    region = changes.pop("region", None)
    for name, value in changes.items():
        if name not in HOUSEHOLD_FIELDS:
            raise ServiceError(f"unknown household field {name}")
        setattr(locked, name, value)
    if region is not None and region.pk != locked.region_id:
        require(actor, Perm.EDIT_HOUSEHOLDS, region.path)
        _check_region(region)
        locked.region = region
        locked.region_path = region.path
        Resident.objects.filter(household=locked).update(region_path=region.path)
    bump(locked)
    locked.save()
    if tags is not None:
        locked.tags.set(tags)
    audit_record(
        actor=actor, action=Action.UPDATE, obj=locked, before=before, after=_household_snapshot(locked)
    )
    return locked


@transaction.atomic
def resident_add(
    *,
    actor: User,
    household: Household,
    person: PersonData,
    reason: str = MoveReason.MOVE_IN,
    on: datetime.date | None = None,
) -> Resident:
    """A birth or a person moving in from outside the registry. Needs EDIT_HOUSEHOLDS."""
    require(actor, Perm.EDIT_HOUSEHOLDS, household.region_path)
    if household.status != HouseholdStatus.ACTIVE:
        raise ServiceError(_("该户已注销，不能添加成员。"))
    if person.relation == Relation.HEAD and household.head_id:
        raise ValidationError({"relation": [_("该户已有户主。")]})
    cleaned = clean_person(person)
    resident = _resident_create(actor=actor, household=household, person=cleaned, reason=reason, on=on)
    resident.tags.set(person.tags)
    return resident


@transaction.atomic
def resident_update(*, actor: User, resident: Resident, version: int | None, person: PersonData) -> Resident:
    """Correct a resident's data. Needs EDIT_HOUSEHOLDS over the resident's household.

    `version` is the version the form was built from: if someone saved in between, ConflictError and nothing
    changes. The form shows the ID number and phone masked; a mask posted back unchanged keeps the stored value.
    """
    require(actor, Perm.EDIT_HOUSEHOLDS, resident.region_path)
    resident = lock_current(
        Resident, resident.pk, version, _("该成员信息已被他人修改，请刷新页面后重新编辑。")
    )
    person.id_number = keep_if_masked(person.id_number, resident.id_number, mask_id_number)
    person.phone = keep_if_masked(person.phone, resident.phone, mask_phone)
    before = _resident_snapshot(resident)
    cleaned = clean_person(person, exclude_resident_id=resident.pk)
    if resident.relation == Relation.HEAD:
        cleaned["relation"] = Relation.HEAD  # the head changes only through household_change_head
    elif cleaned["relation"] == Relation.HEAD:
        raise ValidationError({"relation": [_("更换户主请使用“变更户主”。")]})
    for name, value in cleaned.items():
        setattr(resident, name, value)
    index_resident(resident)
    bump(resident)
    resident.save()
    resident.tags.set(person.tags)
    if resident.household and resident.household.head_id == resident.pk:
        Household.objects.filter(pk=resident.household.pk).update(head_name=resident.name)
    audit_record(
        actor=actor, action=Action.UPDATE, obj=resident, before=before, after=_resident_snapshot(resident)
    )
    return resident


def _check_change_date(resident: Resident, on: datetime.date) -> None:
    """A change cannot be dated in the future nor before the resident joined the current household."""
    if on > timezone.localdate():
        raise ValidationError({"on": [_("日期不能晚于今天。")]})
    current = Membership.objects.filter(resident=resident, ended_on__isnull=True).first()
    if current is not None and on < current.started_on:
        raise ValidationError(
            {"on": [_("日期不能早于其在本户登记的日期（%(d)s）。") % {"d": current.started_on.isoformat()}]}
        )


def _close_membership(resident: Resident, on: datetime.date, reason: str) -> None:
    Membership.objects.filter(resident=resident, ended_on__isnull=True).update(ended_on=on, end_reason=reason)


@transaction.atomic
def resident_move(
    *,
    actor: User,
    resident: Resident,
    to_household: Household,
    relation: str,
    on: datetime.date | None = None,
    reason: str = MoveReason.MOVE_IN,
) -> Resident:
    """Move a member to another household, keeping the old membership as history.

    Needs EDIT_HOUSEHOLDS over both households. A head cannot move while others remain: change the head first.
    """
    require(actor, Perm.EDIT_HOUSEHOLDS, resident.region_path)
    require(actor, Perm.EDIT_HOUSEHOLDS, to_household.region_path)
    on = on or timezone.localdate()
    old = resident.household
    if old is not None and old.pk == to_household.pk:
        raise ServiceError(_("该成员已在此户。"))
    if to_household.status != HouseholdStatus.ACTIVE:
        raise ServiceError(_("目标户已注销。"))
    if resident.is_deceased:
        raise ServiceError(_("已故人员不能迁移。"))
    if relation == Relation.HEAD and to_household.head_id:
        raise ValidationError({"relation": [_("目标户已有户主。")]})
    if old is not None and old.head_id == resident.pk and old.members.filter(is_deceased=False).count() > 1:
        raise ServiceError(_("户主迁出前请先变更户主。"))
    _check_change_date(resident, on)
    before = _resident_snapshot(resident)
    _close_membership(resident, on, reason if reason != MoveReason.MOVE_IN else MoveReason.MOVE_OUT)
    resident.household = to_household
    resident.relation = relation
    index_resident(resident)
    bump(resident)
    resident.save()
    Membership.objects.create(
        resident=resident,
        household=to_household,
        relation=relation,
        started_on=on,
        start_reason=reason,
        recorded_by=actor,
    )
    if relation == Relation.HEAD:
        to_household.head = resident
        to_household.head_name = resident.name
        to_household.save(update_fields=["head", "head_name"])
    if old is not None and old.head_id == resident.pk:
        _close_household(actor=actor, household=old)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=resident,
        before=before,
        after=_resident_snapshot(resident),
        note=_("从户 %(a)s 迁至户 %(b)s") % {"a": old.code if old else "—", "b": to_household.code},
    )
    return resident


def _close_household(*, actor: User, household: Household) -> None:
    before = _household_snapshot(household)
    household.status = HouseholdStatus.CLOSED
    household.head = None
    household.version += 1
    household.save(update_fields=["status", "head", "version", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=household,
        before=before,
        after=_household_snapshot(household),
        note=_("户内已无在册成员，户注销"),
    )


@transaction.atomic
def household_change_head(*, actor: User, household: Household, new_head: Resident) -> Household:
    """Make another living member the head; the old head becomes 'other' relation until edited."""
    require(actor, Perm.EDIT_HOUSEHOLDS, household.region_path)
    if new_head.household_id != household.pk or new_head.is_deceased:
        raise ServiceError(_("新户主必须是本户在世成员。"))
    before = _household_snapshot(household)
    if household.head_id and household.head_id != new_head.pk:
        Resident.objects.filter(pk=household.head_id).update(
            relation=Relation.OTHER, version=F("version") + 1, updated_at=timezone.now()
        )
    new_head.relation = Relation.HEAD
    bump(new_head)
    new_head.save(update_fields=["relation", "version", "updated_at"])
    household.head = new_head
    household.head_name = new_head.name
    household.version += 1
    household.save(update_fields=["head", "head_name", "version", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=household,
        before=before,
        after=_household_snapshot(household),
        note=_("变更户主为 %(name)s") % {"name": new_head.name},
    )
    return household


@transaction.atomic
def resident_record_death(*, actor: User, resident: Resident, on: datetime.date) -> Resident:
    """Record a death. The person stays on record (history, benefits) but no longer counts as a member."""
    require(actor, Perm.EDIT_HOUSEHOLDS, resident.region_path)
    if resident.is_deceased:
        raise ServiceError(_("已登记死亡。"))
    if on > timezone.localdate():
        raise ValidationError({"death_date": [_("死亡日期不能晚于今天。")]})
    if resident.birth_date and on < resident.birth_date:
        raise ValidationError({"death_date": [_("死亡日期早于出生日期。")]})
    _check_change_date(resident, on)
    before = _resident_snapshot(resident)
    resident.is_deceased = True
    resident.death_date = on
    resident.living = Living.HOME
    bump(resident)
    resident.save()
    _close_membership(resident, on, MoveReason.DEATH)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=resident,
        before=before,
        after=_resident_snapshot(resident),
        note=_("登记死亡"),
    )
    household = resident.household
    # The household keeps a dead head on record until the family names a new one; it closes with its last member.
    if household is not None and not household.members.filter(is_deceased=False).exists():
        _close_household(actor=actor, household=household)
    return resident


@transaction.atomic
def household_split(
    *,
    actor: User,
    household: Household,
    members: list[Resident],
    new_head: Resident,
    address: str = "",
    code: str = "",
    on: datetime.date | None = None,
) -> Household:
    """分户: some members leave to form a new household in the same village; both keep their history."""
    require(actor, Perm.EDIT_HOUSEHOLDS, household.region_path)
    on = on or timezone.localdate()
    ids = {m.pk for m in members}
    for member in members:
        _check_change_date(member, on)
    if not members or new_head.pk not in ids:
        raise ValidationError({"members": [_("请选择分出的成员，并指定其中一人为新户主。")]})
    if any(m.household_id != household.pk or m.is_deceased for m in members):
        raise ValidationError({"members": [_("只能分出本户在世成员。")]})
    if household.head_id in ids:
        raise ValidationError({"members": [_("原户主不能分出；如需分出请先变更户主。")]})
    code = code.strip() or next_household_code(household.region)
    if Household.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("户编号 %(code)s 已存在。") % {"code": code}]})
    new = Household.objects.create(
        code=code,
        region=household.region,
        region_path=household.region_path,
        address=address or household.address,
        housing=household.housing,
        split_from=household,
        head_name=new_head.name,
    )
    for member in members:
        _close_membership(member, on, MoveReason.SPLIT)
        member.household = new
        member.relation = Relation.HEAD if member.pk == new_head.pk else Relation.OTHER
        bump(member)
        member.save(update_fields=["household", "relation", "version", "updated_at"])
        Membership.objects.create(
            resident=member,
            household=new,
            relation=member.relation,
            started_on=on,
            start_reason=MoveReason.SPLIT,
            recorded_by=actor,
        )
    new.head = new_head
    new.save(update_fields=["head"])
    household.version += 1
    household.save(update_fields=["version", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=new,
        after=_household_snapshot(new),
        note=_("由户 %(code)s 分户：%(names)s")
        % {"code": household.code, "names": "、".join(m.name for m in members)},
    )
    return new


@transaction.atomic
def relation_record(
    *,
    actor: User,
    household_a: Household,
    household_b: Household,
    kind: str,
    subject: str = "",
    since: datetime.date | None = None,
    severity: int | None = None,
    status: str = "",
    notes: str = "",
) -> HouseholdRelation:
    """Record 亲属/邻里/过结 between two households the actor can see. Needs RECORD_RELATIONS over household_a."""
    require(actor, Perm.RECORD_RELATIONS, household_a.region_path)
    errors: dict[str, list[str]] = {}
    if household_a.pk == household_b.pk:
        errors["household_b"] = [_("不能与本户建立关系。")]
    if kind == RelationKind.FEUD:
        if not subject.strip():
            errors["subject"] = [_("请写明过结的事由。")]
        if severity is None:
            errors["severity"] = [_("请选择严重程度。")]
        status = status or FeudStatus.ACTIVE
    else:
        severity, status = None, ""
    if since and since > timezone.localdate():
        errors["since"] = [_("起始时间不能晚于今天。")]
    if errors:
        raise ValidationError(errors)
    relation = HouseholdRelation.objects.create(
        kind=kind,
        household_a=household_a,
        household_b=household_b,
        subject=subject.strip(),
        since=since,
        severity=severity,
        status=status,
        notes=notes,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=relation,
        after=snapshot(relation),
        region_path=household_a.region_path,
    )
    return relation


@transaction.atomic
def relation_update(
    *,
    actor: User,
    relation: HouseholdRelation,
    version: int | None,
    status: str,
    severity: int | None,
    notes: str,
) -> HouseholdRelation:
    """Change where a feud stands (e.g. 已化解). Needs RECORD_RELATIONS over either household.

    `version` is the version the form was built from: if someone saved in between, ConflictError."""
    if not has_perm(actor, Perm.RECORD_RELATIONS, relation.household_b.region_path):
        require(actor, Perm.RECORD_RELATIONS, relation.household_a.region_path)
    relation = lock_current(
        HouseholdRelation, relation.pk, version, _("该户间关系已被他人修改，请刷新页面后重新编辑。")
    )
    before = snapshot(relation)
    relation.status = status
    relation.severity = severity
    relation.notes = notes
    bump(relation)
    relation.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=relation,
        before=before,
        after=snapshot(relation),
        region_path=relation.household_a.region_path,
    )
    return relation


@transaction.atomic
def resident_reveal(*, actor: User, resident: Resident, what: str, ip: str | None = None) -> str:
    """Return the full ID number or phone of a resident and record that the actor saw it."""
    require(actor, Perm.REVEAL_IDENTITY, resident.region_path)
    if what not in ("id_number", "phone"):
        raise ServiceError("unknown field")
    audit_record(actor=actor, action=Action.REVEAL, obj=resident, note=what, ip=ip)
    return getattr(resident, what) or ""


def households_export(*, actor: User, qs: QuerySet[Household], ip: str | None = None) -> bytes:
    """The households of `qs` that the actor may export, in the import layout, with full ID numbers and
    phones; the export is audited with the numbers of households and people in the file."""
    require(actor, Perm.EXPORT_HOUSEHOLDS)
    content, households, residents = excel.export_workbook(scope(qs, actor, Perm.EXPORT_HOUSEHOLDS))
    paths = regions_with(actor, Perm.EXPORT_HOUSEHOLDS)
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        object_type=Household._meta.label_lower,
        object_repr=_("民情档案导出"),
        region_path=paths[0] if len(paths) == 1 else "",
        note=_("导出户 %(h)d 户、成员 %(r)d 人（含完整身份证号和电话）。")
        % {"h": households, "r": residents},
        ip=ip,
    )
    return content
