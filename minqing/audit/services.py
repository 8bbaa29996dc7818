"""Writing the audit trail. Every service that changes data calls audit_record() in its transaction."""

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from .models import Action, AuditEntry

# Fields never copied into the audit trail.
_SKIP_FIELDS = {"password", "updated_at", "created_at"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The concrete field values of `obj` as JSON-safe data, for the before/after of an audit row."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in _SKIP_FIELDS:
            continue
        data[field.attname] = _plain(getattr(obj, field.attname))
    if extra:
        data.update({k: _plain(v) for k, v in extra.items()})
    return data


def _object_fields(obj: models.Model | None) -> dict[str, str]:
    if obj is None:
        return {}
    return {
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
        "region_path": getattr(obj, "region_path", "") or "",
    }


def audit_record(
    *,
    actor: Any,
    action: Action | str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    ip: str | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    region_path: str = "",
) -> AuditEntry:
    """Insert one audit row. Call inside the same transaction as the change it records."""
    fields = _object_fields(obj)
    user = actor if getattr(actor, "pk", None) is not None else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=getattr(actor, "username", "") or "",
        action=str(action),
        object_type=object_type or fields.get("object_type", ""),
        object_id=object_id or fields.get("object_id", ""),
        object_repr=(object_repr or fields.get("object_repr", ""))[:200],
        region_path=region_path or fields.get("region_path", ""),
        before=before,
        after=after,
        note=note[:500],
        ip=ip,
    )


@transaction.atomic
def audited_create[M: models.Model](
    *, actor: Any, obj: M, note: str = "", region_path: str = "", ip: str | None = None
) -> M:
    """Save the new, unsaved `obj` and record its creation with its snapshot, in the caller's transaction.

    The caller builds and validates the object; this only makes the save and its audit row inseparable.
    """
    if obj.pk is not None and not obj._state.adding:
        raise ValueError(f"audited_create was given a saved {obj._meta.label}; use audited_update")
    obj.save(force_insert=True)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=obj,
        after=snapshot(obj),
        note=note,
        region_path=region_path,
        ip=ip,
    )
    return obj


@transaction.atomic
def audited_update[M: models.Model](
    *,
    actor: Any,
    obj: M,
    changes: Mapping[str, Any],
    note: str = "",
    region_path: str = "",
    ip: str | None = None,
) -> M:
    """Apply `changes` (field name → value) to the saved `obj`, save only those fields, and record before/after.

    Saving only the named fields means a concurrent edit of other fields is not written back. A change that
    changes nothing writes nothing, so the trail holds only real changes. Lock the row first (select_for_update)
    when the new values depend on the old ones.
    """
    if obj.pk is None or obj._state.adding:
        raise ValueError(f"audited_update was given an unsaved {obj._meta.label}; use audited_create")
    concrete = {f.name: f for f in obj._meta.concrete_fields}
    unknown = sorted(set(changes) - set(concrete))
    if unknown:
        raise ValueError(f"{obj._meta.label} has no field {', '.join(unknown)}")
    before = snapshot(obj)
    old = {name: getattr(obj, concrete[name].attname) for name in changes}
    for name, value in changes.items():
        setattr(obj, name, value)
    fields = [name for name in changes if getattr(obj, concrete[name].attname) != old[name]]
    if not fields:
        return obj
    if "updated_at" in concrete and "updated_at" not in fields:
        fields.append("updated_at")  # auto_now only stamps fields it is asked to save
    obj.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=obj,
        before=before,
        after=snapshot(obj),
        note=note,
        region_path=region_path,
        ip=ip,
    )
    return obj


def audit_record_many(
    *, actor: Any, action: Action | str, objects: Iterable[models.Model], note: str = ""
) -> int:
    """Bulk variant for imports: one row per object with its snapshot as `after`."""
    user = actor if getattr(actor, "pk", None) is not None else None
    rows = [
        AuditEntry(
            actor=user,
            actor_name=getattr(actor, "username", "") or "",
            action=str(action),
            after=snapshot(obj),
            note=note[:500],
            **_object_fields(obj),
        )
        for obj in objects
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def audit_export_record(
    *, actor: Any, rows: int, filters: dict[str, Any], ip: str | None = None
) -> AuditEntry:
    """The audit administrator's export of the audit log is itself recorded: the log holds the snapshots of
    every change, names and ID numbers included."""
    shown = "；".join(f"{k}={_plain(v)}" for k, v in sorted(filters.items()) if v) or _("无")
    return audit_record(
        actor=actor,
        action=Action.EXPORT,
        object_type=AuditEntry._meta.label_lower,
        object_repr=_("审计日志导出"),
        note=_("导出审计记录 %(n)d 条。筛选：%(filters)s") % {"n": rows, "filters": shown},
        ip=ip,
    )
