"""Writes to requests (诉求/信访). Each service is atomic: the petition's state, one timeline event and one audit
row change together or not at all.

Services assume the caller may already see the petition it passes (views fetch it with
scoping.get_petition_for_actor); they check the *action* themselves: who may act depends on the level now
handling the petition (scoping.can_act_on_petition). A public caller (the resident on the track page, an Open311
client) passes actor=None and is limited to what the law gives the person: submit, rate, ask to reopen, ask for
复查/复核.
"""

import datetime
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record, snapshot
from minqing.core.errors import ConflictError, ServiceError, ValidationError
from minqing.core.notify import notify
from minqing.core.ttl import ttl_cache
from minqing.core.uploads import CheckedFile
from minqing.households.identity import normalize_phone
from minqing.households.models import Household, Resident
from minqing.regions.models import PATH_DIGITS, Region
from minqing.regions.models import Level as RegionLevel
from minqing.regions.scoping import (
    Perm,
    can_act_on_petition,
    has_perm,
    regions_with,
    require,
)
from minqing.workcal.selectors import Deadline, WorkCalendar, work_calendar

from .models import (
    LEVEL_ORDER,
    LEVEL_REGION,
    OPEN_STATUSES,
    Attachment,
    Category,
    Channel,
    DayUnit,
    DeadlineKind,
    DeadlineRule,
    Department,
    DueKind,
    EventKind,
    HandlingLevel,
    Petition,
    PetitionEvent,
    ReceptionDay,
    ReceptionRegistration,
    Satisfaction,
    Stage,
    Status,
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

# Defaults when the rules table has no row (it is seeded by a migration; these only guard a damaged table).
DEFAULT_RULES: dict[str, tuple[int, str]] = {
    DeadlineKind.ACCEPT: (15, DayUnit.WORKING),
    DeadlineKind.CONCLUDE: (60, DayUnit.WORKING),
    DeadlineKind.EXTENSION: (30, DayUnit.WORKING),
    DeadlineKind.REVIEW_REQUEST: (30, DayUnit.WORKING),
    DeadlineKind.REVIEW: (30, DayUnit.WORKING),
    DeadlineKind.REREVIEW_REQUEST: (30, DayUnit.WORKING),
    DeadlineKind.REREVIEW: (30, DayUnit.WORKING),
    DeadlineKind.FOLLOW_UP: (7, DayUnit.WORKING),
    DeadlineKind.REOPEN: (30, DayUnit.WORKING),
    DeadlineKind.REPEAT_WINDOW: (90, DayUnit.CALENDAR),
}


# ----------------------------------------------------------------------------------------------------------
# Deadlines


def deadline_rules() -> dict[str, tuple[int, str]]:
    rules = dict(DEFAULT_RULES)
    rules.update({r.kind: (r.days, r.unit) for r in DeadlineRule.objects.all()})
    return rules


def due_after(
    kind: str,
    start: datetime.date,
    *,
    days: int | None = None,
    cal: WorkCalendar | None = None,
    rules: dict[str, tuple[int, str]] | None = None,
) -> Deadline:
    """The deadline `kind` counted from `start` by the rules table (working or calendar days)."""
    rule_days, unit = (rules or deadline_rules())[kind]
    cal = cal or work_calendar()
    n = rule_days if days is None else days
    if unit == DayUnit.CALENDAR:
        return cal.add_calendar_days(start, n)
    return cal.add_working_days(start, n)


def _reclock(p: Petition, deadline: Deadline | None = None) -> None:
    """Point the list clock (due_date/due_kind) at whatever is due next for the petition's state."""
    if p.status == Status.REGISTERED:
        p.due_date, p.due_kind = p.accept_due, DueKind.ACCEPT
    elif p.status == Status.ACCEPTED and p.stage == Stage.INITIAL:
        p.due_date, p.due_kind = p.conclude_due, DueKind.CONCLUDE
    elif p.status == Status.ACCEPTED:
        p.due_date = p.review_due
        p.due_kind = DueKind.REVIEW if p.stage == Stage.REVIEW else DueKind.REREVIEW
    elif p.status == Status.REPLIED and not p.satisfaction:
        p.due_date, p.due_kind = p.followup_due, DueKind.FOLLOW_UP
    else:
        p.due_date, p.due_kind = None, ""
    if deadline is not None:
        p.due_uncertain = deadline.uncertain
    if p.due_date is None:
        p.due_uncertain = False
    p.reminded_on = None
    p.escalated_on = None


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
    locked = Petition.objects.select_for_update().get(pk=p.pk)
    if version is not None and locked.version != version:
        raise ConflictError(_("该诉求已被他人处理过，请刷新页面查看最新情况后再操作。"))
    return locked


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
    p.version += 1
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


# ----------------------------------------------------------------------------------------------------------
# Intake


@dataclass
class Intake:
    """What a form, the public page or an API client says about a new request, before validation."""

    channel: str
    category: Category | None
    region: Region | None
    title: str
    content: str
    submitter_name: str = ""
    submitter_phone: str = ""
    submitter_email: str = ""
    is_anonymous: bool = False
    urgency: str = Urgency.NORMAL
    address: str = ""
    lat: Decimal | None = None
    long: Decimal | None = None
    resident: Resident | None = None
    household: Household | None = None
    is_group: bool = False
    head_count: int = 1
    representatives: str = ""
    level: str = ""  # staff may keep it at their own level instead of the category's proper level
    registered_on: datetime.date | None = None  # a letter's date of receipt, when typed in later
    attachments: list[CheckedFile] = field(default_factory=list)
    source_client: str = ""


@ttl_cache(30)
def _is_leaf(category_id: int) -> bool:
    # Cached for 30 s per process: the taxonomy changes rarely, and a request filed under a category that has
    # just got children is merely re-categorised.
    return not Category.objects.filter(parent_id=category_id, is_active=True).exists()


def _clean_intake(data: Intake, *, public: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    data.title = (data.title or "").strip()
    data.content = (data.content or "").strip()
    data.submitter_name = (data.submitter_name or "").strip()
    data.address = (data.address or "").strip()
    if not data.title:
        err("title", _("请填写标题（一句话概括诉求）。"))
    elif len(data.title) > TITLE_MAX:
        err("title", _("标题最多 %(n)d 个字，现有 %(m)d 个字。") % {"n": TITLE_MAX, "m": len(data.title)})
    if not data.content:
        err("content", _("请填写诉求内容。"))
    elif len(data.content) > CONTENT_MAX:
        err(
            "content",
            _("诉求内容最多 %(n)d 个字，现有 %(m)d 个字；较长的材料请作为附件上传。")
            % {"n": CONTENT_MAX, "m": len(data.content)},
        )
    if data.channel not in CHANNELS:
        err("channel", _("请选择来源渠道。"))
    if data.category is None or not data.category.is_active:
        err("category", _("请选择诉求分类。"))
    elif not _is_leaf(data.category.pk):
        err("category", _("请选择具体的小类。"))
    if data.region is None or not data.region.is_active:
        err("region", _("请选择所在村（社区）。"))
    elif data.region.level < RegionLevel.TOWNSHIP:
        err("region", _("请选择到乡镇或村（社区）。"))
    if data.urgency not in URGENCIES:
        err("urgency", _("紧急程度不正确。"))
    if len(data.submitter_name) > 50:
        err("submitter_name", _("姓名过长。"))
    if not data.is_anonymous and not data.submitter_name:
        err("submitter_name", _("请填写姓名，或选择匿名反映。"))
    if data.is_anonymous:
        data.submitter_name = ""
        data.resident = None
    phone = (data.submitter_phone or "").strip()
    if phone:
        normalized = _phone(phone)
        if not normalized:
            err("submitter_phone", _("联系电话格式不正确。"))
        else:
            data.submitter_phone = normalized
    elif public and not data.source_client:
        # The public page tracks by phone; an API client follows its requests through the API instead.
        err("submitter_phone", _("请填写手机号码，用于查询办理进展和回访。"))
    else:
        data.submitter_phone = ""
    if data.is_group:
        if data.head_count < 5:
            err("head_count", _("集体访指 5 人及以上，请填写到场人数。"))
    elif data.head_count < 1:
        data.head_count = 1
    if data.head_count > 100_000:
        err("head_count", _("人数不正确。"))
    if len(data.representatives) > 200:
        err("representatives", _("代表姓名过长。"))
    if len(data.address) > 200:
        err("address", _("地点最多 200 个字。"))
    for name, value, low, high in (("lat", data.lat, -90, 90), ("long", data.long, -180, 180)):
        if value is not None and not (low <= value <= high):
            err(name, _("坐标超出范围。"))
    if data.level and data.level not in LEVELS:
        err("level", _("办理层级不正确。"))
    from django.conf import settings

    if len(data.attachments) > settings.MINQING_ATTACHMENT_MAX_COUNT:
        err("attachments", _("附件最多 %(n)d 个。") % {"n": settings.MINQING_ATTACHMENT_MAX_COUNT})
    return errors


def _known_caller(phone: str, region: Region) -> tuple[Resident | None, Household | None]:
    """The registered resident with this phone in the request's township, when there is exactly one: a request
    from a known household then shows on its page without anyone linking it by hand."""
    township = region.path[: PATH_DIGITS[RegionLevel.TOWNSHIP]]
    from minqing.regions.models import subtree_q

    found = list(
        Resident.objects.filter(
            subtree_q(township), phone_rev=phone[::-1], household__isnull=False
        ).select_related("household")[:2]
    )
    if len(found) != 1:
        return None, None
    return found[0], found[0].household


def intake_check(data: Intake) -> None:
    """Check a public (actor=None) intake without writing: the ValidationError petition_register would raise.
    Queued intake (Open311) calls this before accepting a submission, so the worker rarely refuses one."""
    errors = _clean_intake(data, public=True)
    if errors:
        raise ValidationError(errors)


def _intake_level(actor: User | None, region: Region) -> str:
    """The level of the body that registered it: the nearest grant of the actor covering the region."""
    if actor is None:
        return region_level(region)
    covering = [p for p in regions_with(actor, Perm.INTAKE_PETITIONS) if region.path.startswith(p)]
    longest = max((len(p) for p in covering), default=0)
    if longest >= PATH_DIGITS[RegionLevel.VILLAGE]:
        return HandlingLevel.VILLAGE
    if longest >= PATH_DIGITS[RegionLevel.TOWNSHIP]:
        return HandlingLevel.TOWNSHIP
    return HandlingLevel.COUNTY


def _earlier_same_matter(p: Petition, *, since: datetime.date) -> tuple[int, str] | None:
    """The latest request from the same phone or household on the same category since `since` (重复访)."""
    who = Q(pk__in=[])
    if p.submitter_phone:
        who |= Q(submitter_phone=p.submitter_phone)
    if p.household_id:
        who |= Q(household_id=p.household_id)
    return (
        Petition.objects.filter(
            who, category_id=p.category_id, registered_on__gte=since, merged_into__isnull=True
        )
        .order_by("-registered_on", "-id")
        .values_list("pk", "tracking_code")
        .first()
    )


@transaction.atomic
def petition_register(*, actor: User | None, data: Intake, ip: str | None = None) -> Petition:
    """Register a new request from any channel and start its acceptance clock.

    Staff need INTAKE_PETITIONS over the region; actor=None is the public page or an Open311 client (channel
    网上) and needs a phone. The request starts at the lowest level that can handle it: the category's proper
    level, or the village/township it is in, unless staff choose to keep it at their own level. Raises
    ValidationError listing every problem; nothing is written then.
    """
    public = actor is None
    errors = _clean_intake(data, public=public)
    if data.region is not None and not public and not errors:
        require(actor, Perm.INTAKE_PETITIONS, data.region.path)
    if errors:
        raise ValidationError(errors)
    assert data.region is not None and data.category is not None
    region = data.region
    if region.level > RegionLevel.VILLAGE and region.parent is not None:
        region = region.parent  # a group's matter is its village's
    if data.household is not None and not data.household.region_path.startswith(region.path[:9]):
        data.household = None
    if data.resident is not None and data.household is None:
        data.household = data.resident.household
    if data.household is None and data.submitter_phone and not data.is_anonymous:
        data.resident, data.household = _known_caller(data.submitter_phone, region)

    intake_level = _intake_level(actor, region)
    proper = data.category.proper_level
    if LEVEL_ORDER[HandlingLevel(proper)] < LEVEL_ORDER[HandlingLevel(region_level(region))]:
        proper = region_level(region)
    level = proper
    if data.level and not public:
        if LEVEL_ORDER[HandlingLevel(data.level)] < LEVEL_ORDER[HandlingLevel(region_level(region))]:
            raise ValidationError({"level": [_("乡镇本级的事项不能交由村办理。")]})
        level = data.level
    skip = (
        data.channel in SKIP_LEVEL_CHANNELS
        and LEVEL_ORDER[HandlingLevel(intake_level)] > LEVEL_ORDER[HandlingLevel(proper)]
    )
    today = _today()
    registered_on = data.registered_on or today
    if registered_on > today:
        raise ValidationError({"registered_on": [_("登记日期不能晚于今天。")]})
    rules = deadline_rules()
    cal = work_calendar()
    accept = due_after(DeadlineKind.ACCEPT, registered_on, cal=cal, rules=rules)
    p = Petition(
        tracking_code=new_tracking_code(),
        channel=data.channel,
        urgency=data.urgency,
        category=data.category,
        title=data.title,
        content=data.content,
        region=region,
        region_path=region.path,
        address=data.address,
        lat=data.lat,
        long=data.long,
        is_anonymous=data.is_anonymous,
        submitter_name=data.submitter_name,
        submitter_phone=data.submitter_phone,
        submitter_email=data.submitter_email,
        resident=data.resident,
        household=data.household,
        is_group=data.is_group,
        head_count=max(1, data.head_count),
        representatives=data.representatives.strip(),
        level=level,
        intake_level=intake_level,
        handler_path=level_path(region.path, level),
        is_skip_level=skip,
        registered_by=actor,
        registered_on=registered_on,
        accept_due=accept.due,
        source_client=data.source_client[:50],
    )
    earlier = _earlier_same_matter(
        p, since=registered_on - datetime.timedelta(days=rules[DeadlineKind.REPEAT_WINDOW][0])
    )
    if earlier is not None:
        p.is_repeat = True
        p.repeat_of_id, repeat_code = earlier
    _reclock(p, accept)
    p.save()
    for checked in data.attachments:
        _attach(p, checked, actor)
    # Indexed in this transaction: the next intake of the same matter must already find this one.
    from minqing.hotspots.services import petition_indexed

    petition_indexed(petition=p)
    public_note = _("已登记，查询码 %(code)s。") % {"code": p.tracking_code}
    notes = []
    if skip:
        notes.append(_("越级：该类事项应先由%(level)s办理。") % {"level": HandlingLevel(proper).label})
    if earlier is not None:
        notes.append(_("重复访：与 %(code)s 同一人/户、同一类事项。") % {"code": repeat_code})
    _event(
        p,
        EventKind.REGISTERED,
        actor,
        note=" ".join(str(n) for n in notes),
        public_note=public_note,
        is_public=True,
        to_level=level,
        data={"channel": p.channel, "attachments": len(data.attachments)},
    )
    _audit(actor, p, None, _("登记诉求"), ip)
    _tell(
        p,
        _("已登记，请凭查询码和手机尾号查询办理进展。"),
    )
    return p


def _attach(p: Petition, checked: CheckedFile, actor: User | None) -> Attachment:
    attachment = Attachment(
        petition=p,
        name=checked.name,
        content_type=checked.content_type,
        extension=checked.extension,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_at=timezone.now(),
        uploaded_by=actor,
    )
    attachment.file.save(f"upload.{checked.extension}", ContentFile(checked.data), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def petition_attach(*, actor: User, petition: Petition, files: Sequence[CheckedFile]) -> list[Attachment]:
    """Add checked files to a request (handlers adding evidence, a signed reply…)."""
    from django.conf import settings

    p = _lock(petition, None)
    _require_act(actor, p)
    if p.attachments.count() + len(files) > settings.MINQING_ATTACHMENT_MAX_COUNT * 3:
        raise ServiceError(_("附件数量已达上限。"))
    made = [_attach(p, f, actor) for f in files]
    _event(p, EventKind.ATTACHMENT, actor, note="、".join(f.name for f in files))
    _audit(actor, p, snapshot(p), _("上传附件"))
    return made


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
    _reclock(p, deadline)
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
    _reclock(p)
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


# ----------------------------------------------------------------------------------------------------------
# Handling


@transaction.atomic
def petition_progress(*, actor: User, petition: Petition, note: str, public_note: str = "") -> Petition:
    """A handling note (调查核实, 协调…); the public part, if any, is shown to the person."""
    note = (note or "").strip()
    public_note = (public_note or "").strip()
    if not note and not public_note:
        raise ValidationError({"note": [_("请填写办理情况。")]})
    p = _lock(petition, None)
    _require_act(actor, p)
    _require_status(p, Status.REGISTERED, Status.ACCEPTED, Status.REPLIED)
    _event(
        p,
        EventKind.PROGRESS,
        actor,
        note=note[:5000],
        public_note=public_note[:1000],
        is_public=bool(public_note),
    )
    _save(p)
    _audit(actor, p, snapshot(p), _("办理进展"))
    return p


@transaction.atomic
def petition_request_extension(
    *, actor: User, petition: Petition, version: int | None, days: int, reason: str
) -> Petition:
    """Ask the unit head to extend the conclusion deadline (at most once, at most the EXTENSION rule's days)."""
    reason = (reason or "").strip()
    max_days = deadline_rules()[DeadlineKind.EXTENSION][0]
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("请填写延期理由。")]
    if not 1 <= days <= max_days:
        errors["days"] = [_("延期天数应在 1 到 %(n)d 之间。") % {"n": max_days}]
    if errors:
        raise ValidationError(errors)
    p = _lock(petition, version)
    _require_act(actor, p)
    _require_status(p, Status.ACCEPTED)
    if p.stage != Stage.INITIAL:
        raise ServiceError(_("复查、复核阶段不能延期。"))
    if p.extension_days or p.extension_requested_days:
        raise ServiceError(_("办理期限只能延长一次。"))
    before = snapshot(p)
    p.extension_requested_days = days
    p.extension_reason = reason[:300]
    p.extension_requested_by = actor
    _save(p)
    _event(p, EventKind.EXTENSION_REQUESTED, actor, note=reason, data={"days": days})
    _audit(actor, p, before, _("申请延期"))
    return p


@transaction.atomic
def petition_decide_extension(
    *, actor: User, petition: Petition, version: int | None, approve: bool, note: str = ""
) -> Petition:
    """The unit head (APPROVE_EXTENSION over the handling level) approves or refuses a pending extension."""
    p = _lock(petition, version)
    require(actor, Perm.APPROVE_EXTENSION, p.handler_path)
    _require_status(p, Status.ACCEPTED)
    if not p.extension_requested_days:
        raise ServiceError(_("没有待审批的延期申请。"))
    before = snapshot(p)
    days = p.extension_requested_days
    p.extension_requested_days = 0
    if approve:
        assert p.conclude_due is not None
        deadline = due_after(DeadlineKind.EXTENSION, p.conclude_due, days=days)
        p.extension_days = days
        p.conclude_due = deadline.due
        _reclock(p, deadline)
        public = _("因%(reason)s，办理期限延长至 %(due)s。") % {
            "reason": p.extension_reason,
            "due": f"{deadline.due:%Y-%m-%d}",
        }
        _save(p)
        _event(
            p,
            EventKind.EXTENSION_APPROVED,
            actor,
            note=note,
            public_note=public,
            is_public=True,
            data={"days": days},
        )
        _tell(p, public)
    else:
        p.extension_reason = ""
        _save(p)
        _event(p, EventKind.EXTENSION_REFUSED, actor, note=note)
    _audit(actor, p, before, _("批准延期") if approve else _("不批准延期"))
    return p


@transaction.atomic
def petition_reply(*, actor: User, petition: Petition, version: int | None, text: str) -> Petition:
    """答复: the written answer to the person; starts the follow-up clock and the 复查 window."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("请填写答复意见。")]})
    if len(text) > CONTENT_MAX:
        raise ValidationError({"text": [_("答复意见最多 %(n)d 个字。") % {"n": CONTENT_MAX}]})
    p = _lock(petition, version)
    _require_act(actor, p)
    _require_status(p, Status.ACCEPTED)
    before = snapshot(p)
    today = _today()
    follow = due_after(DeadlineKind.FOLLOW_UP, today)
    p.status = Status.REPLIED
    p.replied_on = today
    p.reply_text = text
    p.followup_due = follow.due
    p.satisfaction = ""
    p.rated_at = None
    _reclock(p, follow)
    _save(p)
    _event(p, EventKind.REPLIED, actor, note="", public_note=text, is_public=True, data={"stage": p.stage})
    _audit(actor, p, before, _("答复"))
    _tell(p, _("已答复，请登录查询页查看答复意见并作出评价。"))
    return p


def _record_satisfaction(p: Petition, satisfaction: str) -> None:
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": [_("请选择满意、基本满意或不满意。")]})
    p.satisfaction = satisfaction
    p.rated_at = timezone.now()
    _reclock(p)


@transaction.atomic
def petition_follow_up(
    *, actor: User, petition: Petition, version: int | None, method: str, satisfaction: str, note: str = ""
) -> Petition:
    """回访 by a cadre (phone or visit) recording the person's satisfaction. Those who may register requests in
    the village, or act on it, may follow up."""
    p = _lock(petition, version)
    if not (has_perm(actor, Perm.INTAKE_PETITIONS, p.region_path) or can_act_on_petition(actor, p)):
        raise PermissionDenied(_("您没有回访该诉求的权限。"))
    _require_status(p, Status.REPLIED)
    before = snapshot(p)
    _record_satisfaction(p, satisfaction)
    _save(p)
    _event(
        p,
        EventKind.FOLLOWED_UP,
        actor,
        note=(note or "").strip()[:2000],
        public_note=_("回访：%(s)s") % {"s": Satisfaction(satisfaction).label},
        is_public=True,
        data={"method": method, "satisfaction": satisfaction},
    )
    _audit(actor, p, before, _("回访"))
    return p


@transaction.atomic
def petition_rate(
    *, petition: Petition, satisfaction: str, comment: str = "", ip: str | None = None
) -> Petition:
    """The person rates the reply on the public track page (no account; the page checked code and phone)."""
    p = _lock(petition, None)
    _require_status(p, Status.REPLIED)
    before = snapshot(p)
    _record_satisfaction(p, satisfaction)
    _save(p)
    comment = (comment or "").strip()[:1000]
    _event(
        p,
        EventKind.RATED,
        None,
        note=comment,
        public_note=_("诉求人评价：%(s)s") % {"s": Satisfaction(satisfaction).label},
        is_public=True,
        data={"satisfaction": satisfaction},
    )
    _audit(None, p, before, _("诉求人评价"), ip)
    return p


@transaction.atomic
def petition_reopen(
    *, actor: User | None, petition: Petition, reason: str, ip: str | None = None
) -> Petition:
    """重新办理 after an answer the person is not satisfied with. The person may ask for it on the track page
    when they rated 不满意; staff who can act may reopen any replied or closed request."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明需要重新办理的原因。")]})
    p = _lock(petition, None)
    if actor is None:
        if p.status != Status.REPLIED or p.satisfaction != Satisfaction.UNSATISFIED:
            raise ServiceError(_("只有评价为“不满意”的答复可以申请重新办理。"))
    else:
        _require_act(actor, p)
        _require_status(p, Status.REPLIED, Status.CLOSED)
    before = snapshot(p)
    today = _today()
    deadline = due_after(DeadlineKind.REOPEN, today)
    p.status = Status.ACCEPTED
    p.reopen_count += 1
    if p.stage == Stage.INITIAL:
        p.conclude_due = deadline.due
    else:
        p.review_due = deadline.due
    p.closed_at = None
    p.solved_level = ""
    _reclock(p, deadline)
    _save(p)
    _event(
        p,
        EventKind.REOPENED,
        actor,
        note=reason[:2000],
        public_note=_("重新办理，将于 %(due)s 前答复。") % {"due": f"{deadline.due:%Y-%m-%d}"},
        is_public=True,
    )
    _audit(actor, p, before, _("重新办理"), ip)
    return p


@transaction.atomic
def petition_request_review(
    *, actor: User | None, petition: Petition, reason: str, ip: str | None = None
) -> Petition:
    """复查 (after the first answer) or 复核 (after the review's answer), asked within the rule's window after the
    reply. The request moves one level up, as the law sends it to the body above. After 复核 the same matter is
    not accepted again, and the refusal says so."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明申请复查/复核的理由。")]})
    p = _lock(petition, None)
    if p.stage == Stage.REREVIEW and p.status in (Status.REPLIED, Status.CLOSED):
        raise ServiceError(
            _(
                "该事项已经复核答复。根据《信访工作条例》第三十六条，信访人以同一事实和理由再提出的，不再受理。"
            )
        )
    _require_status(p, Status.REPLIED, Status.CLOSED)
    if actor is not None:
        _require_act(actor, p)
    rules = deadline_rules()
    cal = work_calendar()
    window_kind = DeadlineKind.REVIEW_REQUEST if p.stage == Stage.INITIAL else DeadlineKind.REREVIEW_REQUEST
    assert p.replied_on is not None
    window = due_after(window_kind, p.replied_on, cal=cal, rules=rules)
    today = _today()
    if today > window.due:
        raise ServiceError(
            _("申请期限已过：应在答复后 %(n)d 日内（%(due)s 前）提出。")
            % {"n": rules[window_kind][0], "due": f"{window.due:%Y-%m-%d}"}
        )
    before = snapshot(p)
    new_stage = Stage.REVIEW if p.stage == Stage.INITIAL else Stage.REREVIEW
    answer_kind = DeadlineKind.REVIEW if new_stage == Stage.REVIEW else DeadlineKind.REREVIEW
    deadline = due_after(answer_kind, today, cal=cal, rules=rules)
    from_level = p.level
    if p.level != HandlingLevel.COUNTY:
        p.level = HandlingLevel.TOWNSHIP if p.level == HandlingLevel.VILLAGE else HandlingLevel.COUNTY
    p.handler_path = level_path(p.region_path, p.level)
    p.department = None
    p.assignee = None
    p.stage = new_stage
    p.status = Status.ACCEPTED
    p.review_requested_on = today
    p.review_due = deadline.due
    p.closed_at = None
    p.solved_level = ""
    p.satisfaction = ""
    p.rated_at = None
    _reclock(p, deadline)
    _save(p)
    kind = EventKind.REVIEW_REQUESTED if new_stage == Stage.REVIEW else EventKind.REREVIEW_REQUESTED
    _event(
        p,
        kind,
        actor,
        note=reason[:2000],
        public_note=_("已申请%(stage)s，由%(level)s于 %(due)s 前答复。")
        % {"stage": new_stage.label, "level": p.get_level_display(), "due": f"{deadline.due:%Y-%m-%d}"},
        is_public=True,
        from_level=from_level,
        to_level=p.level,
    )
    _audit(actor, p, before, str(kind.label), ip)
    return p


@dataclass
class Judgements:
    """The four 80% judgements recorded at closure, and the level that finally solved the matter."""

    reform: bool
    justified: bool
    solvable: bool
    grassroots: bool
    solved_level: str


@transaction.atomic
def petition_close(
    *, actor: User, petition: Petition, version: int | None, judgements: Judgements, note: str = ""
) -> Petition:
    """办结 a replied request with the four judgements. The person's satisfaction must be on record (rated on the
    track page or at a follow-up); an unsatisfied person who asked for nothing more may be closed with a note."""
    p = _lock(petition, version)
    _require_handle(actor, p)
    _require_status(p, Status.REPLIED)
    if not p.satisfaction:
        raise ServiceError(_("请先回访并记录诉求人的满意度，再办结。"))
    if p.satisfaction == Satisfaction.UNSATISFIED and not (note or "").strip():
        raise ValidationError({"note": [_("诉求人不满意：请说明为何仍然办结（如已告知复查途径）。")]})
    if judgements.solved_level not in HandlingLevel.values:
        raise ValidationError({"solved_level": [_("请选择问题最终在哪一级解决。")]})
    before = snapshot(p)
    p.status = Status.CLOSED
    p.closed_at = timezone.now()
    p.j_reform = judgements.reform
    p.j_justified = judgements.justified
    p.j_solvable = judgements.solvable
    p.j_grassroots = judgements.grassroots
    p.solved_level = judgements.solved_level
    _reclock(p)
    _save(p)
    _event(
        p,
        EventKind.CLOSED,
        actor,
        note=(note or "").strip()[:2000],
        public_note=_("已办结。"),
        is_public=True,
    )
    _audit(actor, p, before, _("办结"))
    return p


@transaction.atomic
def petition_urge(*, actor: User, petition: Petition, note: str) -> Petition:
    """督办: a leader or the county's supervisor presses the handlers of an open request (SUPERVISE_PETITIONS
    over its region). The handlers are told; the request's state does not change."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("请填写督办意见。")]})
    require(actor, Perm.SUPERVISE_PETITIONS, petition.region_path)
    p = _lock(petition, None)
    _require_status(p, *OPEN_STATUSES)
    _event(p, EventKind.URGED, actor, note=note[:2000])
    _save(p)
    _audit(actor, p, snapshot(p), _("督办"))
    body = _("诉求 %(code)s“%(title)s”被督办：%(note)s") % {
        "code": p.tracking_code,
        "title": p.title[:30],
        "note": note[:60],
    }
    _tell_staff(_handlers_of(p), p, body)
    return p


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
    _save(p)
    _event(p, EventKind.LINKED, actor, note=note, data={"earlier": earlier.pk})
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
    _reclock(s)
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


# ----------------------------------------------------------------------------------------------------------
# Reminders and escalation (the periodic task)


@dataclass
class ReminderRun:
    reminded: int = 0
    escalated: int = 0


def _handlers_of(p: Petition) -> list[User]:
    """Who is told a deadline is near: the named handler, else the department, else the level's office."""
    from minqing.accounts.models import RoleAssignment
    from minqing.accounts.roles import Role

    if p.assignee is not None:
        return [p.assignee]
    if p.department is not None:
        return list(p.department.members.filter(is_active=True))
    user_ids = RoleAssignment.objects.filter(
        region__path=p.handler_path,
        role__in=[Role.PETITION_OFFICER, Role.VILLAGE_CADRE],
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=user_ids, is_active=True))


def _leaders_of(p: Petition) -> list[User]:
    from minqing.accounts.models import RoleAssignment
    from minqing.accounts.roles import Role

    township = p.region_path[: PATH_DIGITS[RegionLevel.TOWNSHIP]]
    user_ids = RoleAssignment.objects.filter(region__path=township, role=Role.LEADER).values_list(
        "user_id", flat=True
    )
    return list(User.objects.filter(pk__in=user_ids, is_active=True))


def _tell_staff(users: Iterable[User], p: Petition, body: str) -> None:
    for user in users:
        phone = getattr(user, "phone", "") or ""
        if phone or user.email:
            notify(
                phone=phone,
                email=user.email,
                subject=_("诉求期限提醒"),
                body=body,
                about=f"petitions.petition:{p.pk}",
            )


def petitions_remind(*, today: datetime.date | None = None, soon_days: int = 3) -> ReminderRun:
    """Remind handlers of deadlines within `soon_days` working days and escalate overdue requests to the
    township's leaders, each once per day (reminder) or once per deadline (escalation). Idempotent per day."""
    today = today or _today()
    cal = work_calendar()
    horizon = cal.add_working_days(today, soon_days).due
    run = ReminderRun()
    open_qs = Petition.objects.filter(
        status__in=(Status.REGISTERED, Status.ACCEPTED, Status.REPLIED), due_date__isnull=False
    )
    for pk in (
        open_qs.filter(due_date__lt=today, escalated_on__isnull=True).values_list("pk", flat=True).iterator()
    ):
        with transaction.atomic():
            p = (
                Petition.objects.select_for_update(of=("self",))
                .select_related("department", "assignee")
                .get(pk=pk)
            )
            if p.escalated_on is not None or p.due_date is None or p.due_date >= today:
                continue
            p.escalated_on = today
            p.reminded_on = today
            p.save(update_fields=["escalated_on", "reminded_on", "updated_at"])
            body = _("诉求 %(code)s“%(title)s”%(kind)s期限 %(due)s 已超期，请督办。") % {
                "code": p.tracking_code,
                "title": p.title[:30],
                "kind": p.get_due_kind_display(),
                "due": f"{p.due_date:%Y-%m-%d}",
            }
            _event(p, EventKind.ESCALATED, None, note=body, by_system=True)
            _audit(None, p, snapshot(p), _("超期督办"))
            _tell_staff([*_handlers_of(p), *_leaders_of(p)], p, body)
            run.escalated += 1
    soon = open_qs.filter(due_date__gte=today, due_date__lte=horizon).exclude(reminded_on=today)
    for pk in soon.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            p = (
                Petition.objects.select_for_update(of=("self",))
                .select_related("department", "assignee")
                .get(pk=pk)
            )
            if p.reminded_on == today or p.due_date is None:
                continue
            p.reminded_on = today
            p.save(update_fields=["reminded_on", "updated_at"])
            body = _("诉求 %(code)s“%(title)s”%(kind)s期限为 %(due)s，请抓紧办理。") % {
                "code": p.tracking_code,
                "title": p.title[:30],
                "kind": p.get_due_kind_display(),
                "due": f"{p.due_date:%Y-%m-%d}",
            }
            _event(p, EventKind.REMINDED, None, note=body, by_system=True)
            _audit(None, p, snapshot(p), _("到期提醒"))
            _tell_staff(_handlers_of(p), p, body)
            run.reminded += 1
    return run


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
    registration = ReceptionRegistration.objects.create(
        day=day, name=name, phone=normalized or "", topic=topic
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=registration,
        after=snapshot(registration),
        region_path=day.region_path,
    )
    return registration


@transaction.atomic
def reception_attend(
    *, actor: User, registration: ReceptionRegistration, attended: bool, petition: Petition | None = None
) -> ReceptionRegistration:
    """Record who came, and link the request registered for them at the reception."""
    require(actor, Perm.INTAKE_PETITIONS, registration.day.region_path)
    before = snapshot(registration)
    registration.attended = attended
    if petition is not None:
        registration.petition = petition
    registration.save()
    audit_record(
        actor=actor, action=Action.UPDATE, obj=registration, before=before, after=snapshot(registration),
        region_path=registration.day.region_path,
    )  # fmt: skip
    return registration
