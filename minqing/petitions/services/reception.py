"""Leader reception days (大接访): the day, registrations and attendance."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record, audited_create, audited_update, snapshot
from minqing.core.errors import ServiceError, ValidationError
from minqing.regions.models import Level as RegionLevel
from minqing.regions.models import Region
from minqing.regions.scoping import Perm, has_perm, require

from ..models import (
    Petition,
    ReceptionDay,
    ReceptionRegistration,
)
from .common import _phone, _today

# ----------------------------------------------------------------------------------------------------------
# Leader reception days (大接访)

RECEPTION_FIELDS = (
    "date",
    "start_time",
    "end_time",
    "place",
    "topics",
    "leader_title",
    "is_public",
    "outcome",
)


@transaction.atomic
def reception_day_save(
    *, actor: User, region: Region, leader: User, day: ReceptionDay | None = None, **values: Any
) -> ReceptionDay:
    """Schedule a reception day or change one (MANAGE_RECEPTION over the township). The leader must hold
    a role in that township."""
    require(actor, Perm.MANAGE_RECEPTION, region.path)
    if region.level != RegionLevel.TOWNSHIP:
        raise ValidationError({"region": [_("接访日按乡镇安排。")]})
    if not has_perm(leader, Perm.APPROVE_EXTENSION, region.path):
        raise ValidationError({"leader": [_("请选择本乡镇的领导。")]})
    if values.get("start_time") and values.get("end_time") and values["end_time"] <= values["start_time"]:
        raise ValidationError({"end_time": [_("结束时间应晚于开始时间。")]})
    before = snapshot(day) if day is not None else None
    if day is None:
        day = ReceptionDay(region=region, region_path=region.path, leader=leader)
    else:
        day = ReceptionDay.objects.select_for_update().get(pk=day.pk)
        day.leader = leader
    for name, value in values.items():
        if name not in RECEPTION_FIELDS:
            raise ServiceError(f"unknown reception field {name}")
        setattr(day, name, value)
    day.full_clean(exclude=["region", "leader"])
    day.save()
    audit_record(
        actor=actor,
        action=Action.CREATE if before is None else Action.UPDATE,
        obj=day,
        before=before,
        after=snapshot(day),
        note=_("领导接访日"),
    )
    return day


@transaction.atomic
def reception_register(
    *, actor: User | None, day: ReceptionDay, name: str, phone: str, topic: str
) -> ReceptionRegistration:
    """Book a person in for a reception day: staff at the desk, or the person on the public page (actor None)."""
    errors: dict[str, list[str]] = {}
    name, topic = (name or "").strip(), (topic or "").strip()
    normalized = _phone(phone or "")
    if not name or len(name) > 50:
        errors["name"] = [_("请填写姓名。")]
    if not normalized:
        errors["phone"] = [_("联系电话格式不正确。")]
    if not topic or len(topic) > 200:
        errors["topic"] = [_("请简要填写反映事项（200 字以内）。")]
    if day.date < _today():
        errors["__all__"] = [_("该接访日已过。")]
    if errors:
        raise ValidationError(errors)
    if actor is not None:
        require(actor, Perm.INTAKE_PETITIONS, day.region_path)
    return audited_create(
        actor=actor,
        obj=ReceptionRegistration(day=day, name=name, phone=normalized or "", topic=topic),
        region_path=day.region_path,
    )


@transaction.atomic
def reception_attend(
    *, actor: User, registration: ReceptionRegistration, attended: bool, petition: Petition | None = None
) -> ReceptionRegistration:
    """Record who came, and link the request registered for them at the reception."""
    require(actor, Perm.INTAKE_PETITIONS, registration.day.region_path)
    changes: dict[str, object] = {"attended": attended}
    if petition is not None:
        changes["petition"] = petition
    return audited_update(
        actor=actor, obj=registration, changes=changes, region_path=registration.day.region_path
    )
