"""Leader reception days (大接访): the day, registrations and attendance."""

import datetime
import secrets
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
from .common import TRACKING_ALPHABET, _phone, _today

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


# A public booking takes a half-hour slot; a leader hears a few people in half an hour.
SLOT_MINUTES = 30
PER_SLOT = 4
BOOKING_CODE_LENGTH = 8


def reception_slots(day: ReceptionDay) -> list[datetime.time]:
    """The half-hour slots of a reception day a resident may book, from its start to before its end."""
    slots: list[datetime.time] = []
    at = datetime.datetime.combine(day.date, day.start_time)
    end = datetime.datetime.combine(day.date, day.end_time)
    while at < end:
        slots.append(at.time())
        at += datetime.timedelta(minutes=SLOT_MINUTES)
    return slots


def _booking_code() -> str:
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(BOOKING_CODE_LENGTH))
        if not ReceptionRegistration.objects.filter(code=code).exists():
            return code


@transaction.atomic
def reception_book(
    *,
    day: ReceptionDay,
    name: str,
    phone: str,
    village: Region | None,
    slot: datetime.time | None,
    topic: str,
    ip: str | None = None,
) -> ReceptionRegistration:
    """A resident books a slot of a published reception day on the public page, without an account. The office
    sees the booking on the day's page; the resident quotes its code on the day. One booking per phone a day;
    a full slot is refused (the day's row is locked, so two residents cannot both take its last place)."""
    day = ReceptionDay.objects.select_for_update().get(pk=day.pk)
    errors: dict[str, list[str]] = {}
    name, topic = (name or "").strip(), (topic or "").strip()
    normalized = _phone(phone or "")
    if not name or len(name) > 50:
        errors["name"] = [_("请填写姓名。")]
    if not normalized:
        errors["phone"] = [_("联系电话格式不正确。")]
    if not topic or len(topic) > 200:
        errors["topic"] = [_("请简要填写反映事项（200 字以内）。")]
    if (
        village is None
        or village.level != RegionLevel.VILLAGE
        or not village.path.startswith(day.region_path)
    ):
        errors["village"] = [_("请选择所在村（社区）。")]
    if not day.is_public or day.date < _today():
        raise ServiceError(_("该接访日已过或未公布，不能预约。"))
    if slot not in reception_slots(day):
        errors["slot"] = [_("请选择预约时段。")]
    elif day.registrations.filter(slot=slot).count() >= PER_SLOT:
        errors["slot"] = [_("该时段已约满，请选择其他时段。")]
    if normalized and day.registrations.filter(phone=normalized).exists():
        errors["phone"] = [_("这个手机号已预约了这一天的接访，不必重复预约。")]
    if errors:
        raise ValidationError(errors)
    return audited_create(
        actor=None,
        obj=ReceptionRegistration(
            day=day,
            name=name,
            phone=normalized or "",
            topic=topic,
            village=village,
            slot=slot,
            online=True,
            code=_booking_code(),
        ),
        note=_("网上预约领导接访"),
        region_path=village.path if village is not None else day.region_path,
        ip=ip,
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
