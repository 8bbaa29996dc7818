"""Disputes and their parties, 过结 between registry households, and the links with requests (诉求)."""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.core.errors import ServiceError, ValidationError
from minqing.households.models import (
    FeudStatus,
    Household,
    HouseholdRelation,
    RelationKind,
    Resident,
    Severity,
)
from minqing.households.services import relation_record, relation_update
from minqing.petitions.models import Category, Channel, Petition
from minqing.petitions.services import Intake, petition_register
from minqing.regions.models import PATH_DIGITS, Level, Region
from minqing.regions.scoping import Perm, has_perm, require

from ..models import (
    Agreement,
    Campaign,
    Dispute,
    DisputeKind,
    DisputeParty,
    DisputeStatus,
    EventKind,
    MediationStatus,
    Performance,
    RiskFlag,
    RiskLevel,
    Side,
)
from .campaigns import _mark_village_found
from .common import (
    KIND_FOR_CATEGORY,
    PETITION_CATEGORY,
    TITLE_MAX,
    _actor_name,
    _audit,
    _clean_risk,
    _clean_text,
    _event,
    _lock,
    _save,
    _snap,
    _today,
)

# ----------------------------------------------------------------------------------------------------------
# Disputes and parties


@dataclass
class PartyData:
    """One party as a form says it: a registry resident or household, or an outside party by name."""

    side: str
    resident: Resident | None = None
    household: Household | None = None
    name: str = ""
    phone: str = ""
    address: str = ""
    note: str = ""


@dataclass
class DisputeData:
    region: Region | None
    kind: str
    title: str
    facts: str
    people_involved: int = 2
    risk_flags: list[str] = field(default_factory=list)
    risk_level: int | None = None
    risk_note: str = ""
    prevention: str = ""
    police_informed: bool = False
    stabilizer: User | None = None
    resolver: User | None = None
    found_on: datetime.date | None = None
    campaign: Campaign | None = None
    parties: list[PartyData] = field(default_factory=list)


def _save_numbered(obj: Any, field_name: str, number: Callable[[], str], attempts: int = 5) -> None:
    """Insert `obj` with the next free number; two clerks saving at the same moment both get one."""
    for attempt in range(attempts):
        setattr(obj, field_name, number())
        try:
            with transaction.atomic():
                obj.save(force_insert=True)
            return
        except IntegrityError:
            if attempt == attempts - 1:
                raise


def _next_code(year: int) -> str:
    prefix = f"MD{year}"
    last = Dispute.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    n = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{n:05d}"


def _clean_party(actor: User, p: PartyData, errors: dict[str, list[str]]) -> PartyData:
    def err(message: str) -> None:
        errors.setdefault("parties", []).append(message)

    if p.side not in Side.values:
        err(_("当事人的“方”不正确。"))
    p.name = (p.name or "").strip()[:100]
    p.phone = (p.phone or "").strip()[:20]
    p.address = (p.address or "").strip()[:200]
    for obj in (p.resident, p.household):
        if obj is not None and not has_perm(actor, Perm.RECORD_DISPUTES, obj.region_path):
            # Named as missing, like a 404: a household outside the actor's regions must not leak.
            err(_("所选当事人不存在或不在您负责的村（社区）范围内。"))
            return p
    if p.resident is not None:
        p.household = p.household or p.resident.household
        p.name = p.name or p.resident.name
        p.phone = p.phone or p.resident.phone
    if p.household is not None:
        p.name = p.name or p.household.head_name or p.household.code
        p.address = p.address or p.household.address
    if not p.name:
        err(_("请填写当事人姓名或名称。"))
    return p


def _check_duplicates(
    parties: Sequence[PartyData], existing: Sequence[DisputeParty], errors: dict[str, list[str]]
) -> None:
    """The same registry person or household cannot be a party twice (say, on both sides)."""
    seen = {("r", e.resident_id) for e in existing if e.resident_id} | {
        ("h", e.household_id) for e in existing if e.household_id and not e.resident_id
    }
    for p in parties:
        key = (
            ("r", p.resident.pk) if p.resident is not None else ("h", p.household.pk) if p.household else None
        )
        if key is None:
            continue
        if key in seen:
            errors.setdefault("parties", []).append(
                _("“%(name)s”已是本纠纷的当事人，不能重复列入。") % {"name": p.name}
            )
        seen.add(key)


def _add_party(d: Dispute, p: PartyData) -> DisputeParty:
    return DisputeParty.objects.create(
        dispute=d,
        side=p.side,
        resident=p.resident,
        household=p.household,
        name=p.name,
        phone=p.phone,
        address=p.address,
        note=p.note[:200],
    )


def _link_feuds(actor: User, d: Dispute) -> None:
    """Registry households on opposite sides get a 过结 between them, so the dispute shows on their feud graph."""
    parties = list(d.parties.filter(household__isnull=False).select_related("household"))
    side_a = {p.household_id: p.household for p in parties if p.side == Side.A}
    side_b = {p.household_id: p.household for p in parties if p.side == Side.B}
    severity = {
        RiskLevel.LOW: Severity.MILD,
        RiskLevel.MEDIUM: Severity.SERIOUS,
        RiskLevel.HIGH: Severity.GRAVE,
        RiskLevel.MAJOR: Severity.GRAVE,
    }[RiskLevel(d.risk_level)]
    linked = set(d.feuds.values_list("pk", flat=True))
    for a in side_a.values():
        for b in side_b.values():
            if a is None or b is None or a.pk == b.pk:
                continue
            existing = (
                HouseholdRelation.objects.filter(kind=RelationKind.FEUD)
                .filter(household_a__in=(a, b), household_b__in=(a, b))
                .exclude(status=FeudStatus.RESOLVED)
                .first()
            )
            if existing is None:
                if not has_perm(actor, Perm.RECORD_RELATIONS, a.region_path):
                    continue
                existing = relation_record(
                    actor=actor,
                    household_a=a,
                    household_b=b,
                    kind=RelationKind.FEUD,
                    subject=_("%(kind)s：%(title)s（%(code)s）")
                    % {"kind": d.get_kind_display(), "title": d.title, "code": d.code},
                    since=min(d.found_on, _today()),
                    severity=severity,
                )
            if existing.pk not in linked:
                d.feuds.add(existing)
                linked.add(existing.pk)


def _settle_feuds(actor: User, d: Dispute, status: str) -> None:
    for rel in d.feuds.exclude(status=status).select_related("household_a", "household_b"):
        if has_perm(actor, Perm.RECORD_RELATIONS, rel.household_a.region_path) or has_perm(
            actor, Perm.RECORD_RELATIONS, rel.household_b.region_path
        ):
            relation_update(
                actor=actor,
                relation=rel,
                version=rel.version,
                status=status,
                severity=rel.severity,
                notes=(rel.notes + "\n" if rel.notes else "")
                + _("%(code)s %(status)s") % {"code": d.code, "status": FeudStatus(status).label},
            )


@transaction.atomic
def dispute_create(*, actor: User, data: DisputeData, petition: Petition | None = None) -> Dispute:
    """Register a dispute found by screening, reported by someone, or turned from a request. Needs
    RECORD_DISPUTES over the village. Raises ValidationError listing every problem; nothing is written then."""
    errors: dict[str, list[str]] = {}
    region = data.region
    if region is None or not region.is_active:
        errors["region"] = [_("请选择所在村（社区）。")]
    elif region.level < Level.VILLAGE:
        errors["region"] = [_("请选择到村（社区）。")]
    elif not has_perm(actor, Perm.RECORD_DISPUTES, region.path):
        errors["region"] = [_("该村（社区）不在您负责的范围内。")]
    if region is not None and region.level > Level.VILLAGE and region.parent is not None:
        region = region.parent
    if data.kind not in DisputeKind.values:
        errors["kind"] = [_("请选择纠纷类型。")]
    title = _clean_text(errors, "title", data.title, _("标题"), required=True)
    if len(title) > TITLE_MAX:
        errors.setdefault("title", []).append(_("标题最多 %(n)d 个字。") % {"n": TITLE_MAX})
    facts = _clean_text(errors, "facts", data.facts, _("基本事实"), required=True)
    if data.people_involved < 1 or data.people_involved > 100_000:
        errors["people_involved"] = [_("涉及人数不正确。")]
    flags, level = _clean_risk(errors, data.risk_flags, data.people_involved, data.risk_level)
    found_on = data.found_on or _today()
    if found_on > _today():
        errors["found_on"] = [_("发现日期不能晚于今天。")]
    if (
        data.campaign is not None
        and region is not None
        # A campaign covers the villages chosen for it, not necessarily its whole township.
        and not data.campaign.villages.filter(region_path=region.path[: PATH_DIGITS[Level.VILLAGE]]).exists()
    ):
        errors["campaign"] = [_("该村不在这次大排查的范围内。")]
    for who, name in ((data.stabilizer, "stabilizer"), (data.resolver, "resolver")):
        if who is not None and region is not None and not has_perm(who, Perm.VIEW_DISPUTES, region.path):
            errors[name] = [_("%(user)s 不负责该村的矛盾纠纷工作。") % {"user": _actor_name(who)}]
    parties = [_clean_party(actor, p, errors) for p in data.parties]
    _check_duplicates(parties, [], errors)
    if errors:
        raise ValidationError(errors)
    assert region is not None
    d = Dispute(
        region=region,
        region_path=region.path,
        kind=data.kind,
        title=title,
        facts=facts,
        people_involved=data.people_involved,
        risk_flags=flags,
        risk_level=level,
        risk_note=data.risk_note.strip()[:300],
        prevention=data.prevention.strip(),
        police_informed=data.police_informed,
        stabilizer=data.stabilizer,
        resolver=data.resolver,
        found_on=found_on,
        campaign=data.campaign,
        petition=petition,
        reported_by=actor,
    )
    _save_numbered(d, "code", lambda: _next_code(found_on.year))
    for p in parties:
        _add_party(d, p)
    _link_feuds(actor, d)
    note = _("来自诉求 %(code)s") % {"code": petition.tracking_code} if petition is not None else ""
    _event(d, EventKind.RECORDED, actor, note, on=data.found_on)
    if data.campaign is not None:
        _mark_village_found(actor, data.campaign, region)
    _audit(actor, d, None, _("登记矛盾纠纷"))
    return d


@transaction.atomic
def dispute_add_parties(*, actor: User, dispute: Dispute, parties: Sequence[PartyData]) -> list[DisputeParty]:
    require(actor, Perm.RECORD_DISPUTES, dispute.region_path)
    d = _lock(dispute)
    if not d.is_open:
        raise ServiceError(_("该矛盾纠纷已办结，不能再添加当事人。"))
    errors: dict[str, list[str]] = {}
    if not parties:
        errors["parties"] = [_("请选择或填写当事人。")]
    cleaned = [_clean_party(actor, p, errors) for p in parties]
    _check_duplicates(cleaned, list(d.parties.all()), errors)
    if errors:
        raise ValidationError(errors)
    before = _snap(d)
    made = [_add_party(d, p) for p in cleaned]
    _link_feuds(actor, d)
    _save(d)
    _event(d, EventKind.PARTY, actor, "、".join(f"{p.get_side_display()} {p.name}" for p in made))
    _audit(actor, d, before, _("添加当事人：%(names)s") % {"names": "、".join(p.name for p in made)})
    return made


@transaction.atomic
def dispute_assess_risk(
    *,
    actor: User,
    dispute: Dispute,
    version: int | None,
    people_involved: int,
    risk_flags: Sequence[str],
    risk_level: int | None,
    risk_note: str = "",
    prevention: str = "",
    police_informed: bool = False,
    stabilizer: User | None = None,
    resolver: User | None = None,
) -> Dispute:
    """Re-assess the risk (Art 25) and name who keeps it stable and who resolves it."""
    require(actor, Perm.RECORD_DISPUTES, dispute.region_path)
    d = _lock(dispute, version)
    before = _snap(d)
    errors: dict[str, list[str]] = {}
    if people_involved < 1 or people_involved > 100_000:
        errors["people_involved"] = [_("涉及人数不正确。")]
    flags, level = _clean_risk(errors, risk_flags, people_involved, risk_level)
    for who, name in ((stabilizer, "stabilizer"), (resolver, "resolver")):
        if who is not None and not has_perm(who, Perm.VIEW_DISPUTES, d.region_path):
            errors[name] = [_("%(user)s 不负责该村的矛盾纠纷工作。") % {"user": _actor_name(who)}]
    if errors:
        raise ValidationError(errors)
    old_level = d.risk_level
    d.people_involved = people_involved
    d.risk_flags = flags
    d.risk_level = level
    d.risk_note = risk_note.strip()[:300]
    d.prevention = prevention.strip()
    d.police_informed = police_informed
    d.stabilizer = stabilizer
    d.resolver = resolver
    _save(d)
    _event(
        d,
        EventKind.RISK,
        actor,
        _("风险等级 %(old)s → %(new)s") % {"old": RiskLevel(old_level).label, "new": RiskLevel(level).label},
    )
    _audit(actor, d, before, _("风险评估"))
    return d


def _unperformed(d: Dispute) -> Agreement | None:
    return (
        d.agreements.filter(effective_on__isnull=False)
        .exclude(performance=Performance.FULFILLED)
        .order_by("-reached_on")
        .first()
    )


@transaction.atomic
def dispute_close(*, actor: User, dispute: Dispute, version: int | None, outcome: str, note: str) -> Dispute:
    """Close as 已化解 (resolved) or 未化解转办 (handed on). Resolved needs every effective agreement performed."""
    require(actor, Perm.RECORD_DISPUTES, dispute.region_path)
    d = _lock(dispute, version)
    before = _snap(d)
    if not d.is_open:
        raise ServiceError(_("该矛盾纠纷已办结。"))
    if outcome not in (DisputeStatus.RESOLVED, DisputeStatus.TRANSFERRED):
        raise ValidationError({"outcome": [_("请选择办结结果。")]})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("请写明办结情况。")]})
    if d.mediations.filter(status=MediationStatus.OPEN).exists():
        raise ServiceError(_("调解尚在进行中，请先记录调解结果（达成协议或终止调解）再办结。"))
    if outcome == DisputeStatus.RESOLVED:
        latest = d.agreements.order_by("-reached_on", "-id").first()
        if latest is not None and latest.effective_on is None:
            raise ServiceError(
                _("调解协议 %(number)s 尚未生效（签名、盖章未完成），不能以“已化解”办结。")
                % {"number": latest.number}
            )
        pending = _unperformed(d)
        if pending is not None:
            raise ServiceError(
                _(
                    "调解协议 %(number)s 尚未履行完毕（%(state)s），不能以“已化解”办结；"
                    "请先回访确认履行，或重新调解。"
                )
                % {"number": pending.number, "state": pending.get_performance_display()}
            )
    d.status = outcome
    d.closed_on = _today()
    d.close_note = note
    _save(d)
    if outcome == DisputeStatus.RESOLVED:
        _settle_feuds(actor, d, FeudStatus.RESOLVED)
    _event(d, EventKind.CLOSED, actor, f"{DisputeStatus(outcome).label}：{note}", on=d.closed_on)
    _audit(actor, d, before, _("办结矛盾纠纷"))
    return d


# ----------------------------------------------------------------------------------------------------------
# Links with requests (诉求)


def _petition_category(kind: str) -> Category:
    code = PETITION_CATEGORY.get(DisputeKind(kind), "other")
    found = Category.objects.filter(code=code, is_active=True).first()
    found = found or Category.objects.filter(code="other", is_active=True).first()
    if found is None:
        raise ServiceError(_("诉求分类表中没有可用的分类，请管理员检查。"))
    return found


@transaction.atomic
def dispute_to_petition(*, actor: User, dispute: Dispute, note: str = "") -> Petition:
    """转为诉求: register a request for the dispute through the requests' own intake, and link both ways."""
    require(actor, Perm.RECORD_DISPUTES, dispute.region_path)
    d = _lock(dispute)
    if d.petition_id is not None:
        raise ServiceError(_("该矛盾纠纷已关联诉求，不能重复转办。"))
    if not has_perm(actor, Perm.INTAKE_PETITIONS, d.region_path):
        raise ServiceError(_("您没有登记诉求的权限，请联系村（社区）或乡镇信访干部转办。"))
    party = d.parties.filter(side=Side.A).select_related("resident", "household").first()
    content = d.facts[:9000]
    if note.strip():
        content += "\n" + note.strip()
    content += "\n" + _("（由矛盾纠纷 %(code)s 转来）") % {"code": d.code}
    p = petition_register(
        actor=actor,
        data=Intake(
            channel=Channel.ASSIGNED,
            category=_petition_category(d.kind),
            region=d.region,
            title=d.title,
            content=content,
            submitter_name=party.name if party else _("（矛盾纠纷排查）"),
            submitter_phone=party.phone if party else "",
            resident=party.resident if party else None,
            household=party.household if party else None,
            is_group=d.people_involved >= 5,
            head_count=d.people_involved,
        ),
    )
    before = _snap(d)
    d.petition = p
    _save(d)
    _event(d, EventKind.LINKED, actor, _("转为诉求 %(code)s") % {"code": p.tracking_code})
    _audit(actor, d, before, _("转为诉求"))
    return p


def dispute_data_from_petition(p: Petition) -> DisputeData:
    """A new dispute's fields prefilled from a request (转为矛盾纠纷)."""
    region = p.region if p.region.level >= Level.VILLAGE else None
    kind = KIND_FOR_CATEGORY.get(p.category.code, DisputeKind.OTHER)
    parties = []
    if p.resident is not None or p.household is not None or p.submitter_name:
        parties.append(
            PartyData(
                side=Side.A,
                resident=p.resident,
                household=p.household if p.resident is None else None,
                name=p.submitter_name,
                phone=p.submitter_phone,
            )
        )
    flags = [RiskFlag.REPEATED_PETITIONS] if p.is_repeat else []
    return DisputeData(
        region=region,
        kind=kind,
        title=p.title,
        facts=p.content,
        people_involved=max(2, p.head_count),
        risk_flags=list(flags),
        parties=parties,
    )
