"""Writes for 矛盾纠纷排查调处. Each service is atomic and leaves an audit row (and a timeline event on the dispute).

Services assume the caller may already see the dispute or campaign it passes (views fetch them with
scoping.get_for_actor); they check the *action* permission themselves (RECORD_DISPUTES, MEDIATE,
MANAGE_CAMPAIGNS). Households and residents named as parties must lie in the actor's regions.
The legal rules (人民调解法) are enforced here, not in forms.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record, snapshot
from minqing.core.errors import ConflictError, ServiceError, ValidationError
from minqing.core.uploads import CheckedFile
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
from minqing.regions.models import PATH_DIGITS, Level, Region, subtree_q
from minqing.regions.scoping import Perm, has_perm, require

from .models import (
    DEFAULT_CHECKLIST,
    GRAVE_FLAGS,
    HEAD_COUNT_FLAG_AT,
    HEAD_COUNT_MAJOR_AT,
    JUDICIAL_WINDOW_DAYS,
    Agreement,
    AgreementForm,
    Campaign,
    CampaignStatus,
    CampaignVillage,
    Dispute,
    DisputeEvent,
    DisputeKind,
    DisputeParty,
    DisputeStatus,
    EventKind,
    FollowUp,
    FollowUpAction,
    JudicialResult,
    Mediation,
    MediationStatus,
    Performance,
    Refusal,
    RiskFlag,
    RiskLevel,
    Session,
    Side,
    Signature,
    StartMode,
    VillageOutcome,
)

TITLE_MAX = 100
TEXT_MAX = 10_000
DEFAULT_ROUTES = "可依法申请仲裁，或请求有关行政机关处理，或向人民法院提起诉讼。"

# The request category a dispute of each kind is filed under when it becomes a request (诉求).
PETITION_CATEGORY = {
    DisputeKind.LAND_CONTRACT: "chengbao-contract",
    DisputeKind.HOMESTEAD: "linli",
    DisputeKind.FAMILY: "other",
    DisputeKind.NEIGHBOUR: "linli",
    DisputeKind.EXPROPRIATION: "tudi-compensation",
    DisputeKind.WAGES: "laodong-wages",
    DisputeKind.ENTERPRISE: "qiye-workers",
    DisputeKind.ENVIRONMENT: "huanbao-pollution",
    DisputeKind.DAMAGES: "other",
    DisputeKind.OTHER: "other",
}
# And back: a request's category suggests the dispute's kind.
KIND_FOR_CATEGORY = {
    "chengbao-contract": DisputeKind.LAND_CONTRACT,
    "chengbao-transfer": DisputeKind.LAND_CONTRACT,
    "tudi-rights": DisputeKind.LAND_CONTRACT,
    "tudi-compensation": DisputeKind.EXPROPRIATION,
    "chaiqian-resettle": DisputeKind.EXPROPRIATION,
    "laodong-wages": DisputeKind.WAGES,
    "qiye-workers": DisputeKind.ENTERPRISE,
    "huanbao-pollution": DisputeKind.ENVIRONMENT,
    "linli": DisputeKind.NEIGHBOUR,
}


def _today() -> datetime.date:
    return timezone.localdate()


def _actor_name(actor: User | None) -> str:
    if actor is None:
        return ""
    return actor.display_name or actor.username


def _event(
    d: Dispute, kind: str, actor: User | None, note: str = "", *, on: datetime.date | None = None
) -> DisputeEvent:
    """A timeline entry, stamped with the time it is recorded; `on` is the day the step itself took place when
    that is a date of its own (a session held last week and written up today)."""
    return DisputeEvent.objects.create(
        dispute=d,
        kind=kind,
        at=timezone.now(),
        happened_on=on,
        actor=actor,
        actor_name=_actor_name(actor),
        note=note,
    )


def _audit(actor: User | None, obj: Any, before: dict[str, Any] | None, note: str) -> None:
    audit_record(
        actor=actor,
        action=Action.CREATE if before is None else Action.UPDATE,
        obj=obj,
        before=before,
        after=_snap(obj),
        note=note,
    )


def _snap(obj: Any) -> dict[str, Any]:
    """snapshot() with a stored file as its name (a file object is not JSON)."""
    return {k: (v.name or "") if isinstance(v, FieldFile) else v for k, v in snapshot(obj).items()}


def _lock(d: Dispute, version: int | None = None) -> Dispute:
    locked = Dispute.objects.select_for_update().get(pk=d.pk)
    if version is not None and locked.version != version:
        raise ConflictError(_("该矛盾纠纷已被他人修改，请刷新后重试。"))
    return locked


def _save(d: Dispute) -> None:
    d.version += 1
    d.save()


def _clean_text(errors: dict[str, list[str]], name: str, value: str, label: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(name, []).append(_("请填写%(label)s。") % {"label": label})
    elif len(value) > TEXT_MAX:
        errors.setdefault(name, []).append(_("%(label)s最多 %(n)d 个字。") % {"label": label, "n": TEXT_MAX})
    return value


def _check_date(errors: dict[str, list[str]], name: str, value: datetime.date | None, label: str) -> None:
    if value is None:
        errors.setdefault(name, []).append(_("请填写%(label)s。") % {"label": label})
    elif value > _today():
        errors.setdefault(name, []).append(_("%(label)s不能晚于今天。") % {"label": label})


# ----------------------------------------------------------------------------------------------------------
# Risk


def suggested_level(flags: Sequence[str], people_involved: int) -> RiskLevel:
    """The level the reasons call for (Art 25): each reason raises it a step; threats or weapons make it at
    least 高; 30 people or more, or three reasons with a grave one, make it 重大."""
    present = set(flags)
    if people_involved >= HEAD_COUNT_FLAG_AT:
        present.add(RiskFlag.HEAD_COUNT)
    level = min(RiskLevel.MAJOR, RiskLevel.LOW + len(present))
    if present & GRAVE_FLAGS:
        level = max(level, RiskLevel.HIGH)
    if people_involved >= HEAD_COUNT_MAJOR_AT or (len(present) >= 3 and present & GRAVE_FLAGS):
        level = RiskLevel.MAJOR
    return RiskLevel(level)


def _clean_risk(
    errors: dict[str, list[str]], flags: Sequence[str], people_involved: int, level: int | None
) -> tuple[list[str], int]:
    clean = [f for f in RiskFlag.values if f in set(flags)]
    if any(f not in RiskFlag.values for f in flags):
        errors.setdefault("risk_flags", []).append(_("风险因素不正确。"))
    if people_involved >= HEAD_COUNT_FLAG_AT and RiskFlag.HEAD_COUNT not in clean:
        clean.insert(0, RiskFlag.HEAD_COUNT)
    suggested = suggested_level(clean, people_involved)
    if level is None:
        level = suggested
    elif level not in RiskLevel.values:
        errors.setdefault("risk_level", []).append(_("风险等级不正确。"))
    elif level < suggested:
        errors.setdefault("risk_level", []).append(
            _("根据所列风险因素，风险等级至少为“%(level)s”；可以调高，不能调低。")
            % {"level": RiskLevel(suggested).label}
        )
    return clean, level


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
        and not region.path.startswith(data.campaign.region_path)
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


# ----------------------------------------------------------------------------------------------------------
# Mediation (人民调解法 Art 17–27)


def _committee_name(d: Dispute) -> str:
    township = d.region.parent if d.region.parent is not None else d.region
    return _("%(name)s人民调解委员会") % {
        "name": d.region.name if d.region.level >= Level.VILLAGE else township.name
    }


def _open_mediation(d: Dispute) -> Mediation:
    m = d.mediations.select_for_update().order_by("-number").first()
    if m is None:
        raise ServiceError(_("尚未启动调解。"))
    if m.status == MediationStatus.REFUSED:
        raise ServiceError(_("当事人已拒绝调解，依照人民调解法第十七条不得继续调解。"))
    if m.status != MediationStatus.OPEN:
        raise ServiceError(_("本次调解已结束（%(status)s）。") % {"status": m.get_status_display()})
    return m


@transaction.atomic
def mediation_start(
    *,
    actor: User,
    dispute: Dispute,
    mode: str,
    mediators: Sequence[User],
    started_on: datetime.date | None = None,
    applicant: DisputeParty | None = None,
    committee: str = "",
) -> Mediation:
    """Accept a dispute for 人民调解, on a party's application or on the committee's initiative (Art 17)."""
    require(actor, Perm.MEDIATE, dispute.region_path)
    d = _lock(dispute)
    before = _snap(d)
    errors: dict[str, list[str]] = {}
    started_on = started_on or _today()
    latest = d.agreements.order_by("-reached_on", "-id").first()
    reopening = (
        d.status == DisputeStatus.AGREED and latest is not None and latest.performance == Performance.BROKEN
    )
    if not d.is_open or (d.status == DisputeStatus.AGREED and not reopening):
        raise ServiceError(
            _("该矛盾纠纷当前状态（%(status)s）不能启动调解。") % {"status": d.get_status_display()}
        )
    if d.mediations.filter(status=MediationStatus.OPEN).exists():
        raise ServiceError(_("已有一次调解正在进行。"))
    if mode not in StartMode.values:
        errors["mode"] = [_("请选择启动方式。")]
    if mode == StartMode.APPLICATION and (applicant is None or applicant.dispute_id != d.pk):
        errors["applicant"] = [_("当事人申请调解的，请选择申请人。")]
    if not mediators:
        errors["mediators"] = [_("请选择人民调解员。")]
    for u in mediators:
        if not has_perm(u, Perm.MEDIATE, d.region_path):
            errors.setdefault("mediators", []).append(
                _("%(user)s 不是本辖区的人民调解员。") % {"user": _actor_name(u)}
            )
    if started_on > _today():
        errors["started_on"] = [_("受理日期不能晚于今天。")]
    elif started_on < d.found_on:
        errors["started_on"] = [_("受理日期不能早于发现日期。")]
    if d.parties.count() < 2:
        errors["parties"] = [_("调解需要至少两方当事人，请先添加当事人。")]
    if errors:
        raise ValidationError(errors)
    number = (d.mediations.aggregate(n=Max("number"))["n"] or 0) + 1
    m = Mediation.objects.create(
        dispute=d,
        number=number,
        start_mode=mode,
        applicant=applicant if mode == StartMode.APPLICATION else None,
        started_on=started_on,
        committee=(committee or "").strip()[:100] or _committee_name(d),
        started_by=actor,
    )
    m.mediators.set(mediators)
    d.status = DisputeStatus.MEDIATING
    _save(d)
    _event(
        d,
        EventKind.STARTED,
        actor,
        _("第%(n)d次调解，%(mode)s；调解员：%(who)s")
        % {"n": number, "mode": StartMode(mode).label, "who": "、".join(_actor_name(u) for u in mediators)},
        on=started_on,
    )
    _audit(actor, m, None, _("启动调解"))
    _audit(actor, d, before, _("启动调解"))
    return m


@transaction.atomic
def mediation_refuse(
    *,
    actor: User,
    dispute: Dispute,
    party: DisputeParty,
    refused_on: datetime.date | None = None,
    note: str = "",
) -> Refusal:
    """A party refuses mediation: recorded, and the mediation cannot proceed (Art 17)."""
    require(actor, Perm.MEDIATE, dispute.region_path)
    d = _lock(dispute)
    m = _open_mediation(d)
    if party.dispute_id != d.pk:
        raise ValidationError({"party": [_("请选择本纠纷的当事人。")]})
    refused_on = refused_on or _today()
    if refused_on > _today() or refused_on < m.started_on:
        raise ValidationError({"refused_on": [_("日期应在受理日期与今天之间。")]})
    before = _snap(d)
    r = Refusal.objects.create(
        mediation=m, party=party, refused_on=refused_on, note=note.strip()[:300], recorded_by=actor
    )
    m.status = MediationStatus.REFUSED
    m.ended_on = refused_on
    m.end_reason = _("%(name)s拒绝调解") % {"name": party.name}
    m.save()
    d.status = DisputeStatus.ENDED
    _save(d)
    _event(
        d,
        EventKind.REFUSED,
        actor,
        f"{party.name}：{note.strip()}" if note.strip() else party.name,
        on=refused_on,
    )
    _audit(actor, m, before, _("当事人拒绝调解"))
    return r


@transaction.atomic
def session_record(
    *,
    actor: User,
    dispute: Dispute,
    held_on: datetime.date | None,
    minutes: str,
    place: str = "",
    attendees: str = "",
) -> Session:
    """Minutes of a mediation meeting (调解笔录, Art 27). Refused once a party has refused or the mediation ended."""
    require(actor, Perm.MEDIATE, dispute.region_path)
    d = _lock(dispute)
    m = _open_mediation(d)
    errors: dict[str, list[str]] = {}
    minutes = _clean_text(errors, "minutes", minutes, _("调解笔录"), required=True)
    _check_date(errors, "held_on", held_on, _("调解日期"))
    if held_on is not None and held_on < m.started_on:
        errors.setdefault("held_on", []).append(_("调解日期不能早于受理日期。"))
    if errors:
        raise ValidationError(errors)
    assert held_on is not None
    s = Session.objects.create(
        mediation=m,
        held_on=held_on,
        place=place.strip()[:100],
        attendees=attendees.strip()[:300],
        minutes=minutes,
        recorded_by=actor,
    )
    _save(d)
    _event(d, EventKind.SESSION, actor, minutes[:200], on=held_on)
    audit_record(actor=actor, action=Action.CREATE, obj=s, after=_snap(s), note=_("调解笔录"))
    return s


@transaction.atomic
def mediation_end(
    *,
    actor: User,
    dispute: Dispute,
    reason: str,
    routes_told: str = DEFAULT_ROUTES,
    ended_on: datetime.date | None = None,
) -> Mediation:
    """Mediation failed: end it and tell the parties their routes — arbitration, administrative, court (Art 26)."""
    require(actor, Perm.MEDIATE, dispute.region_path)
    d = _lock(dispute)
    m = _open_mediation(d)
    errors: dict[str, list[str]] = {}
    reason = _clean_text(errors, "reason", reason, _("终止原因"), required=True)
    routes_told = _clean_text(errors, "routes_told", routes_told, _("告知的救济途径"), required=True)
    ended_on = ended_on or _today()
    if ended_on > _today() or ended_on < m.started_on:
        errors["ended_on"] = [_("日期应在受理日期与今天之间。")]
    if errors:
        raise ValidationError(errors)
    before = _snap(m)
    m.status = MediationStatus.ENDED
    m.ended_on = ended_on
    m.end_reason = reason
    m.routes_told = routes_told
    m.save()
    d.status = DisputeStatus.ENDED
    _save(d)
    _event(
        d,
        EventKind.ENDED,
        actor,
        _("%(reason)s；已告知：%(routes)s") % {"reason": reason, "routes": routes_told},
        on=ended_on,
    )
    _audit(actor, m, before, _("终止调解"))
    return m


# ----------------------------------------------------------------------------------------------------------
# Agreements (Art 28–33)


@dataclass
class AgreementData:
    form: str
    reached_on: datetime.date | None
    facts: str
    terms: str
    issues: str = ""
    responsibilities: str = ""
    performance_manner: str = ""
    performance_deadline: datetime.date | None = None
    copies: int = 3


def _agreement_number(d: Dispute, year: int) -> str:
    """（年份）乡镇名调字第N号, numbered per township and year."""
    township = d.region_path[: PATH_DIGITS[Level.TOWNSHIP]]
    name = Region.objects.filter(path=township).values_list("name", flat=True).first() or township
    prefix = f"（{year}）{name}调字第"
    count = Agreement.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{count + 1}号"


@transaction.atomic
def agreement_record(*, actor: User, dispute: Dispute, data: AgreementData) -> Agreement:
    """The parties agreed. A written agreement must name the parties, facts, terms and how and by when they are
    performed (Art 29), and takes effect only when signed and sealed; an oral one takes effect now (Art 30)."""
    require(actor, Perm.MEDIATE, dispute.region_path)
    d = _lock(dispute)
    m = _open_mediation(d)
    errors: dict[str, list[str]] = {}
    if data.form not in AgreementForm.values:
        errors["form"] = [_("请选择协议形式。")]
    written = data.form == AgreementForm.WRITTEN
    facts = _clean_text(errors, "facts", data.facts, _("纠纷主要事实"), required=True)
    terms = _clean_text(errors, "terms", data.terms, _("协议内容"), required=True)
    issues = _clean_text(errors, "issues", data.issues, _("争议事项"), required=written)
    responsibilities = _clean_text(
        errors, "responsibilities", data.responsibilities, _("各方责任"), required=False
    )
    manner = (data.performance_manner or "").strip()[:300]
    _check_date(errors, "reached_on", data.reached_on, _("达成日期"))
    if data.reached_on is not None and data.reached_on < m.started_on:
        errors.setdefault("reached_on", []).append(_("达成日期不能早于受理日期。"))
    if written:
        if not manner:
            errors["performance_manner"] = [_("书面协议应写明履行方式。")]
        if data.performance_deadline is None:
            errors["performance_deadline"] = [_("书面协议应写明履行期限。")]
        elif data.reached_on is not None and data.performance_deadline < data.reached_on:
            errors["performance_deadline"] = [_("履行期限不能早于达成日期。")]
        sides = set(d.parties.values_list("side", flat=True))
        if not {Side.A, Side.B} <= sides:
            errors.setdefault("parties", []).append(_("书面协议需要甲乙双方当事人。"))
    if not 1 <= data.copies <= 10:
        errors["copies"] = [_("份数应在 1 至 10 之间。")]
    if errors:
        raise ValidationError(errors)
    assert data.reached_on is not None
    before = _snap(d)
    mediator = m.mediators.first()
    reached_on = data.reached_on
    a = Agreement(
        mediation=m,
        dispute=d,
        form=data.form,
        reached_on=data.reached_on,
        facts=facts,
        issues=issues,
        responsibilities=responsibilities,
        terms=terms,
        performance_manner=manner,
        performance_deadline=data.performance_deadline,
        copies=data.copies,
        mediator_name=_actor_name(mediator) if mediator else "",
        effective_on=None if written else data.reached_on,
        recorded_by=actor,
    )
    _save_numbered(a, "number", lambda: _agreement_number(d, reached_on.year))
    m.status = MediationStatus.AGREED
    m.ended_on = data.reached_on
    m.save()
    d.status = DisputeStatus.AGREED
    _save(d)
    _event(d, EventKind.AGREED, actor, f"{a.get_form_display()} {a.number}", on=a.reached_on)
    if not written:
        _event(d, EventKind.EFFECTIVE, actor, _("口头协议自达成之日起生效。"), on=a.reached_on)
    _audit(actor, a, None, _("达成调解协议"))
    _audit(actor, d, before, _("达成调解协议"))
    return a


@transaction.atomic
def agreement_sign(
    *,
    actor: User,
    agreement: Agreement,
    parties: Sequence[DisputeParty] = (),
    signed_on: datetime.date | None = None,
    fingerprint: Sequence[DisputeParty] = (),
    mediator_signed: bool = False,
    sealed: bool = False,
    scan: CheckedFile | None = None,
) -> Agreement:
    """Record signatures (or fingerprints), the mediator's signature, the committee's seal and the signed scan."""
    require(actor, Perm.MEDIATE, agreement.dispute.region_path)
    a = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if a.form != AgreementForm.WRITTEN:
        raise ServiceError(_("口头协议无需签名盖章。"))
    if a.effective_on is not None:
        raise ServiceError(_("协议已生效，签名盖章不能再更改。"))
    signed_on = signed_on or _today()
    if signed_on > _today() or signed_on < a.reached_on:
        raise ValidationError({"signed_on": [_("签名日期应在达成日期与今天之间。")]})
    before = _snap(a)
    done: list[str] = []
    for party in [*parties, *fingerprint]:
        if party.dispute_id != a.dispute_id:
            raise ValidationError({"parties": [_("请选择本纠纷的当事人。")]})
    prints = {p.pk for p in fingerprint}
    for party in {p.pk: p for p in [*parties, *fingerprint]}.values():
        Signature.objects.update_or_create(
            agreement=a, party=party, defaults={"signed_on": signed_on, "by_fingerprint": party.pk in prints}
        )
        done.append(party.name)
    if mediator_signed:
        a.mediator_signed_on = signed_on
        done.append(_("调解员"))
    if sealed:
        a.sealed_on = signed_on
        done.append(_("调委会盖章"))
    if scan is not None:
        a.scan_name = scan.name
        a.scan_content_type = scan.content_type
        a.scan_extension = scan.extension
        a.scan_sha256 = scan.sha256
        a.scan.save(f"scan.{scan.extension}", ContentFile(scan.data), save=False)
        done.append(_("扫描件"))
    if not done:
        raise ValidationError({"parties": [_("请选择签名的当事人，或勾选调解员签名、盖章，或上传扫描件。")]})
    a.save()
    _event(a.dispute, EventKind.SIGNED, actor, "、".join(done))
    _audit(actor, a, before, _("协议签名盖章"))
    return a


def effectiveness_problems(a: Agreement) -> list[str]:
    """Why a written agreement cannot take effect yet (Art 29); empty when it can."""
    problems: list[str] = []
    parties = list(a.dispute.parties.all())
    sides = {p.side for p in parties}
    if len(parties) < 2 or not {Side.A, Side.B} <= sides:
        problems.append(_("协议需要至少两方当事人（甲方、乙方）。"))
    signed = set(a.signatures.values_list("party_id", flat=True))
    missing = [p.name for p in parties if p.pk not in signed]
    if missing:
        problems.append(_("以下当事人尚未签名或按指印：%(names)s。") % {"names": "、".join(missing)})
    if a.mediator_signed_on is None:
        problems.append(_("人民调解员尚未签名。"))
    if a.sealed_on is None:
        problems.append(_("人民调解委员会尚未盖章。"))
    if not a.scan:
        problems.append(_("请上传签字盖章后的协议书扫描件。"))
    return problems


@transaction.atomic
def agreement_make_effective(*, actor: User, agreement: Agreement) -> Agreement:
    """Mark a written agreement effective: only with every party's signature, the mediator's and the seal."""
    require(actor, Perm.MEDIATE, agreement.dispute.region_path)
    a = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if a.effective_on is not None:
        raise ServiceError(_("协议已于 %(d)s 生效。") % {"d": a.effective_on.isoformat()})
    problems = effectiveness_problems(a)
    if problems:
        raise ServiceError(_("协议尚不能生效：") + "".join(problems))
    before = _snap(a)
    dates: list[datetime.date | None] = [*a.signatures.values_list("signed_on", flat=True)]
    dates += [a.mediator_signed_on, a.sealed_on]
    a.effective_on = max(d for d in dates if d is not None)
    a.save()
    window = a.judicial_window_ends
    assert window is not None
    _event(
        a.dispute,
        EventKind.EFFECTIVE,
        actor,
        _("协议自 %(d)s 起生效；可于 %(end)s 前共同申请司法确认。")
        % {"d": a.effective_on.isoformat(), "end": window.isoformat()},
        on=a.effective_on,
    )
    _audit(actor, a, before, _("协议生效"))
    return a


@transaction.atomic
def agreement_judicial_apply(
    *, actor: User, agreement: Agreement, applied_on: datetime.date | None, court: str = "", note: str = ""
) -> Agreement:
    """The parties jointly applied for 司法确认 (Art 33). After the 30-day window it is recorded only with a note
    explaining it, and flagged late."""
    require(actor, Perm.MEDIATE, agreement.dispute.region_path)
    a = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if a.effective_on is None:
        raise ServiceError(_("协议尚未生效，不能申请司法确认。"))
    if a.judicial_applied_on is not None:
        raise ServiceError(_("已于 %(d)s 申请司法确认。") % {"d": a.judicial_applied_on.isoformat()})
    errors: dict[str, list[str]] = {}
    _check_date(errors, "applied_on", applied_on, _("申请日期"))
    note = (note or "").strip()
    late = False
    if applied_on is not None and not errors:
        window = a.judicial_window_ends
        assert window is not None
        if applied_on < a.effective_on:
            errors["applied_on"] = [_("申请日期不能早于协议生效日期。")]
        elif applied_on > window:
            late = True
            if not note:
                errors["note"] = [
                    _(
                        "申请日期已超过协议生效后 %(n)d 日（截至 %(end)s），请写明逾期的原因；"
                        "该申请将标记为逾期。"
                    )
                    % {"n": JUDICIAL_WINDOW_DAYS, "end": window.isoformat()}
                ]
    if errors:
        raise ValidationError(errors)
    before = _snap(a)
    a.judicial_applied_on = applied_on
    a.judicial_late = late
    a.judicial_note = note
    a.judicial_court = court.strip()[:100]
    a.save()
    msg = _("共同申请司法确认（%(court)s）") % {"court": a.judicial_court or _("人民法院")}
    if late:
        msg += _("，逾期：%(note)s") % {"note": note}
    _event(a.dispute, EventKind.JUDICIAL, actor, msg, on=applied_on)
    _audit(actor, a, before, _("申请司法确认"))
    return a


@transaction.atomic
def agreement_judicial_decide(
    *, actor: User, agreement: Agreement, decided_on: datetime.date | None, result: str, note: str = ""
) -> Agreement:
    require(actor, Perm.MEDIATE, agreement.dispute.region_path)
    a = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if a.judicial_applied_on is None:
        raise ServiceError(_("尚未申请司法确认。"))
    if a.judicial_result:
        raise ServiceError(_("已记录法院的裁定。"))
    errors: dict[str, list[str]] = {}
    _check_date(errors, "decided_on", decided_on, _("裁定日期"))
    if decided_on is not None and decided_on < a.judicial_applied_on:
        errors.setdefault("decided_on", []).append(_("裁定日期不能早于申请日期。"))
    if result not in JudicialResult.values:
        errors["result"] = [_("请选择裁定结果。")]
    if errors:
        raise ValidationError(errors)
    before = _snap(a)
    a.judicial_decided_on = decided_on
    a.judicial_result = result
    if note.strip():
        a.judicial_note = (a.judicial_note + "\n" if a.judicial_note else "") + note.strip()
    a.save()
    _event(
        a.dispute,
        EventKind.JUDICIAL,
        actor,
        JudicialResult(result).label + (f"：{note.strip()}" if note else ""),
        on=decided_on,
    )
    _audit(actor, a, before, _("司法确认裁定"))
    return a


@dataclass
class FollowUpOutcome:
    follow_up: FollowUp
    mediation: Mediation | None = None
    petition: Petition | None = None


@transaction.atomic
def agreement_follow_up(
    *,
    actor: User,
    agreement: Agreement,
    checked_on: datetime.date | None,
    result: str,
    note: str = "",
    action: str = "",
) -> FollowUpOutcome:
    """The committee checks performance (Art 31). Broken → mediate again or hand it on as a request."""
    require(actor, Perm.MEDIATE, agreement.dispute.region_path)
    a = Agreement.objects.select_for_update().get(pk=agreement.pk)
    d = a.dispute
    if a.effective_on is None:
        raise ServiceError(_("协议尚未生效，暂不回访履行情况。"))
    if a.performance in (Performance.FULFILLED, Performance.BROKEN):
        raise ServiceError(_("该协议的履行已有结论（%(s)s）。") % {"s": a.get_performance_display()})
    errors: dict[str, list[str]] = {}
    _check_date(errors, "checked_on", checked_on, _("回访日期"))
    if checked_on is not None and checked_on < a.effective_on:
        errors.setdefault("checked_on", []).append(_("回访日期不能早于协议生效日期。"))
    if result not in (Performance.FULFILLED, Performance.PARTLY, Performance.BROKEN):
        errors["result"] = [_("请选择履行情况。")]
    if action not in FollowUpAction.values:
        errors["action"] = [_("后续处理不正确。")]
    if result == Performance.BROKEN and action not in (FollowUpAction.REOPEN, FollowUpAction.REQUEST):
        errors["action"] = [_("协议未履行的，请选择重新调解或转为诉求。")]
    if result != Performance.BROKEN and action:
        errors["action"] = [_("只有协议未履行时才需要后续处理。")]
    if action == FollowUpAction.REQUEST and d.petition_id is not None:
        errors["action"] = [_("该矛盾纠纷已关联诉求，请到诉求页继续办理。")]
    elif action == FollowUpAction.REQUEST and not has_perm(actor, Perm.INTAKE_PETITIONS, d.region_path):
        errors["action"] = [_("您没有登记诉求的权限，请选择重新调解，或联系信访干部转办。")]
    if errors:
        raise ValidationError(errors)
    assert checked_on is not None
    before = _snap(a)
    f = FollowUp.objects.create(
        agreement=a, checked_on=checked_on, result=result, note=note.strip(), action=action, recorded_by=actor
    )
    a.performance = result
    a.save()
    _event(
        d,
        EventKind.FOLLOW_UP,
        actor,
        Performance(result).label + (f"：{note.strip()}" if note.strip() else ""),
        on=checked_on,
    )
    _audit(actor, a, before, _("履行回访"))
    out = FollowUpOutcome(f)
    if action == FollowUpAction.REOPEN:
        previous = a.mediation
        out.mediation = mediation_start(
            actor=actor,
            dispute=d,
            mode=StartMode.INITIATIVE,
            mediators=list(previous.mediators.all()) or [actor],
            started_on=checked_on,
            committee=previous.committee,
        )
    elif action == FollowUpAction.REQUEST:
        out.petition = dispute_to_petition(
            actor=actor, dispute=d, note=_("调解协议 %(number)s 未履行。") % {"number": a.number}
        )
    return out


# ----------------------------------------------------------------------------------------------------------
# Campaigns (大排查)


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    region: Region,
    title: str,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    checklist: Sequence[str] = DEFAULT_CHECKLIST,
    villages: Sequence[Region] | None = None,
) -> Campaign:
    """Open a 大排查 in a township over a period; every village (or the chosen ones) owes a report."""
    require(actor, Perm.MANAGE_CAMPAIGNS, region.path)
    errors: dict[str, list[str]] = {}
    if region.level != Level.TOWNSHIP:
        errors["region"] = [_("大排查以乡镇为单位开展。")]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("请填写名称。")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("名称最多 %(n)d 个字。") % {"n": TITLE_MAX}]
    if starts_on is None:
        errors["starts_on"] = [_("请填写开始日期。")]
    if ends_on is None:
        errors["ends_on"] = [_("请填写结束日期。")]
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("结束日期不能早于开始日期。")]
    items = [i.strip()[:50] for i in checklist if i and i.strip()]
    if not items:
        errors["checklist"] = [_("请至少列出一项排查事项。")]
    all_villages = list(
        Region.objects.filter(subtree_q(region.path, "path"), level=Level.VILLAGE, is_active=True).order_by(
            "path"
        )
    )
    chosen = all_villages if villages is None else [v for v in villages if v.path.startswith(region.path)]
    if villages is not None and len(chosen) != len(villages):
        errors["villages"] = [_("所选的村不在该乡镇。")]
    if not chosen and "villages" not in errors:
        errors["villages"] = [_("该乡镇没有可排查的村。")]
    if errors:
        raise ValidationError(errors)
    assert starts_on is not None and ends_on is not None
    c = Campaign.objects.create(
        region=region,
        region_path=region.path,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        checklist=list(dict.fromkeys(items)),
        created_by=actor,
    )
    CampaignVillage.objects.bulk_create(
        CampaignVillage(campaign=c, village=v, region_path=v.path) for v in chosen
    )
    _audit(actor, c, None, _("开展矛盾纠纷大排查"))
    return c


def _mark_village_found(actor: User, c: Campaign, village: Region) -> None:
    cv = CampaignVillage.objects.filter(campaign=c, village=village).first()
    if cv is not None and cv.outcome != VillageOutcome.FOUND:
        cv.outcome = VillageOutcome.FOUND
        cv.reported_by = cv.reported_by or actor
        cv.reported_at = cv.reported_at or timezone.now()
        cv.checked_items = cv.checked_items or list(c.checklist)
        cv.save()


@transaction.atomic
def campaign_village_report(
    *,
    actor: User,
    campaign: Campaign,
    village: Region,
    outcome: str,
    checked_items: Sequence[str] = (),
    note: str = "",
) -> CampaignVillage:
    """A village reports: nothing found (零报告) or disputes found (recorded as disputes linked to the campaign)."""
    require(actor, Perm.RECORD_DISPUTES, village.path)
    cv = CampaignVillage.objects.select_for_update().filter(campaign=campaign, village=village).first()
    if cv is None:
        raise ServiceError(_("该村不在这次大排查的范围内。"))
    if campaign.status != CampaignStatus.OPEN:
        raise ServiceError(_("这次大排查已结束。"))
    if timezone.localdate() < campaign.starts_on:
        # A report is what the village found while screening; before the campaign starts there is none yet.
        raise ServiceError(
            _("这次大排查 %(d)s 开始，请届时排查后再报告。") % {"d": f"{campaign.starts_on:%Y-%m-%d}"}
        )
    errors: dict[str, list[str]] = {}
    if outcome not in (VillageOutcome.NONE_FOUND, VillageOutcome.FOUND):
        errors["outcome"] = [_("请选择排查结果。")]
    items = [i for i in checked_items if i in campaign.checklist]
    if not items:
        errors["checked_items"] = [_("请勾选已排查的事项。")]
    found = campaign.disputes.filter(region=village).count()
    if outcome == VillageOutcome.NONE_FOUND and found:
        errors["outcome"] = [
            _("本村在这次大排查中已登记 %(n)d 起矛盾纠纷，不能报告“未发现”。") % {"n": found}
        ]
    if errors:
        raise ValidationError(errors)
    before = _snap(cv)
    cv.outcome = outcome
    cv.checked_items = items
    cv.note = note.strip()
    cv.reported_by = actor
    cv.reported_at = timezone.now()
    cv.save()
    _audit(actor, cv, before, _("村排查报告"))
    return cv


@transaction.atomic
def campaign_close(*, actor: User, campaign: Campaign) -> Campaign:
    require(actor, Perm.MANAGE_CAMPAIGNS, campaign.region_path)
    c = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if c.status == CampaignStatus.CLOSED:
        raise ServiceError(_("这次大排查已结束。"))
    before = _snap(c)
    c.status = CampaignStatus.CLOSED
    c.save()
    _audit(actor, c, before, _("结束大排查"))
    return c
