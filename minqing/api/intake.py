"""Open311 intake, the worker's half and the checks both halves share: parse a GeoReport POST into an intake,
and file queued submissions as requests. The code that queues the drain lives in services; this module queues
nothing, so the task that runs it imports it without a circle (services → tasks → intake).
"""

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from minqing.audit.models import Action
from minqing.audit.services import audit_record, snapshot
from minqing.core.errors import ValidationError
from minqing.core.text import clean_text
from minqing.petitions import services as petition_services
from minqing.petitions.models import Category, Channel, Petition
from minqing.petitions.services import Intake
from minqing.regions.models import Region

from . import selectors
from .models import ApiKey, Open311Submission

DESCRIPTION_MAX = 4000
TITLE_CHARS = 30
_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?:\s|$)")
# Characters XML 1.0 cannot carry; a request holding one could never be served as XML again.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Open311Post:
    """The form fields of an Open311 `POST requests`, as strings, before validation."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    village: str = ""  # attribute[village]
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    description: str = ""
    media_url: str = ""
    publish: str = ""  # attribute[publish]: the person agrees that public reads show description and place


@dataclass
class Open311Receipt:
    petition: Petition | None  # None until the task worker has filed it
    token: str
    service_notice: str
    account_id: str


def title_from(description: str, fallback: str) -> str:
    """The first sentence of the description, at most 30 characters; the service name when there is none."""
    text = " ".join(description.split())
    if not text:
        return fallback
    match = _SENTENCE_END.search(text)
    first = text[: match.start()] if match else text
    first = first.strip() or text
    if len(first) > TITLE_CHARS:
        first = first[: TITLE_CHARS - 1] + "…"
    return first


def xml_safe(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


# A double printed in full is at most 24 characters; anything much longer is not a coordinate.
COORDINATE_CHARS = 32
_RANGES = {"lat": (-90, 90), "long": (-180, 180)}


def _coordinate(raw: str, name: str, errors: dict[str, list[str]]) -> Decimal | None:
    """A latitude or longitude within its range, to six decimals (the column's scale); None when blank. The
    range is checked before rounding: rounding 1e30 to six decimals is itself an arithmetic error."""
    raw = raw.strip()
    if not raw:
        return None
    if len(raw) > COORDINATE_CHARS:
        errors.setdefault(name, []).append(
            _("%(name)s 位数过多（最多 %(n)d 个字符）。") % {"name": name, "n": COORDINATE_CHARS}
        )
        return None
    try:
        value = Decimal(raw)
    except (ArithmeticError, ValueError):
        value = Decimal("NaN")
    if not value.is_finite():
        errors.setdefault(name, []).append(_("%(name)s 不是数字。") % {"name": name})
        return None
    low, high = _RANGES[name]
    if not low <= value <= high:
        errors.setdefault(name, []).append(
            _("%(name)s 坐标超出范围（须在 %(low)d 到 %(high)d 之间）。")
            % {"name": name, "low": low, "high": high}
        )
        return None
    return value.quantize(Decimal("0.000001"))


def _cleaned(data: Open311Post) -> Open311Post:
    """Every field without control characters or bidirectional controls; the description keeps its lines."""
    return Open311Post(
        **{
            f.name: clean_text(getattr(data, f.name), multiline=f.name == "description")
            for f in dataclasses.fields(data)
        }
    )


_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


def parse_post(
    key: ApiKey, data: Open311Post, *, within: Region | None = None
) -> tuple[Category, Intake, dict[str, str]]:
    """Check the client's fields and turn them into an Intake; ValidationError lists every problem. The request
    lands within `within` (default the key's region): the part of it the call named as its jurisdiction."""
    errors: dict[str, list[str]] = {}
    data = _cleaned(data)

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    code = data.service_code.strip()
    category = selectors.open311_service(code) if code else None
    if not code:
        err("service_code", _("service_code 未提供。"))
    elif category is None:
        err("service_code", _("service_code “%(code)s” 不存在。") % {"code": code[:50]})
    lat = _coordinate(data.lat, "lat", errors)
    long = _coordinate(data.long, "long", errors)
    address = data.address_string.strip()
    has_point = lat is not None and long is not None
    if (lat is None) != (long is None) and "lat" not in errors and "long" not in errors:
        err("long" if long is None else "lat", _("lat 和 long 须同时提供。"))
    if not (has_point or address or data.address_id.strip()):
        err("location", _("请提供位置：lat 与 long、address_string 或 address_id 之一。"))
    if len(address) > 200:
        err("address_string", _("address_string 最多 200 个字。"))
    description = data.description.strip()
    if len(description) > DESCRIPTION_MAX:
        err(
            "description",
            _("description 最多 %(n)d 个字，现有 %(m)d 个字。")
            % {"n": DESCRIPTION_MAX, "m": len(description)},
        )
    email = data.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            err("email", _("email 格式不正确。"))
    media_url = data.media_url.strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
            if len(media_url) > 500:
                raise ValidationError("too long")
        except ValidationError:
            err("media_url", _("media_url 应为 http 或 https 网址，最多 500 个字符。"))
    for name, value in (("device_id", data.device_id), ("account_id", data.account_id)):
        if len(value.strip()) > 100:
            err(name, _("%(name)s 最多 100 个字符。") % {"name": name})
    name = (data.last_name.strip() + data.first_name.strip())[:60]
    if len(name) > 50:
        err("first_name", _("姓名过长。"))
    publish = data.publish.strip().lower()
    if publish not in _TRUE + _FALSE:
        err("attribute[publish]", _("attribute[publish] 只能是 true 或 false。"))
    region = selectors.open311_region(
        within=within or key.region,
        village=data.village.strip(),
        address_id=data.address_id.strip(),
        address=address,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    assert category is not None and region is not None
    title = title_from(description, category.name)
    if not description:
        description = category.name + (f"（{address}）" if address else "")
    intake = Intake(
        channel=Channel.ONLINE,
        category=category,
        region=region,
        title=title,
        content=description,
        submitter_name=name,
        submitter_phone=data.phone.strip(),
        submitter_email=email,
        is_anonymous=not name,
        address=address,
        lat=lat,
        long=long,
        source_client=key.name,
        publish=publish in _TRUE,
    )
    extra = {
        "device_id": data.device_id.strip(),
        "account_id": data.account_id.strip(),
        "media_url": media_url,
    }
    return category, intake, extra


def submission_payload(intake: Intake, ip: str | None) -> dict[str, Any]:
    """The checked request as JSON, for the worker to file."""
    return {
        "category": intake.category.pk if intake.category else None,
        "region": intake.region.pk if intake.region else None,
        "title": intake.title,
        "content": intake.content,
        "submitter_name": intake.submitter_name,
        "submitter_phone": intake.submitter_phone,
        "submitter_email": intake.submitter_email,
        "is_anonymous": intake.is_anonymous,
        "address": intake.address,
        "lat": str(intake.lat) if intake.lat is not None else None,
        "long": str(intake.long) if intake.long is not None else None,
        "source_client": intake.source_client,
        "publish": intake.publish,
        "ip": ip,
    }


def _intake_from(payload: dict[str, Any]) -> Intake:
    return Intake(
        channel=Channel.ONLINE,
        category=Category.objects.filter(pk=payload["category"]).first(),
        region=Region.objects.filter(pk=payload["region"]).first(),
        title=payload["title"],
        content=payload["content"],
        submitter_name=payload["submitter_name"],
        submitter_phone=payload["submitter_phone"],
        submitter_email=payload["submitter_email"],
        is_anonymous=payload["is_anonymous"],
        address=payload["address"],
        lat=Decimal(payload["lat"]) if payload["lat"] is not None else None,
        long=Decimal(payload["long"]) if payload["long"] is not None else None,
        source_client=payload["source_client"],
        publish=bool(payload.get("publish", False)),  # submissions queued before the choice existed
    )


def open311_drain(*, limit: int = 500) -> tuple[int, bool]:
    """File queued submissions, oldest first; (how many were looked at, whether more are waiting)."""
    pending = list(
        Open311Submission.objects.filter(petition__isnull=True, error="")
        .order_by("pk")
        .values_list("pk", flat=True)[: limit + 1]
    )
    for pk in pending[:limit]:
        open311_file(pk)
    return min(len(pending), limit), len(pending) > limit


def open311_file(submission_id: int) -> int | None:
    """Register a queued Open311 submission (the worker's half of open311_submit). Idempotent: a submission
    already filed returns its request. A refusal (the region or category was switched off meanwhile) is kept
    on the submission as its error, and the token then reports no request."""
    with transaction.atomic():
        submission = Open311Submission.objects.select_for_update().get(pk=submission_id)
        if submission.petition_id is not None:
            return submission.petition_id
        if submission.error:
            return None
        try:
            with transaction.atomic():
                petition = petition_services.petition_register(
                    actor=None, data=_intake_from(submission.payload), ip=submission.payload.get("ip")
                )
        except ValidationError as exc:
            submission.error = "；".join(exc.messages)[:2000]
            submission.save(update_fields=["error"])
            return None
        submission.petition = petition
        submission.save(update_fields=["petition"])
        audit_record(
            actor=None,
            action=Action.CREATE,
            obj=submission,
            after=snapshot(submission),
            note=_("Open311 接入方 %(name)s 提交诉求")
            % {"name": submission.payload.get("source_client", "")},
            ip=submission.payload.get("ip"),
            region_path=petition.region_path,
        )
        return petition.pk


# ----------------------------------------------------------------------------------------------------------
# Staff actions the petitions services do not version-check themselves
