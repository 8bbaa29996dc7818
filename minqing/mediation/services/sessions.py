"""Mediation (人民调解法 Art 17–27): starting it, a party's refusal, sessions, and how it ends."""

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record
from minqing.core.errors import ServiceError, ValidationError
from minqing.regions.models import Level
from minqing.regions.scoping import Perm, has_perm, require

from ..models import (
    Dispute,
    DisputeParty,
    DisputeStatus,
    EventKind,
    Mediation,
    MediationStatus,
    Performance,
    Refusal,
    Session,
    StartMode,
)
from .common import (
    DEFAULT_ROUTES,
    _actor_name,
    _audit,
    _check_date,
    _clean_text,
    _event,
    _lock,
    _save,
    _snap,
    _today,
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
