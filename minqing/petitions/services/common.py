"""What the petition services share: limits, tracking codes, levels, the event and audit rows, locks and checks."""

import datetime
import re
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record, snapshot
from minqing.core.errors import ServiceError, ValidationError
from minqing.core.notify import notify
from minqing.core.versioning import bump, lock_current
from minqing.households.identity import normalize_phone
from minqing.regions.models import PATH_DIGITS, Region
from minqing.regions.models import Level as RegionLevel
from minqing.regions.scoping import Perm, has_perm

from ..access import can_act_on_petition
from ..models import (
    LEVEL_REGION,
    Channel,
    HandlingLevel,
    Petition,
    PetitionEvent,
    Urgency,
)

TITLE_MAX = 100
CONTENT_MAX = 10_000
# Choices' .values builds a new list on every call; intake checks these on every submission.
CHANNELS = frozenset(Channel.values)
URGENCIES = frozenset(Urgency.values)
LEVELS = frozenset(HandlingLevel.values)
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone without mistakes
TRACKING_LENGTH = 10
# Channels where the person chose where to go; filing such a matter above its proper level is 越级.
SKIP_LEVEL_CHANNELS = (Channel.VISIT, Channel.LETTER, Channel.PHONE, Channel.ASSIGNED)


# ----------------------------------------------------------------------------------------------------------
# Helpers


def _phone(raw: str) -> str | None:
    """The normalised phone, or None when it is not a valid number."""
    try:
        return normalize_phone(raw)
    except ValidationError:
        return None


def _today() -> datetime.date:
    return timezone.localdate()


def new_tracking_code() -> str:
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(TRACKING_LENGTH))
        if not Petition.objects.filter(tracking_code=code).exists():
            return code


def normalize_tracking_code(raw: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (raw or "").upper())[:TRACKING_LENGTH]


def level_path(region_path: str, level: str) -> str:
    """The region path of the body handling a matter of `region_path` at `level`."""
    return region_path[: PATH_DIGITS[LEVEL_REGION[HandlingLevel(level)]]]


def region_level(region: Region) -> str:
    return HandlingLevel.VILLAGE if region.level >= RegionLevel.VILLAGE else HandlingLevel.TOWNSHIP


def _actor_name(actor: User | None) -> str:
    if actor is None:
        return ""
    return actor.display_name or actor.get_full_name() or actor.username


def _event(
    p: Petition,
    kind: str,
    actor: User | None,
    *,
    note: str = "",
    public_note: str = "",
    is_public: bool = False,
    from_level: str = "",
    to_level: str = "",
    data: dict[str, Any] | None = None,
    by_system: bool = False,
) -> PetitionEvent:
    name = _actor_name(actor) if actor is not None else (_("系统") if by_system else _("诉求人"))
    return PetitionEvent.objects.create(
        petition=p,
        kind=kind,
        at=timezone.now(),
        actor=actor,
        actor_name=name,
        note=note,
        public_note=public_note,
        is_public=is_public,
        from_level=from_level,
        to_level=to_level,
        data=data or {},
    )


def _audit(
    actor: User | None, p: Petition, before: dict[str, Any] | None, note: str, ip: str | None = None
) -> None:
    audit_record(
        actor=actor,
        action=Action.CREATE if before is None else Action.UPDATE,
        obj=p,
        before=before,
        after=snapshot(p),
        note=note,
        ip=ip,
    )


def _lock(p: Petition, version: int | None) -> Petition:
    return lock_current(Petition, p.pk, version, _("该诉求已被他人处理过，请刷新页面查看最新情况后再操作。"))


def _require_act(actor: User, p: Petition) -> None:
    if not can_act_on_petition(actor, p):
        raise PermissionDenied(
            _("该诉求目前由%(level)s办理，您没有权限办理。") % {"level": p.get_level_display()}
        )


def _require_handle(actor: User, p: Petition) -> None:
    """Steps only the level's own office takes (not a department): accept, route, assign, close."""
    if not has_perm(actor, Perm.HANDLE_PETITIONS, p.handler_path):
        raise PermissionDenied(
            _("该诉求目前由%(level)s办理，您没有权限办理。") % {"level": p.get_level_display()}
        )


def _require_status(p: Petition, *allowed: str) -> None:
    if p.status not in allowed:
        raise ServiceError(
            _("该诉求当前状态为“%(status)s”，不能进行此操作。") % {"status": p.get_status_display()}
        )


def _save(p: Petition) -> None:
    bump(p)
    p.save()


def _tell(p: Petition, body: str) -> None:
    """A short message to the person, if they left a way to reach them."""
    if not (p.submitter_phone or p.submitter_email):
        return
    notify(
        phone=p.submitter_phone,
        email=p.submitter_email,
        subject=_("诉求办理进展"),
        body=_("【民情】您的诉求（查询码 %(code)s）：%(body)s") % {"code": p.tracking_code, "body": body},
        about=f"petitions.petition:{p.pk}",
    )
