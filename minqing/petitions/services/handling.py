"""Handling: progress, extensions, the reply, follow-up and rating, reopening, review, closure, urging."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.services import snapshot
from minqing.core.errors import ServiceError, ValidationError
from minqing.regions.scoping import Perm, has_perm, require
from minqing.workcal.selectors import work_calendar

from ..access import can_act_on_petition
from ..models import (
    OPEN_STATUSES,
    DeadlineKind,
    EventKind,
    HandlingLevel,
    Petition,
    Satisfaction,
    Stage,
    Status,
)
from .clock import deadline_rules, due_after, reclock
from .common import (
    CONTENT_MAX,
    _audit,
    _event,
    _lock,
    _require_act,
    _require_handle,
    _require_status,
    _save,
    _tell,
    _today,
    level_path,
)
from .reminders import _handlers_of, _tell_staff

# ----------------------------------------------------------------------------------------------------------
# Handling


@transaction.atomic
def petition_progress(*, actor: User, petition: Petition, note: str, public_note: str = "") -> Petition:
    """A handling note (调查核实, 协调…); the public part, if any, is shown to the person."""
    note = (note or "").strip()
    public_note = (public_note or "").strip()
    if not note and not public_note:
        raise ValidationError({"note": [_("请填写办理情况。")]})
    p = _lock(petition, None)
    _require_act(actor, p)
    _require_status(p, Status.REGISTERED, Status.ACCEPTED, Status.REPLIED)
    _event(
        p,
        EventKind.PROGRESS,
        actor,
        note=note[:5000],
        public_note=public_note[:1000],
        is_public=bool(public_note),
    )
    _save(p)
    _audit(actor, p, snapshot(p), _("办理进展"))
    return p


@transaction.atomic
def petition_request_extension(
    *, actor: User, petition: Petition, version: int | None, days: int, reason: str
) -> Petition:
    """Ask the unit head to extend the conclusion deadline (at most once, at most the EXTENSION rule's days)."""
    reason = (reason or "").strip()
    max_days = deadline_rules()[DeadlineKind.EXTENSION][0]
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("请填写延期理由。")]
    if not 1 <= days <= max_days:
        errors["days"] = [_("延期天数应在 1 到 %(n)d 之间。") % {"n": max_days}]
    if errors:
        raise ValidationError(errors)
    p = _lock(petition, version)
    _require_act(actor, p)
    _require_status(p, Status.ACCEPTED)
    if p.stage != Stage.INITIAL:
        raise ServiceError(_("复查、复核阶段不能延期。"))
    if p.extension_days or p.extension_requested_days:
        raise ServiceError(_("办理期限只能延长一次。"))
    before = snapshot(p)
    p.extension_requested_days = days
    p.extension_reason = reason[:300]
    p.extension_requested_by = actor
    _save(p)
    _event(p, EventKind.EXTENSION_REQUESTED, actor, note=reason, data={"days": days})
    _audit(actor, p, before, _("申请延期"))
    return p


@transaction.atomic
def petition_decide_extension(
    *, actor: User, petition: Petition, version: int | None, approve: bool, note: str = ""
) -> Petition:
    """The unit head (APPROVE_EXTENSION over the handling level) approves or refuses a pending extension."""
    p = _lock(petition, version)
    require(actor, Perm.APPROVE_EXTENSION, p.handler_path)
    _require_status(p, Status.ACCEPTED)
    if not p.extension_requested_days:
        raise ServiceError(_("没有待审批的延期申请。"))
    before = snapshot(p)
    days = p.extension_requested_days
    p.extension_requested_days = 0
    if approve:
        assert p.conclude_due is not None
        deadline = due_after(DeadlineKind.EXTENSION, p.conclude_due, days=days)
        p.extension_days = days
        p.conclude_due = deadline.due
        reclock(p, deadline)
        public = _("因%(reason)s，办理期限延长至 %(due)s。") % {
            "reason": p.extension_reason,
            "due": f"{deadline.due:%Y-%m-%d}",
        }
        _save(p)
        _event(
            p,
            EventKind.EXTENSION_APPROVED,
            actor,
            note=note,
            public_note=public,
            is_public=True,
            data={"days": days},
        )
        _tell(p, public)
    else:
        p.extension_reason = ""
        _save(p)
        _event(p, EventKind.EXTENSION_REFUSED, actor, note=note)
    _audit(actor, p, before, _("批准延期") if approve else _("不批准延期"))
    return p


@transaction.atomic
def petition_reply(*, actor: User, petition: Petition, version: int | None, text: str) -> Petition:
    """答复: the written answer to the person; starts the follow-up clock and the 复查 window."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("请填写答复意见。")]})
    if len(text) > CONTENT_MAX:
        raise ValidationError({"text": [_("答复意见最多 %(n)d 个字。") % {"n": CONTENT_MAX}]})
    p = _lock(petition, version)
    _require_act(actor, p)
    _require_status(p, Status.ACCEPTED)
    before = snapshot(p)
    today = _today()
    follow = due_after(DeadlineKind.FOLLOW_UP, today)
    p.status = Status.REPLIED
    p.replied_on = today
    p.reply_text = text
    p.followup_due = follow.due
    p.satisfaction = ""
    p.rated_at = None
    reclock(p, follow)
    _save(p)
    _event(p, EventKind.REPLIED, actor, note="", public_note=text, is_public=True, data={"stage": p.stage})
    _audit(actor, p, before, _("答复"))
    _tell(p, _("已答复，请登录查询页查看答复意见并作出评价。"))
    return p


def _record_satisfaction(p: Petition, satisfaction: str) -> None:
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": [_("请选择满意、基本满意或不满意。")]})
    p.satisfaction = satisfaction
    p.rated_at = timezone.now()
    reclock(p)


@transaction.atomic
def petition_follow_up(
    *, actor: User, petition: Petition, version: int | None, method: str, satisfaction: str, note: str = ""
) -> Petition:
    """回访 by a cadre (phone or visit) recording the person's satisfaction. Those who may register requests in
    the village, or act on it, may follow up."""
    p = _lock(petition, version)
    if not (has_perm(actor, Perm.INTAKE_PETITIONS, p.region_path) or can_act_on_petition(actor, p)):
        raise PermissionDenied(_("您没有回访该诉求的权限。"))
    _require_status(p, Status.REPLIED)
    before = snapshot(p)
    _record_satisfaction(p, satisfaction)
    _save(p)
    _event(
        p,
        EventKind.FOLLOWED_UP,
        actor,
        note=(note or "").strip()[:2000],
        public_note=_("回访：%(s)s") % {"s": Satisfaction(satisfaction).label},
        is_public=True,
        data={"method": method, "satisfaction": satisfaction},
    )
    _audit(actor, p, before, _("回访"))
    return p


@transaction.atomic
def petition_rate(
    *, petition: Petition, satisfaction: str, comment: str = "", ip: str | None = None
) -> Petition:
    """The person rates the reply on the public track page (no account; the page checked code and phone)."""
    p = _lock(petition, None)
    _require_status(p, Status.REPLIED)
    before = snapshot(p)
    _record_satisfaction(p, satisfaction)
    _save(p)
    comment = (comment or "").strip()[:1000]
    _event(
        p,
        EventKind.RATED,
        None,
        note=comment,
        public_note=_("诉求人评价：%(s)s") % {"s": Satisfaction(satisfaction).label},
        is_public=True,
        data={"satisfaction": satisfaction},
    )
    _audit(None, p, before, _("诉求人评价"), ip)
    return p


@transaction.atomic
def petition_reopen(
    *, actor: User | None, petition: Petition, reason: str, ip: str | None = None
) -> Petition:
    """重新办理 after an answer the person is not satisfied with. The person may ask for it on the track page
    when they rated 不满意; staff who can act may reopen any replied or closed request."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明需要重新办理的原因。")]})
    p = _lock(petition, None)
    if actor is None:
        if p.status != Status.REPLIED or p.satisfaction != Satisfaction.UNSATISFIED:
            raise ServiceError(_("只有评价为“不满意”的答复可以申请重新办理。"))
    else:
        _require_act(actor, p)
        _require_status(p, Status.REPLIED, Status.CLOSED)
    before = snapshot(p)
    today = _today()
    deadline = due_after(DeadlineKind.REOPEN, today)
    p.status = Status.ACCEPTED
    p.reopen_count += 1
    if p.stage == Stage.INITIAL:
        p.conclude_due = deadline.due
    else:
        p.review_due = deadline.due
    p.closed_at = None
    p.solved_level = ""
    reclock(p, deadline)
    _save(p)
    _event(
        p,
        EventKind.REOPENED,
        actor,
        note=reason[:2000],
        public_note=_("重新办理，将于 %(due)s 前答复。") % {"due": f"{deadline.due:%Y-%m-%d}"},
        is_public=True,
    )
    _audit(actor, p, before, _("重新办理"), ip)
    return p


@transaction.atomic
def petition_request_review(
    *, actor: User | None, petition: Petition, reason: str, ip: str | None = None
) -> Petition:
    """复查 (after the first answer) or 复核 (after the review's answer), asked within the rule's window after the
    reply. The request moves one level up, as the law sends it to the body above. After 复核 the same matter is
    not accepted again, and the refusal says so."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明申请复查/复核的理由。")]})
    p = _lock(petition, None)
    if p.stage == Stage.REREVIEW and p.status in (Status.REPLIED, Status.CLOSED):
        raise ServiceError(
            _(
                "该事项已经复核答复。根据《信访工作条例》第三十六条，信访人以同一事实和理由再提出的，不再受理。"
            )
        )
    _require_status(p, Status.REPLIED, Status.CLOSED)
    if actor is not None:
        _require_act(actor, p)
    rules = deadline_rules()
    cal = work_calendar()
    window_kind = DeadlineKind.REVIEW_REQUEST if p.stage == Stage.INITIAL else DeadlineKind.REREVIEW_REQUEST
    assert p.replied_on is not None
    window = due_after(window_kind, p.replied_on, cal=cal, rules=rules)
    today = _today()
    if today > window.due:
        raise ServiceError(
            _("申请期限已过：应在答复后 %(n)d 日内（%(due)s 前）提出。")
            % {"n": rules[window_kind][0], "due": f"{window.due:%Y-%m-%d}"}
        )
    before = snapshot(p)
    new_stage = Stage.REVIEW if p.stage == Stage.INITIAL else Stage.REREVIEW
    answer_kind = DeadlineKind.REVIEW if new_stage == Stage.REVIEW else DeadlineKind.REREVIEW
    deadline = due_after(answer_kind, today, cal=cal, rules=rules)
    from_level = p.level
    if p.level != HandlingLevel.COUNTY:
        p.level = HandlingLevel.TOWNSHIP if p.level == HandlingLevel.VILLAGE else HandlingLevel.COUNTY
    p.handler_path = level_path(p.region_path, p.level)
    p.department = None
    p.assignee = None
    p.stage = new_stage
    p.status = Status.ACCEPTED
    p.review_requested_on = today
    p.review_due = deadline.due
    p.closed_at = None
    p.solved_level = ""
    p.satisfaction = ""
    p.rated_at = None
    reclock(p, deadline)
    _save(p)
    kind = EventKind.REVIEW_REQUESTED if new_stage == Stage.REVIEW else EventKind.REREVIEW_REQUESTED
    _event(
        p,
        kind,
        actor,
        note=reason[:2000],
        public_note=_("已申请%(stage)s，由%(level)s于 %(due)s 前答复。")
        % {"stage": new_stage.label, "level": p.get_level_display(), "due": f"{deadline.due:%Y-%m-%d}"},
        is_public=True,
        from_level=from_level,
        to_level=p.level,
    )
    _audit(actor, p, before, str(kind.label), ip)
    _tell_staff(
        _handlers_of(p),
        p,
        _("诉求 %(code)s“%(title)s”已%(what)s，请及时办理。")
        % {"code": p.tracking_code, "title": p.title[:30], "what": kind.label},
    )
    return p


@dataclass
class Judgements:
    """The four 80% judgements recorded at closure, and the level that finally solved the matter."""

    reform: bool
    justified: bool
    solvable: bool
    grassroots: bool
    solved_level: str


@transaction.atomic
def petition_close(
    *, actor: User, petition: Petition, version: int | None, judgements: Judgements, note: str = ""
) -> Petition:
    """办结 a replied request with the four judgements. The person's satisfaction must be on record (rated on the
    track page or at a follow-up); an unsatisfied person who asked for nothing more may be closed with a note."""
    p = _lock(petition, version)
    _require_handle(actor, p)
    _require_status(p, Status.REPLIED)
    if not p.satisfaction:
        raise ServiceError(_("请先回访并记录诉求人的满意度，再办结。"))
    if p.satisfaction == Satisfaction.UNSATISFIED and not (note or "").strip():
        raise ValidationError({"note": [_("诉求人不满意：请说明为何仍然办结（如已告知复查途径）。")]})
    if judgements.solved_level not in HandlingLevel.values:
        raise ValidationError({"solved_level": [_("请选择问题最终在哪一级解决。")]})
    before = snapshot(p)
    p.status = Status.CLOSED
    p.closed_at = timezone.now()
    p.j_reform = judgements.reform
    p.j_justified = judgements.justified
    p.j_solvable = judgements.solvable
    p.j_grassroots = judgements.grassroots
    p.solved_level = judgements.solved_level
    reclock(p)
    _save(p)
    _event(
        p,
        EventKind.CLOSED,
        actor,
        note=(note or "").strip()[:2000],
        public_note=_("已办结。"),
        is_public=True,
    )
    _audit(actor, p, before, _("办结"))
    return p


@transaction.atomic
def petition_urge(*, actor: User, petition: Petition, note: str) -> Petition:
    """督办: a leader or the county's supervisor presses the handlers of an open request (SUPERVISE_PETITIONS
    over its region). The handlers are told; the request's state does not change."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("请填写督办意见。")]})
    require(actor, Perm.SUPERVISE_PETITIONS, petition.region_path)
    p = _lock(petition, None)
    _require_status(p, *OPEN_STATUSES)
    _event(p, EventKind.URGED, actor, note=note[:2000])
    _save(p)
    _audit(actor, p, snapshot(p), _("督办"))
    body = _("诉求 %(code)s“%(title)s”被督办：%(note)s") % {
        "code": p.tracking_code,
        "title": p.title[:30],
        "note": note[:60],
    }
    _tell_staff(_handlers_of(p), p, body)
    return p
