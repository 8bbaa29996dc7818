"""Agreements (人民调解法 Art 28–33): recording, signatures, effect, judicial confirmation and performance."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record
from minqing.core.errors import ServiceError, ValidationError
from minqing.core.uploads import CheckedFile
from minqing.petitions.models import Petition
from minqing.regions.models import PATH_DIGITS, Level, Region
from minqing.regions.scoping import Perm, has_perm, require

from ..models import (
    JUDICIAL_WINDOW_DAYS,
    Agreement,
    AgreementForm,
    Dispute,
    DisputeParty,
    DisputeStatus,
    EventKind,
    FollowUp,
    FollowUpAction,
    JudicialResult,
    Mediation,
    MediationStatus,
    Performance,
    Side,
    Signature,
    StartMode,
)
from .common import _actor_name, _audit, _check_date, _clean_text, _event, _lock, _save, _snap, _today
from .disputes import _save_numbered, dispute_to_petition
from .sessions import _open_mediation, mediation_start

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


_COMMITTEE_SUFFIXES = ("人民调解委员会", "调解委员会", "调委会")


def committee_short_name(committee: str) -> str:
    """张庄村人民调解委员会 → 张庄村: the committee's name as an agreement number carries it."""
    name = committee.strip()
    for suffix in _COMMITTEE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _agreement_number(d: Dispute, m: Mediation, year: int) -> str:
    """（年份）调委会调字第N号: numbered per committee that mediated and per year (人民调解协议书 is the
    committee's document, not the township's). Agreements numbered before keep their numbers; a committee's
    sequence continues after the highest number it already has, so a gap or an older township-wide number with
    the same prefix never makes a duplicate. Two clerks saving at once: the unique number and _save_numbered's
    retry give each their own."""
    name = committee_short_name(m.committee)
    if not name:
        township = d.region_path[: PATH_DIGITS[Level.TOWNSHIP]]
        name = Region.objects.filter(path=township).values_list("name", flat=True).first() or township
    prefix = f"（{year}）{name}调字第"
    taken = Agreement.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    serials = (n[len(prefix) : -1] for n in taken if n.endswith("号"))
    last = max((int(x) for x in serials if x.isdigit()), default=0)
    return f"{prefix}{last + 1}号"


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
    _save_numbered(a, "number", lambda: _agreement_number(d, m, reached_on.year))
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
# Reading an agreement out of the system: the parties' names, addresses and ID numbers leave with it.


@transaction.atomic
def agreement_print_record(*, actor: User, dispute: Dispute, ip: str | None = None) -> None:
    audit_record(actor=actor, action=Action.EXPORT, obj=dispute, note=_("打印人民调解协议书"), ip=ip)


@transaction.atomic
def agreement_scan_download(*, actor: User, agreement: Agreement, ip: str | None = None) -> Agreement:
    """Record that the actor opened the signed scan of an agreement of a dispute it may see."""
    audit_record(
        actor=actor,
        action=Action.DOWNLOAD,
        obj=agreement.dispute,
        after={"agreement": agreement.pk, "scan": agreement.scan.name},
        note=_("查看协议书扫描件：%(number)s") % {"number": agreement.number},
        ip=ip,
    )
    return agreement
