"""Writes for 下村/住村: the visit log, findings turned into requests, quota rules and training records.

Every function here checks the permission it needs through regions.scoping and writes one audit row.
"""

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.accounts.roles import Role
from minqing.audit.models import Action
from minqing.audit.services import audit_record
from minqing.core.errors import ServiceError, ValidationError
from minqing.core.uploads import CheckedFile
from minqing.households.models import Household
from minqing.mediation.services import dispute_create
from minqing.petitions.models import Category, Channel
from minqing.petitions.services import Intake, petition_register
from minqing.regions.models import Level, Region
from minqing.regions.scoping import Perm, has_perm, require

from .models import (
    Attendance,
    Course,
    FindingKind,
    Metric,
    Period,
    QuotaRule,
    Topic,
    Visit,
    VisitFinding,
    VisitHousehold,
    VisitPhoto,
)
from .selectors import staff_in

MAX_DAYS = 31
MAX_PHOTOS = 9
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _today() -> datetime.date:
    return timezone.localdate()


def backdate_limit() -> int:
    """How many days back a diary entry may be written (a cadre catching up after a week in the field)."""
    return int(getattr(settings, "MINQING_VISIT_BACKDATE_DAYS", 60))


@dataclass
class VisitInput:
    """What the phone form sends. `client_key` is made when the form opens, so a retry is recognised."""

    village: Region | None
    visited_on: datetime.date | None
    client_key: str
    days: int = 1
    nights: int = 0
    stay_place: str = ""
    heard: str = ""
    household_ids: Sequence[int] = ()
    photos: list[CheckedFile] = field(default_factory=list)
    # An entry without households is usually a forgotten tick; the cadre says so when the day had none.
    no_households: bool = False


@dataclass
class LogResult:
    visit: Visit
    created: bool


def _nights_of(visited_on: datetime.date, nights: int) -> set[datetime.date]:
    return {visited_on + datetime.timedelta(days=i) for i in range(nights)}


def _check(actor: User, data: VisitInput) -> tuple[dict[str, list[str]], list[Household]]:
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not _KEY.match(data.client_key or ""):
        err("client_key", _("提交缺少有效的防重复标识，请刷新页面后重试。"))
    village = data.village
    if village is None:
        err("village", _("请选择走访的村。"))
    elif village.level != Level.VILLAGE:
        err("village", _("请选择一个村或社区。"))
    elif not has_perm(actor, Perm.LOG_VISITS, village.path):
        err("village", _("“%(v)s”不在您负责的村范围内。") % {"v": village.name})
    today = _today()
    if data.visited_on is None:
        err("visited_on", _("请填写日期。"))
    elif data.visited_on > today:
        err("visited_on", _("日期不能晚于今天。"))
    elif (today - data.visited_on).days > backdate_limit():
        err("visited_on", _("只能补记 %(n)d 天以内的日记。") % {"n": backdate_limit()})
    if not 1 <= data.days <= MAX_DAYS:
        err("days", _("天数应在 1 到 %(n)d 之间。") % {"n": MAX_DAYS})
    if data.nights < 0:
        err("nights", _("住村夜数不能为负数。"))
    elif data.nights > data.days:
        err("nights", _("住村夜数（%(n)d）不能多于在村天数（%(d)d）。") % {"n": data.nights, "d": data.days})
    if data.visited_on is not None and 1 <= data.days <= MAX_DAYS:
        last = data.visited_on + datetime.timedelta(days=data.days - 1)
        if last > today:
            err(
                "days",
                _("连续 %(d)d 天会到 %(last)s，晚于今天。") % {"d": data.days, "last": last.isoformat()},
            )
    if data.nights > 0 and data.nights <= data.days and data.visited_on is not None:
        wanted = _nights_of(data.visited_on, data.nights)
        lo, hi = min(wanted) - datetime.timedelta(days=MAX_DAYS), max(wanted)
        for v in Visit.objects.filter(cadre=actor, nights__gt=0, visited_on__gte=lo, visited_on__lte=hi):
            clash = wanted & _nights_of(v.visited_on, v.nights)
            if clash:
                err(
                    "nights",
                    _("%(d)s 晚已记在%(v)s住村，一晚只能住在一个地方。")
                    % {"d": min(clash).isoformat(), "v": v.village.name},
                )
                break
    if len(data.photos) > MAX_PHOTOS:
        err("photos", _("照片最多 %(n)d 张。") % {"n": MAX_PHOTOS})
    households: list[Household] = []
    ids = list(dict.fromkeys(int(i) for i in data.household_ids))
    if not ids and not data.no_households:
        err(
            "households",
            _("没有勾选走访的农户。这次确实没有走访农户的（开会、值班等），请勾选“本次未走访农户”后再保存。"),
        )
    if ids and village is not None and village.level == Level.VILLAGE:
        found = {h.pk: h for h in Household.objects.filter(pk__in=ids)}
        outside = [
            i
            for i in ids
            if i not in found
            or not found[i].region_path.startswith(village.path)
            or not has_perm(actor, Perm.VIEW_HOUSEHOLDS, found[i].region_path)
        ]
        if outside:
            names = [str(found[i]) if i in found else f"#{i}" for i in outside]
            err(
                "households",
                _("以下农户不属于%(v)s，不能记入这次走访：%(names)s")
                % {"v": village.name, "names": "、".join(names[:10])},
            )
        households = [found[i] for i in ids if i in found]
    return errors, households


@transaction.atomic
def visit_log(*, actor: User, data: VisitInput) -> LogResult:
    """Record a diary entry for the actor (who needs LOG_VISITS over the village).

    Idempotent by (actor, client_key): a phone retrying a submission whose answer it never saw gets the entry it
    already made, unchanged. Raises ValidationError with every problem; nothing is written then.
    """
    existing = Visit.objects.filter(cadre=actor, client_key=data.client_key).first()
    if existing is not None:
        return LogResult(existing, False)
    errors, households = _check(actor, data)
    if errors:
        raise ValidationError(errors)
    assert data.village is not None and data.visited_on is not None
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                cadre=actor,
                village=data.village,
                region_path=data.village.path,
                visited_on=data.visited_on,
                days=data.days,
                nights=data.nights,
                stay_place=data.stay_place.strip()[:100] if data.nights else "",
                heard=data.heard.strip()[:5000],
                client_key=data.client_key,
            )
    except IntegrityError:
        # The same submission raced in on another connection and won: answer with its entry.
        return LogResult(Visit.objects.get(cadre=actor, client_key=data.client_key), False)
    VisitHousehold.objects.bulk_create(
        VisitHousehold(visit=visit, household=h, cadre=actor, visited_on=data.visited_on) for h in households
    )
    for photo in data.photos:
        stored = VisitPhoto(
            visit=visit,
            name=photo.name[:200],
            content_type=photo.content_type,
            size=photo.size,
            sha256=photo.sha256,
        )
        stored.file.save(f"{photo.sha256[:16]}.{photo.extension}", ContentFile(photo.data), save=False)
        stored.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=visit,
        after={
            "village": data.village.code,
            "visited_on": data.visited_on.isoformat(),
            "days": data.days,
            "nights": data.nights,
            "households": [h.code for h in households],
            "photos": len(data.photos),
        },
    )
    return LogResult(visit, True)


@transaction.atomic
def visit_finding_petition(
    *, actor: User, visit: Visit, title: str, content: str, category_id: int | None, household_id: int | None
) -> VisitFinding:
    """Turn something heard on the visit into a request (channel 走访发现), linked to the entry.

    Only the entry's author may do it, with INTAKE_PETITIONS over the village."""
    if visit.cadre_id != actor.pk:
        raise ServiceError(_("只能从自己的民情日记登记诉求。"))
    household = None
    if household_id:
        household = visit.households.filter(pk=household_id).first()
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    petition = petition_register(
        actor=actor,
        data=Intake(
            channel=Channel.FOUND,
            category=category,
            region=visit.village,
            title=title,
            content=content,
            household=household,
            submitter_name=(household.head_name if household else ""),
            is_anonymous=household is None,
            registered_on=visit.visited_on,
        ),
    )
    finding = VisitFinding.objects.create(visit=visit, kind=FindingKind.PETITION, petition=petition)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=finding,
        after={"visit": visit.pk, "petition": petition.tracking_code},
    )
    return finding


@transaction.atomic
def visit_dispute_create(*, actor: User, visit: Visit, data: Any, petition: Any = None) -> Any:
    """Record a dispute found on this visit (mediation's dispute_create, same rules) and link the two, in one
    transaction. Only the entry's author may do it."""
    if visit.cadre_id != actor.pk:
        raise ServiceError(_("只能从自己的民情日记登记纠纷。"))
    dispute = dispute_create(actor=actor, data=data, petition=petition)
    visit_finding_dispute(actor=actor, visit=visit, dispute_id=dispute.pk)
    return dispute


@transaction.atomic
def visit_finding_dispute(*, actor: User, visit: Visit, dispute_id: int) -> VisitFinding:
    """Link a dispute recorded from this entry (the mediation app creates the dispute itself)."""
    if visit.cadre_id != actor.pk:
        raise ServiceError(_("只能关联自己的民情日记。"))
    finding = VisitFinding.objects.create(visit=visit, kind=FindingKind.DISPUTE, dispute_id=dispute_id)
    audit_record(
        actor=actor, action=Action.CREATE, obj=finding, after={"visit": visit.pk, "dispute": dispute_id}
    )
    return finding


# ---- quota rules ---------------------------------------------------------------------------------------

FIELD_ROLES = (Role.LEADER, Role.PETITION_OFFICER, Role.VILLAGE_LIAISON, Role.VILLAGE_CADRE, Role.MEDIATOR)


@transaction.atomic
def quota_rule_save(
    *,
    actor: User,
    region: Region,
    role: str,
    metric: str,
    period: str,
    target: int,
    is_active: bool = True,
) -> QuotaRule:
    """Create or change the rule for (region, role, metric, period). Needs MANAGE_QUOTAS over the region."""
    require(actor, Perm.MANAGE_QUOTAS, region.path)
    errors: dict[str, list[str]] = {}
    if region.level > Level.TOWNSHIP:
        errors["region"] = [_("硬性规定按乡镇或以上制定。")]
    if role not in {r.value for r in FIELD_ROLES}:
        errors["role"] = [_("该角色不下村，不能设下村指标。")]
    if metric not in Metric.values:
        errors["metric"] = [_("未知的指标。")]
    if period not in Period.values:
        errors["period"] = [_("未知的周期。")]
    if metric == Metric.COVERAGE and not 1 <= target <= 100:
        errors["target"] = [_("覆盖率下限应在 1 到 100 之间。")]
    elif metric in (Metric.VILLAGE_DAYS, Metric.NIGHTS):
        most = 31 if period == Period.MONTH else 92
        if not 0 <= target <= most:
            errors["target"] = [_("下限不能超过一个周期的天数（%(n)d）。") % {"n": most}]
    if errors:
        raise ValidationError(errors)
    rule, created = QuotaRule.objects.get_or_create(
        region=region,
        role=role,
        metric=metric,
        period=period,
        defaults={"region_path": region.path, "target": target, "is_active": is_active},
    )
    before = None if created else {"target": rule.target, "is_active": rule.is_active}
    if not created:
        rule.target, rule.is_active = target, is_active
        rule.save(update_fields=["target", "is_active", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        obj=rule,
        before=before,
        after={"target": target, "is_active": is_active},
    )
    return rule


# ---- training ------------------------------------------------------------------------------------------


def _hours(raw: object) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"hours": [_("学时应为数字。")]}) from exc
    if not Decimal("0.5") <= value <= Decimal("200"):
        raise ValidationError({"hours": [_("学时应在 0.5 到 200 之间。")]})
    return value.quantize(Decimal("0.1"))


@transaction.atomic
def course_record(
    *,
    actor: User,
    region: Region,
    title: str,
    organiser: str,
    held_on: datetime.date,
    hours: object,
    topics: Sequence[str],
    attendee_ids: Sequence[int],
) -> Course:
    """Record a course and who attended it. Needs MANAGE_QUOTAS over the region; attendees must hold a role
    there (staff of other townships are refused by name)."""
    require(actor, Perm.MANAGE_QUOTAS, region.path)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("请填写课程名称。")]
    if held_on > _today():
        errors["held_on"] = [_("日期不能晚于今天。")]
    bad_topics = [t for t in topics if t not in Topic.values]
    if bad_topics or not topics:
        errors["topics"] = [_("请选择培训主题。")]
    try:
        value = _hours(hours)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        value = Decimal("0")
    allowed = {u.pk: u for u in staff_in(region.path)}
    ids = list(dict.fromkeys(int(i) for i in attendee_ids))
    outside = [i for i in ids if i not in allowed]
    if outside:
        names = [str(u) for u in User.objects.filter(pk__in=outside)] or [f"#{i}" for i in outside]
        errors["attendees"] = [_("以下人员不在本辖区：%(n)s") % {"n": "、".join(names)}]
    if not ids:
        errors.setdefault("attendees", []).append(_("请选择参训干部。"))
    if errors:
        raise ValidationError(errors)
    course = Course.objects.create(
        region=region,
        region_path=region.path,
        title=title.strip()[:100],
        organiser=organiser.strip()[:100],
        held_on=held_on,
        hours=value,
        topics=list(dict.fromkeys(topics)),
    )
    Attendance.objects.bulk_create(Attendance(course=course, cadre=allowed[i], hours=value) for i in ids)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=course,
        after={"title": course.title, "hours": str(value), "attendees": [allowed[i].username for i in ids]},
    )
    return course


@transaction.atomic
def visit_photo_download(
    *, actor: User, visit: Visit, photo: VisitPhoto, ip: str | None = None
) -> VisitPhoto:
    """Record that the actor opened a photo of a diary entry it may see (households and people at home)."""
    if photo.visit_id != visit.pk:
        raise ServiceError(_("照片不属于该民情日记。"))
    audit_record(
        actor=actor,
        action=Action.DOWNLOAD,
        obj=visit,
        after={"photo": photo.pk, "name": photo.name, "sha256": photo.sha256},
        note=_("查看走访照片：%(name)s") % {"name": photo.name},
        ip=ip,
    )
    return photo
