"""Writes to the policy library. Each service checks MANAGE_POLICIES itself (whatever the way in), runs in one
transaction and leaves its audit row there."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minqing.accounts.models import Department, User
from minqing.audit.services import audited_create, audited_update
from minqing.core.errors import ServiceError
from minqing.core.text import clean_text
from minqing.core.versioning import bump, lock_current
from minqing.regions.models import Region
from minqing.regions.scoping import Actor, Perm, require

from .access import require_manage
from .models import LEVEL_REGION, AmountUnit, Category, Policy, PolicyLevel, PolicyVersion, TargetGroup

STALE = _("该政策已被他人修改，请刷新页面后重新编辑。")
ONE_DAY = datetime.timedelta(days=1)


@dataclass
class PolicyData:
    """What the library says of a policy itself (not of a version)."""

    name: str
    issuer: str
    level: str
    category: str
    doc_number: str = ""
    target_groups: list[str] = field(default_factory=list)
    department: Department | None = None
    source_url: str = ""
    region: Region | None = None


@dataclass
class VersionData:
    """What a version grants from `effective_from`, and to whom and how."""

    effective_from: datetime.date
    beneficiaries: str
    summary: str
    effective_until: datetime.date | None = None
    conditions: str = ""
    standard: str = ""
    amount: Decimal | None = None
    amount_unit: str = ""
    amount_year: int | None = None
    materials: str = ""
    procedure: str = ""
    time_limit: str = ""
    office: str = ""
    phone: str = ""
    full_text: str = ""
    change_note: str = ""
    rule: dict[str, object] = field(default_factory=dict)


_ONE_LINE = ("name", "issuer", "doc_number", "source_url")
_VERSION_ONE_LINE = ("time_limit", "office", "phone", "change_note")
_VERSION_LONG = ("beneficiaries", "summary", "conditions", "standard", "materials", "procedure", "full_text")


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.pk is not None else None


def _clean_policy(data: PolicyData, *, exclude_pk: int | None = None) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {k: clean_text(str(getattr(data, k) or "")).strip() for k in _ONE_LINE}
    for key, label in (("name", _("政策名称")), ("issuer", _("发文机关"))):
        if not values[key]:
            errors.setdefault(key, []).append(_("请填写%(what)s。") % {"what": label})
    if data.level not in PolicyLevel.values:
        errors.setdefault("level", []).append(_("请选择政策层级。"))
    if data.category not in Category.values:
        errors.setdefault("category", []).append(_("请选择政策类别。"))
    unknown = sorted(set(data.target_groups) - set(TargetGroup.values))
    if unknown:
        errors.setdefault("target_groups", []).append(
            _("未知的惠及群体：%(codes)s。") % {"codes": "、".join(unknown)}
        )
    region = data.region
    if data.level == PolicyLevel.NATIONAL and region is not None:
        errors.setdefault("region", []).append(_("国家政策在全国适用，不填适用区域。"))
    elif data.level in (PolicyLevel.COUNTY, PolicyLevel.TOWNSHIP) and region is None:
        errors.setdefault("region", []).append(_("县、乡政策须选择适用区域。"))
    elif (
        region is not None
        and data.level in LEVEL_REGION
        and region.level != LEVEL_REGION[PolicyLevel(data.level)]
    ):
        errors.setdefault("region", []).append(
            _("适用区域“%(region)s”与政策层级“%(level)s”不一致。")
            % {"region": region.name, "level": PolicyLevel(data.level).label}
        )
    if data.department is not None and not data.department.is_active:
        errors.setdefault("department", []).append(_("该部门已停用。"))
    region_path = region.path if region is not None else ""
    if values["name"]:
        clash = Policy.objects.filter(name=values["name"], region_path=region_path)
        if exclude_pk is not None:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            errors.setdefault("name", []).append(_("同一适用区域内已有同名政策。"))
    if errors:
        raise ValidationError(errors)
    groups = [g for g in TargetGroup.values if g in data.target_groups]
    values.update(
        level=data.level,
        category=data.category,
        target_groups="," + ",".join(groups) + "," if groups else "",
        department=data.department,
        region=region,
        region_path=region_path,
    )
    return values


def _clean_version(data: VersionData) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {
        k: clean_text(str(getattr(data, k) or "")).strip() for k in _VERSION_ONE_LINE
    }
    values.update({k: clean_text(str(getattr(data, k) or ""), multiline=True).strip() for k in _VERSION_LONG})
    for key, label in (("beneficiaries", _("惠及对象")), ("summary", _("政策摘要"))):
        if not values[key]:
            errors.setdefault(key, []).append(_("请填写%(what)s。") % {"what": label})
    if data.effective_until is not None and data.effective_until < data.effective_from:
        errors.setdefault("effective_until", []).append(_("截止日期不能早于施行日期。"))
    if data.amount is not None:
        if data.amount < 0:
            errors.setdefault("amount", []).append(_("补助金额不能为负数。"))
        if not data.amount_unit:
            errors.setdefault("amount_unit", []).append(_("填写了补助金额，请选择金额单位。"))
        if data.amount_year is None:
            errors.setdefault("amount_year", []).append(_("填写了补助金额，请注明标准所属年度。"))
    if data.amount_unit and data.amount_unit not in AmountUnit.values:
        errors.setdefault("amount_unit", []).append(_("未知的金额单位。"))
    if data.amount_year is not None and not 1990 <= data.amount_year <= 2100:
        errors.setdefault("amount_year", []).append(_("标准年度应在 1990 至 2100 之间。"))
    if not isinstance(data.rule, dict):
        errors.setdefault("rule", []).append(_("认定规则格式不正确。"))
    if errors:
        raise ValidationError(errors)
    values.update(
        effective_from=data.effective_from,
        effective_until=data.effective_until,
        amount=data.amount,
        amount_unit=data.amount_unit,
        amount_year=data.amount_year,
        rule=data.rule,
    )
    return values


@transaction.atomic
def policy_create(*, actor: Actor, policy: PolicyData, version: VersionData) -> Policy:
    """Add a policy to the library with its first version."""
    require(actor, Perm.MANAGE_POLICIES)  # before any check of the input: a refusal tells outsiders nothing
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {}
    version_values: dict[str, object] = {}
    # Both halves are checked before refusing, so the form shows every mistake at once.
    try:
        values = _clean_policy(policy)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        version_values = _clean_version(version)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    require_manage(actor, region_path=str(values["region_path"]))
    user = _user(actor)
    obj = audited_create(actor=actor, obj=Policy(**values, created_by=user))
    first = PolicyVersion(policy=obj, number=1, created_by=user, **version_values)
    audited_create(actor=actor, obj=first, region_path=obj.region_path)
    return obj


@transaction.atomic
def policy_update(*, actor: Actor, policy: Policy, data: PolicyData, seen: int | None) -> Policy:
    """Change what the library says of the policy itself; its versions stay as they are."""
    require_manage(actor, policy)
    locked = lock_current(Policy, policy.pk, seen, STALE)
    values = _clean_policy(data, exclude_pk=locked.pk)
    if values["region_path"] != locked.region_path:
        require_manage(actor, region_path=str(values["region_path"]))
    changed = {k: v for k, v in values.items() if getattr(locked, k) != v}
    if not changed:
        return locked
    # Set through the changes, not bump(): audited_update saves only fields whose value it sees change.
    changed["version"] = locked.version + 1
    return audited_update(actor=actor, obj=locked, changes=changed)


def _latest(policy: Policy) -> PolicyVersion | None:
    return policy.versions.order_by("-effective_from").first()


@transaction.atomic
def policy_version_add(
    *, actor: Actor, policy: Policy, data: VersionData, seen: int | None = None
) -> PolicyVersion:
    """A new standard or condition from `data.effective_from`: the version in force before ends the day before,
    and decisions already taken keep the version they were taken under."""
    require_manage(actor, policy)
    locked = lock_current(Policy, policy.pk, seen, STALE)
    if locked.retired_on is not None:
        raise ServiceError(_("该政策已废止，不能再增加版本。"))
    values = _clean_version(data)
    latest = _latest(locked)
    start = data.effective_from
    if latest is not None and start <= latest.effective_from:
        raise ValidationError(
            {
                "effective_from": _("新版本的施行日期须晚于现行最新版本的施行日期（%(day)s）。")
                % {"day": latest.effective_from.isoformat()}
            }
        )
    if latest is not None and (latest.effective_until is None or latest.effective_until >= start):
        audited_update(
            actor=actor,
            obj=latest,
            changes={"effective_until": start - ONE_DAY},
            note=_("由第 %(n)d 版接替") % {"n": latest.number + 1},
            region_path=locked.region_path,
        )
    user = _user(actor)
    number = (latest.number if latest is not None else 0) + 1
    new = PolicyVersion(policy=locked, number=number, created_by=user, **values)
    audited_create(actor=actor, obj=new, region_path=locked.region_path)
    bump(locked)
    locked.save(update_fields=["version", "updated_at"])
    return new


@transaction.atomic
def policy_retire(
    *, actor: Actor, policy: Policy, on: datetime.date, reason: str, seen: int | None = None
) -> Policy:
    """The policy no longer applies from `on`: its last version ends the day before. Nothing is deleted."""
    require_manage(actor, policy)
    locked = lock_current(Policy, policy.pk, seen, STALE)
    reason = clean_text(reason or "").strip()
    if locked.retired_on is not None:
        raise ServiceError(_("该政策已于 %(day)s 废止。") % {"day": locked.retired_on.isoformat()})
    if not reason:
        raise ValidationError({"reason": _("请填写废止原因（如被新文件替代）。")})
    first = locked.versions.order_by("effective_from").first()
    if first is not None and on <= first.effective_from:
        raise ValidationError(
            {"on": _("废止日期须晚于政策施行日期（%(day)s）。") % {"day": first.effective_from}}
        )
    later = locked.versions.filter(effective_from__gte=on).order_by("effective_from").first()
    if later is not None:
        raise ValidationError(
            {
                "on": _("第 %(n)d 版自 %(day)s 起施行，废止日期不能早于它。")
                % {"n": later.number, "day": later.effective_from}
            }
        )
    for version in locked.versions.filter(effective_from__lt=on):
        if version.effective_until is None or version.effective_until >= on:
            audited_update(
                actor=actor,
                obj=version,
                changes={"effective_until": on - ONE_DAY},
                note=_("政策废止"),
                region_path=locked.region_path,
            )
    return audited_update(
        actor=actor,
        obj=locked,
        changes={"retired_on": on, "retire_reason": reason[:200], "version": locked.version + 1},
        note=reason[:500],
    )
