"""Registering a request from any channel, and its attachments."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record, snapshot
from minqing.core.errors import ServiceError, ValidationError
from minqing.core.privacy import keep_if_masked, mask_id_number, mask_phone
from minqing.core.ttl import ttl_cache
from minqing.core.uploads import CheckedFile
from minqing.households.identity import normalize_id_number
from minqing.households.models import Household, Resident
from minqing.regions.models import PATH_DIGITS, Region, subtree_q
from minqing.regions.models import Level as RegionLevel
from minqing.regions.scoping import Perm, regions_with, require
from minqing.workcal.selectors import work_calendar

from .. import extensions
from ..followups import registered_followups
from ..models import (
    LEVEL_ORDER,
    Attachment,
    Category,
    DeadlineKind,
    EventKind,
    HandlingLevel,
    Petition,
    Urgency,
)
from ..search import petition_index
from .clock import deadline_rules, due_after, reclock
from .common import (
    CHANNELS,
    CONTENT_MAX,
    LEVELS,
    SKIP_LEVEL_CHANNELS,
    TITLE_MAX,
    URGENCIES,
    _audit,
    _event,
    _lock,
    _phone,
    _require_act,
    _tell,
    _today,
    level_path,
    new_tracking_code,
    region_level,
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
    submitter_id_number: str = ""
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
    publish: bool = False  # the person agrees that public reads show the description and the place


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
        data.submitter_id_number = ""
        data.resident = None
    head = data.household.head if data.household is not None else None
    id_number = (data.submitter_id_number or "").strip()
    known_id = (data.resident.id_number or "") if data.resident is not None else ""
    if not known_id and head is not None:
        known_id = head.id_number or ""
    # The office form offers the known resident's number masked; sent back unchanged, it means that number.
    id_number = keep_if_masked(id_number, known_id, mask_id_number)
    if id_number:
        try:
            data.submitter_id_number = normalize_id_number(id_number)
        except ValidationError as exc:
            err("submitter_id_number", "；".join(exc.messages))
    else:
        data.submitter_id_number = ""
    phone = (data.submitter_phone or "").strip()
    if head is not None:
        # The office form offers the household head's phone masked; sent back as it was, it means that phone.
        phone = keep_if_masked(phone, head.phone, mask_phone)
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


def _known_caller(
    phone: str, region: Region, id_number: str = ""
) -> tuple[Resident | None, Household | None]:
    """The registered resident with this ID number, else with this phone, in the request's township, when there
    is exactly one: a request from a known household then shows on its page without anyone linking it by hand."""
    township = region.path[: PATH_DIGITS[RegionLevel.TOWNSHIP]]
    base = Resident.objects.filter(subtree_q(township), household__isnull=False).select_related("household")
    found = list(base.filter(id_number=id_number)[:1]) if id_number else []
    if not found and phone:
        found = list(base.filter(phone_rev=phone[::-1])[:2])
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


def _earlier_same_matter(p: Petition, *, since: datetime.date) -> tuple[int, str, str] | None:
    """The latest request from the same ID number, phone or household on the same category since `since`
    (重复访): its id, tracking code and the level that handled it."""
    who = Q(pk__in=[])
    if p.submitter_id_number:
        who |= Q(submitter_id_number=p.submitter_id_number)
    if p.submitter_phone:
        who |= Q(submitter_phone=p.submitter_phone)
    if p.household_id:
        who |= Q(household_id=p.household_id)
    return (
        Petition.objects.filter(
            who, category_id=p.category_id, registered_on__gte=since, merged_into__isnull=True
        )
        .order_by("-registered_on", "-id")
        .values_list("pk", "tracking_code", "level")
        .first()
    )


def is_skip_level(*, channel: str, intake_level: str, competent_level: str) -> bool:
    """越级 as the practice means it: the person chose to go to the county or above while a lower organ is
    competent. The township is the lowest 信访 organ, so a villager at the township office is not 越级."""
    return (
        channel in SKIP_LEVEL_CHANNELS
        and intake_level == HandlingLevel.COUNTY
        and competent_level != HandlingLevel.COUNTY
    )


def village_could_settle(*, region: Region, intake_level: str, competent_level: str) -> bool:
    """The softer hint: a village's matter registered above the village, which its committee could settle."""
    return (
        region.level >= RegionLevel.VILLAGE
        and competent_level == HandlingLevel.VILLAGE
        and intake_level != HandlingLevel.VILLAGE
    )


@transaction.atomic
def petition_register(
    *, actor: User | None, data: Intake, ip: str | None = None, followups_later: bool = False
) -> Petition:
    """Register a new request from any channel and start its acceptance clock.

    Staff need INTAKE_PETITIONS over the region; actor=None is the public page or an Open311 client (channel
    网上) and needs a phone. The request starts at the lowest level that can handle it: the category's proper
    level, or the village/township it is in, unless staff choose to keep it at their own level. Raises
    ValidationError listing every problem; nothing is written then.

    With followups_later (the public form, whose visitor waits for the tracking code) what is no part of the
    answer, the apps' after-register hooks and the message to the person, is queued in this transaction
    (followups.registered_followups) instead of done here.
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
    if (
        data.household is None
        and (data.submitter_phone or data.submitter_id_number)
        and not data.is_anonymous
    ):
        data.resident, data.household = _known_caller(data.submitter_phone, region, data.submitter_id_number)

    intake_level = _intake_level(actor, region)
    proper = data.category.proper_level
    if LEVEL_ORDER[HandlingLevel(proper)] < LEVEL_ORDER[HandlingLevel(region_level(region))]:
        proper = region_level(region)
    level = proper
    if data.level and not public:
        if LEVEL_ORDER[HandlingLevel(data.level)] < LEVEL_ORDER[HandlingLevel(region_level(region))]:
            raise ValidationError({"level": [_("乡镇本级的事项不能交由村办理。")]})
        level = data.level
    skip = is_skip_level(channel=data.channel, intake_level=intake_level, competent_level=proper)
    settle_hint = village_could_settle(region=region, intake_level=intake_level, competent_level=proper)
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
        submitter_id_number=data.submitter_id_number,
        resident=data.resident,
        household=data.household,
        is_group=data.is_group,
        head_count=max(1, data.head_count),
        representatives=data.representatives.strip(),
        level=level,
        intake_level=intake_level,
        handler_path=level_path(region.path, level),
        is_skip_level=skip,
        village_could_settle=settle_hint,
        registered_by=actor,
        registered_on=registered_on,
        accept_due=accept.due,
        source_client=data.source_client[:50],
        publish=data.publish,
    )
    earlier = _earlier_same_matter(
        p, since=registered_on - datetime.timedelta(days=rules[DeadlineKind.REPEAT_WINDOW][0])
    )
    raised_to = ""
    if earlier is not None:
        p.is_repeat = True
        p.repeat_of_id, repeat_code, earlier_level = earlier
        # A repeat goes to whoever handled the original, or higher: never back to a level that already had it.
        if LEVEL_ORDER[HandlingLevel(earlier_level)] > LEVEL_ORDER[HandlingLevel(p.level)]:
            p.level = raised_to = earlier_level
            p.handler_path = level_path(region.path, earlier_level)
    reclock(p, accept)
    p.save()
    petition_index(p)
    for checked in data.attachments:
        _attach(p, checked, actor)
    if not followups_later:
        for hook in extensions.after_register:
            hook(p)
    public_note = _("已登记，查询码 %(code)s。") % {"code": p.tracking_code}
    notes = []
    if skip:
        notes.append(_("越级：该类事项应先由%(level)s办理。") % {"level": HandlingLevel(proper).label})
    if settle_hint:
        notes.append(_("可在村解决：该类事项一般由村委会先行处理。"))
    if earlier is not None:
        notes.append(_("重复访：与 %(code)s 同一人/户、同一类事项。") % {"code": repeat_code})
    if raised_to:
        notes.append(
            _("原件由%(level)s办理，本件同样交%(level)s。") % {"level": HandlingLevel(raised_to).label}
        )
    _event(
        p,
        EventKind.REGISTERED,
        actor,
        note=" ".join(str(n) for n in notes),
        public_note=public_note,
        is_public=True,
        to_level=p.level,
        data={"channel": p.channel, "attachments": len(data.attachments)},
    )
    _audit(actor, p, None, _("登记诉求"), ip)
    if followups_later:
        registered_followups.enqueue(p.pk)
    else:
        _tell(p, _("已登记，请凭查询码和手机尾号查询办理进展。"))
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


@transaction.atomic
def attachment_download(
    *, actor: User, petition: Petition, attachment: Attachment, ip: str | None = None
) -> Attachment:
    """Record that the actor opened an attachment of a request it may see (fetched through its access), which
    may show the people's documents, photos and ID cards."""
    if attachment.petition_id != petition.pk:
        raise ServiceError(_("附件不属于该诉求。"))
    audit_record(
        actor=actor,
        action=Action.DOWNLOAD,
        obj=petition,
        after={"attachment": attachment.pk, "name": attachment.name, "sha256": attachment.sha256},
        note=_("查看附件：%(name)s") % {"name": attachment.name},
        ip=ip,
    )
    return attachment


@transaction.atomic
def petition_document_record(*, actor: User, petition: Petition, title: str, ip: str | None = None) -> None:
    """Record that the actor printed a notice of the request (it carries the petitioner's name and address)."""
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        obj=petition,
        note=_("打印%(title)s") % {"title": title},
        ip=ip,
    )


REVEALABLE = ("submitter_id_number", "submitter_phone")


@transaction.atomic
def petition_reveal(*, actor: User, petition: Petition, what: str, ip: str | None = None) -> str:
    """The petitioner's full ID number or phone, for a user who may see identities in the request's region;
    every reveal is an audit row."""
    require(actor, Perm.REVEAL_IDENTITY, petition.region_path)
    if what not in REVEALABLE:
        raise ServiceError(_("不能查看该字段。"))
    audit_record(actor=actor, action=Action.REVEAL, obj=petition, note=what, ip=ip)
    return str(getattr(petition, what) or "")
