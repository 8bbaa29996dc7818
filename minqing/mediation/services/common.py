"""What the mediation services share: limits, the timeline event and audit rows, locks, text checks and risk."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record, snapshot
from minqing.core.versioning import bump, lock_current

from ..models import (
    GRAVE_FLAGS,
    HEAD_COUNT_FLAG_AT,
    HEAD_COUNT_MAJOR_AT,
    Dispute,
    DisputeEvent,
    DisputeKind,
    RiskFlag,
    RiskLevel,
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
    return lock_current(Dispute, d.pk, version, _("该矛盾纠纷已被他人修改，请刷新后重试。"))


def _save(d: Dispute) -> None:
    bump(d)
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
