"""Acceptance, routing between levels, assignment to departments and recategorising."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import Department, User
from minqing.audit.services import snapshot
from minqing.core.errors import ServiceError, ValidationError
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
    _save(p)
    kind = EventKind.ROUTED_UP if up else EventKind.ROUTED_DOWN
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
