"""Acceptance, routing between levels, assignment to departments and recategorising."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import Department, User
from minqing.audit.services import snapshot
from minqing.core.errors import ServiceError, ValidationError
from minqing.households.models import Household
from minqing.regions.models import PATH_DIGITS, Region
from minqing.regions.models import Level as RegionLevel
from minqing.regions.scoping import Perm, has_perm

from ..models import (
    LEVEL_ORDER,
    Category,
    DeadlineKind,
    EventKind,
    HandlingLevel,
    Petition,
    Status,
)
from .clock import due_after, reclock
from .common import (
    LEVELS,
    _actor_name,
    _audit,
    _event,
    _lock,
    _require_handle,
    _require_status,
    _save,
    _tell,
    _today,
    level_path,
    region_level,
)
from .reminders import _handlers_of, _tell_staff

# ----------------------------------------------------------------------------------------------------------
# Acceptance and routing


@transaction.atomic
def petition_accept(*, actor: User, petition: Petition, version: int | None, note: str = "") -> Petition:
    """受理: start the conclusion clock (CONCLUDE from today). Only the office of the level now handling it."""
    p = _lock(petition, version)
    _require_handle(actor, p)
    _require_status(p, Status.REGISTERED)
    before = snapshot(p)
    today = _today()
    deadline = due_after(DeadlineKind.CONCLUDE, today)
    p.status = Status.ACCEPTED
    p.accepted_on = today
    p.conclude_due = deadline.due
    reclock(p, deadline)
    _save(p)
    public = _("已受理，将于 %(due)s 前办结答复。") % {"due": f"{deadline.due:%Y-%m-%d}"}
    _event(p, EventKind.ACCEPTED, actor, note=note, public_note=public, is_public=True)
    _audit(actor, p, before, _("受理"))
    _tell(p, public)
    return p


@transaction.atomic
def petition_not_accept(*, actor: User, petition: Petition, version: int | None, reason: str) -> Petition:
    """不予受理, with the reason the notice letter states."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写不予受理的理由和依据。")]})
    p = _lock(petition, version)
    _require_handle(actor, p)
    _require_status(p, Status.REGISTERED)
    before = snapshot(p)
    p.status = Status.NOT_ACCEPTED
    p.not_accepted_reason = reason[:2000]
    p.closed_at = timezone.now()
    reclock(p)
    _save(p)
    _event(p, EventKind.NOT_ACCEPTED, actor, public_note=_("不予受理：%(r)s") % {"r": reason}, is_public=True)
    _audit(actor, p, before, _("不予受理"))
    _tell(p, _("不予受理，理由：%(r)s") % {"r": reason[:60]})
    return p


@transaction.atomic
def petition_route(
    *, actor: User, petition: Petition, version: int | None, to_level: str, reason: str
) -> Petition:
    """Move a request to another level: up (上报) when this level cannot solve it, down (交办) to the village.

    The actor must be able to handle it where it is now; sending it down needs the lower level to exist for the
    matter (a township matter has no village). The department and handler are cleared: the new level assigns.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明上报或交办的理由。")]})
    if to_level not in HandlingLevel.values:
        raise ValidationError({"to_level": [_("请选择层级。")]})
    p = _lock(petition, version)
    _require_handle(actor, p)
    _require_status(p, Status.REGISTERED, Status.ACCEPTED)
    if to_level == p.level:
        raise ServiceError(_("该诉求已在%(level)s办理。") % {"level": p.get_level_display()})
    if LEVEL_ORDER[HandlingLevel(to_level)] < LEVEL_ORDER[HandlingLevel(region_level(p.region))]:
        raise ServiceError(_("这是乡镇本级的事项，没有可以交办的村。"))
    before = snapshot(p)
    up = LEVEL_ORDER[HandlingLevel(to_level)] > LEVEL_ORDER[HandlingLevel(p.level)]
    from_level = p.level
    p.level = to_level
    p.handler_path = level_path(p.region_path, to_level)
    p.department = None
    p.assignee = None
    if p.status == Status.REGISTERED:
        # 转送/交办: the receiving body tells acceptance within its own 15 days from receipt (条例 22, 23).
        accept = due_after(DeadlineKind.ACCEPT, _today())
        p.accept_due = accept.due
        reclock(p, accept)
    _save(p)
    if up:
        kind = EventKind.ROUTED_UP
        public = _("已转%(level)s办理。") % {"level": HandlingLevel(to_level).label}
    elif _was_sent_up_from(p, to_level):
        kind = EventKind.RETURNED
        public = _("已退回%(level)s办理：%(reason)s") % {
            "level": HandlingLevel(to_level).label,
            "reason": reason,
        }
    else:
        kind = EventKind.ROUTED_DOWN
        public = _("已转%(level)s办理。") % {"level": HandlingLevel(to_level).label}
    _event(
        p,
        kind,
        actor,
        note=reason,
        public_note=public,
        is_public=True,
        from_level=from_level,
        to_level=to_level,
    )
    _audit(actor, p, before, str(kind.label))
    _tell_staff(
        _handlers_of(p),
        p,
        _("诉求 %(code)s“%(title)s”已%(what)s，请及时办理。")
        % {"code": p.tracking_code, "title": p.title[:30], "what": kind.label},
    )
    return p


def _was_sent_up_from(p: Petition, level: str) -> bool:
    """Was the request's last move up made by `level`? Sending it back there is a return (退回), not 交办."""
    last_up = p.events.filter(kind=EventKind.ROUTED_UP).order_by("-at", "-id").first()
    return last_up is not None and last_up.from_level == level


@transaction.atomic
def petition_transfer(
    *, actor: User, petition: Petition, version: int | None, region: Region, reason: str
) -> Petition:
    """Pass a misfiled request to the township where the matter is (a village of the same name elsewhere, the
    resident chose the wrong place). Only the office now handling it may; the request starts again at the
    receiving township as registered, with its own acceptance clock, and leaves the sender's lists."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明转交的理由。")]})
    if not region.is_active or region.level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        raise ValidationError({"region": [_("请选择乡镇或村（社区）。")]})
    p = _lock(petition, version)
    _require_handle(actor, p)
    _require_status(p, Status.REGISTERED, Status.ACCEPTED)
    township_digits = PATH_DIGITS[RegionLevel.TOWNSHIP]
    if region.path[:township_digits] == p.region_path[:township_digits]:
        raise ValidationError({"region": [_("该地点与原地点属于同一乡镇，请直接交办或调整层级。")]})
    if region.path[: PATH_DIGITS[RegionLevel.COUNTY]] != p.region_path[: PATH_DIGITS[RegionLevel.COUNTY]]:
        raise ValidationError({"region": [_("只能转交本县的乡镇；外县的事项请上报县信访部门。")]})
    before = snapshot(p)
    from_place = p.place_label
    level = p.category.proper_level
    if LEVEL_ORDER[HandlingLevel(level)] < LEVEL_ORDER[HandlingLevel(region_level(region))]:
        level = region_level(region)
    if level not in LEVELS:
        level = HandlingLevel.TOWNSHIP
    p.region = region
    p.region_path = region.path
    p.level = level
    p.handler_path = level_path(region.path, level)
    p.department = None
    p.assignee = None
    if (
        p.household_id
        and not Household.objects.filter(
            pk=p.household_id, region_path__startswith=region.path[:township_digits]
        ).exists()
    ):
        p.household = None
        p.resident = None
    p.status = Status.REGISTERED
    p.accepted_on = None
    p.conclude_due = None
    accept = due_after(DeadlineKind.ACCEPT, _today())
    p.accept_due = accept.due
    reclock(p, accept)
    _save(p)
    public = _("经核实，该事项属于%(place)s，已转该乡镇办理。") % {"place": p.place_label}
    _event(
        p,
        EventKind.TRANSFERRED,
        actor,
        note=_("由 %(from)s 转至 %(to)s：%(reason)s")
        % {"from": from_place, "to": p.place_label, "reason": reason},
        public_note=public,
        is_public=True,
        to_level=level,
        data={"from_region_path": before["region_path"], "to_region_path": region.path},
    )
    _audit(actor, p, before, _("转其他乡镇：%(to)s") % {"to": p.place_label})
    _tell_staff(
        _handlers_of(p),
        p,
        _("诉求 %(code)s“%(title)s”由外乡镇转来，请及时受理。")
        % {"code": p.tracking_code, "title": p.title[:30]},
    )
    _tell(p, public)
    return p


@transaction.atomic
def petitions_assign(
    *,
    actor: User,
    petitions: Iterable[Petition],
    department: Department | None,
    assignee: User | None = None,
    note: str = "",
) -> list[Petition]:
    """Assign one or many requests to a department and/or a named handler (转办/交办). All or none: if the actor
    cannot handle any one of them, nothing changes."""
    if department is None and assignee is None:
        raise ValidationError({"department": [_("请选择承办部门或承办人。")]})
    done: list[Petition] = []
    for petition in petitions:
        p = _lock(petition, None)
        _require_handle(actor, p)
        _require_status(p, Status.REGISTERED, Status.ACCEPTED)
        if department is not None and not p.region_path.startswith(department.region_path):
            raise ServiceError(_("%(dept)s 不负责该诉求所在地区。") % {"dept": department.name})
        if (
            department is not None
            and assignee is not None
            and not department.members.filter(pk=assignee.pk, is_active=True).exists()
        ):
            raise ValidationError(
                {
                    "assignee": [
                        _("%(name)s 不是%(dept)s的经办人，请选择该部门的经办人。")
                        % {"name": _actor_name(assignee), "dept": department.name}
                    ]
                }
            )
        if assignee is not None and not (
            has_perm(assignee, Perm.HANDLE_PETITIONS, p.handler_path)
            or has_perm(assignee, Perm.HANDLE_ASSIGNED, p.region_path)
        ):
            raise ServiceError(_("%(name)s 没有办理该诉求的权限。") % {"name": _actor_name(assignee)})
        before = snapshot(p)
        p.department = department
        p.assignee = assignee
        _save(p)
        who = "、".join(x for x in (department.name if department else "", _actor_name(assignee)) if x)
        _event(
            p,
            EventKind.ASSIGNED,
            actor,
            note=note,
            public_note=_("已交由%(who)s办理。") % {"who": department.name if department else _("专人")},
            is_public=True,
            data={
                "department": department.pk if department else None,
                "assignee": assignee.pk if assignee else None,
            },
        )
        _audit(actor, p, before, _("指定承办：%(who)s") % {"who": who})
        done.append(p)
    return done


@transaction.atomic
def petitions_recategorise(
    *, actor: User, petitions: Iterable[Petition], category: Category, note: str = ""
) -> list[Petition]:
    """Change the category of one or many requests; all or none."""
    if not category.is_active or category.children.filter(is_active=True).exists():
        raise ValidationError({"category": [_("请选择具体的小类。")]})
    done: list[Petition] = []
    for petition in petitions:
        p = _lock(petition, None)
        _require_handle(actor, p)
        if p.category_id == category.pk:
            done.append(p)
            continue
        before = snapshot(p)
        old = str(p.category)
        p.category = category
        _save(p)
        _event(p, EventKind.RECATEGORISED, actor, note=f"{old} → {category}. {note}".strip())
        _audit(actor, p, before, _("调整分类"))
        done.append(p)
    return done
