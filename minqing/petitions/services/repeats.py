"""Repeats and merges: a later request linked to an earlier one, or merged into it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.services import snapshot
from minqing.core.errors import ServiceError

from ..models import (
    LEVEL_ORDER,
    EventKind,
    HandlingLevel,
    Petition,
    Status,
)
from .clock import reclock
from .common import _audit, _event, _lock, _require_act, _require_handle, _save, _tell, level_path

# ----------------------------------------------------------------------------------------------------------
# Repeats and merges


@transaction.atomic
def petition_link(*, actor: User, petition: Petition, earlier: Petition, note: str = "") -> Petition:
    """Mark a request as a repeat (重复访) of an earlier one on the same matter; both stay as they are."""
    if earlier.pk == petition.pk:
        raise ServiceError(_("不能关联到自身。"))
    p = _lock(petition, None)
    _require_act(actor, p)
    before = snapshot(p)
    p.is_repeat = True
    p.repeat_of = earlier
    from_level = to_level = ""
    # A repeat goes to whoever handled the original, or higher; an open one below that level moves up to it.
    if (
        p.status in (Status.REGISTERED, Status.ACCEPTED)
        and LEVEL_ORDER[HandlingLevel(earlier.level)] > LEVEL_ORDER[HandlingLevel(p.level)]
    ):
        from_level, to_level = p.level, earlier.level
        p.level = earlier.level
        p.handler_path = level_path(p.region_path, earlier.level)
        p.department = None
        p.assignee = None
    _save(p)
    _event(
        p,
        EventKind.LINKED,
        actor,
        note=note,
        data={"earlier": earlier.pk},
        from_level=from_level,
        to_level=to_level,
    )
    _audit(actor, p, before, _("关联重复件 %(code)s") % {"code": earlier.tracking_code})
    return p


@transaction.atomic
def petition_merge(*, actor: User, source: Petition, target: Petition, note: str = "") -> Petition:
    """Merge a duplicate into the request that will carry the matter. The duplicate keeps every record of its
    own (events, attachments, submitter) and is marked 已合并 with a pointer; the target's timeline notes it."""
    if source.pk == target.pk:
        raise ServiceError(_("不能合并到自身。"))
    s = _lock(source, None)
    t = _lock(target, None)
    _require_handle(actor, s)
    _require_act(actor, t)
    if not s.is_open:
        raise ServiceError(_("只能合并未办结的诉求。"))
    if t.status in (Status.MERGED, Status.NOT_ACCEPTED):
        raise ServiceError(_("目标诉求已合并或不予受理，不能作为合并目标。"))
    before = snapshot(s)
    s.status = Status.MERGED
    s.merged_into = t
    s.closed_at = timezone.now()
    reclock(s)
    _save(s)
    _event(
        s,
        EventKind.MERGED,
        actor,
        note=note,
        public_note=_("与同一事项合并办理，请以查询码 %(code)s 查询进展。") % {"code": t.tracking_code},
        is_public=True,
        data={"into": t.pk},
    )
    _event(
        t,
        EventKind.MERGED,
        actor,
        note=_("并入 %(code)s：%(title)s") % {"code": s.tracking_code, "title": s.title},
    )
    _audit(actor, s, before, _("合并到 %(code)s") % {"code": t.tracking_code})
    _tell(s, _("与同一事项合并办理，请以查询码 %(code)s 查询进展。") % {"code": t.tracking_code})
    return t
