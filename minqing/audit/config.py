"""Saving configuration records from the admin: the same audit trail as every other change."""

from typing import Any

from django.db import models, transaction

from .models import Action
from .services import audit_record, snapshot


@transaction.atomic
def config_save(*, actor: Any, obj: models.Model, is_new: bool) -> models.Model:
    """Save a configuration record (region, tag, user account) edited in the admin, with its audit row.

    The admin has already checked the administrator's permission for the model.
    """
    before = None
    if not is_new and obj.pk is not None:
        old = type(obj)._default_manager.filter(pk=obj.pk).first()
        before = snapshot(old) if old is not None else None
    obj.save()
    audit_record(
        actor=actor,
        action=Action.CREATE if is_new else Action.UPDATE,
        obj=obj,
        before=before,
        after=snapshot(obj),
    )
    return obj


@transaction.atomic
def config_delete(*, actor: Any, obj: models.Model) -> None:
    audit_record(actor=actor, action=Action.DELETE, obj=obj, before=snapshot(obj))
    obj.delete()
