"""Writes of the API app: issuing credentials and filing Open311 requests. Each is atomic and audited.

Touching `last_used_at` when a credential is used is bookkeeping, not a change of record, and is not audited;
it is written at most once a minute per credential so a busy client does not turn every read into a write.
"""

import datetime
import functools
import hashlib
import re
import secrets
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.validators import URLValidator, validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record, snapshot
from minqing.core.errors import ConflictError, ValidationError
from minqing.petitions import services as petition_services
from minqing.petitions.models import Category, Channel, Department, Petition
from minqing.petitions.services import Intake
from minqing.regions.models import Level, Region
from minqing.regions.scoping import Perm, has_perm

from . import selectors
from .models import ApiKey, Open311Submission, StaffToken

DESCRIPTION_MAX = 4000
TITLE_CHARS = 30
TOUCH_EVERY = datetime.timedelta(seconds=60)
_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?:\s|$)")
# Characters XML 1.0 cannot carry; a request holding one could never be served as XML again.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _new_secret(kind: str) -> str:
    return f"{kind}_{secrets.token_urlsafe(30)}"


# ----------------------------------------------------------------------------------------------------------
# Credentials


@transaction.atomic
def api_key_create(
    *, actor: User | None, name: str, region: Region, raw: str | None = None
) -> tuple[ApiKey, str]:
    """Issue an Open311 key for a client filing into `region` (usually a township). The raw key is returned
    once and never stored. A staff actor needs MANAGE_CONFIG over the region; None is the command line.
    `raw` fixes the secret (only the demo does this, so that its documented key works)."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("请填写接入方名称。")]
    elif len(name) > 50:
        errors["name"] = [_("接入方名称最多 50 个字。")]
    elif ApiKey.objects.filter(name=name).exists():
        errors["name"] = [_("已有同名的接入密钥。")]
    if not region.is_active or region.level > Level.VILLAGE:
        errors["region"] = [_("辖区应为在用的县、乡镇或村（社区）。")]
    if errors:
        raise ValidationError(errors)
    if actor is not None and not has_perm(actor, Perm.MANAGE_CONFIG, region.path):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    raw = raw or _new_secret("o311")
    key = ApiKey.objects.create(
        name=name, prefix=raw[:9], key_hash=hash_secret(raw), region=region, created_by=actor
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=key,
        after=snapshot(key, {"key_hash": "…"}),
        note=_("创建 Open311 接入密钥"),
        region_path=region.path,
    )
    return key, raw


@transaction.atomic
def api_key_deactivate(*, actor: User | None, key: ApiKey) -> ApiKey:
    """Withdraw a key; requests it filed stay."""
    if actor is not None and not has_perm(actor, Perm.MANAGE_CONFIG, key.region.path):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    before = snapshot(key)
    key.is_active = False
    key.save(update_fields=["is_active"])
    # This process forgets it at once; others within selectors.KEY_CACHE_SECONDS.
    selectors._api_key_by_hash.cache_clear()  # type: ignore[attr-defined]
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=key,
        before=before,
        after=snapshot(key),
        note=_("停用 Open311 接入密钥"),
        region_path=key.region.path,
    )
    return key


@transaction.atomic
def staff_token_create(*, actor: User | None, user: User) -> tuple[StaffToken, str]:
    """Issue a REST API token acting as `user`. Only the user themselves or the command line (actor None)."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied(_("只能为自己申请接口令牌。"))
    if not user.is_active:
        raise ValidationError({"user": [_("该账号已停用。")]})
    raw = _new_secret("mqt")
    token = StaffToken.objects.create(user=user, prefix=raw[:8], key_hash=hash_secret(raw))
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=token,
        after=snapshot(token, {"key_hash": "…"}),
        note=_("为 %(user)s 创建接口令牌") % {"user": user.username},
    )
    return token, raw


def credential_touch(obj: ApiKey | StaffToken) -> None:
    """Record that a credential was used, at most once a minute."""
    now = timezone.now()
    if obj.last_used_at is not None and now - obj.last_used_at < TOUCH_EVERY:
        return
    type(obj).objects.filter(pk=obj.pk).update(last_used_at=now)
    obj.last_used_at = now


# ----------------------------------------------------------------------------------------------------------
# Open311 intake


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


def _coordinate(raw: str, name: str, errors: dict[str, list[str]]) -> Decimal | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except (ArithmeticError, ValueError):
        errors.setdefault(name, []).append(_("%(name)s 不是数字。") % {"name": name})
        return None
    if not value.is_finite():
        errors.setdefault(name, []).append(_("%(name)s 不是数字。") % {"name": name})
        return None
    return value.quantize(Decimal("0.000001"))


def _parse_post(key: ApiKey, data: Open311Post) -> tuple[Category, Intake, dict[str, str]]:
    """Check the client's fields and turn them into an Intake; ValidationError lists every problem."""
    errors: dict[str, list[str]] = {}

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
    address = xml_safe(data.address_string.strip())
    has_point = lat is not None and long is not None
    if (lat is None) != (long is None) and "lat" not in errors and "long" not in errors:
        err("long" if long is None else "lat", _("lat 和 long 须同时提供。"))
    if not (has_point or address or data.address_id.strip()):
        err("location", _("请提供位置：lat 与 long、address_string 或 address_id 之一。"))
    if len(address) > 200:
        err("address_string", _("address_string 最多 200 个字。"))
    description = xml_safe(data.description.strip())
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
    region = selectors.open311_region(
        key, village=data.village.strip(), address_id=data.address_id.strip(), address=address, errors=errors
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
    )
    extra = {
        "device_id": data.device_id.strip(),
        "account_id": data.account_id.strip(),
        "media_url": media_url,
    }
    return category, intake, extra


def _payload(intake: Intake, ip: str | None) -> dict[str, Any]:
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
    )


# A queued submission is filed within this many seconds (plus the worker's polling interval).
DRAIN_EVERY = datetime.timedelta(seconds=2)
_drain_lock = threading.Lock()
_drain_due: list[datetime.datetime] = []  # per process: when the drain this process queued will run


def _schedule_drain() -> None:
    """Make sure a drain runs after this submission committed, queueing at most one per DRAIN_EVERY per process.

    A drain queued at t runs at t + DRAIN_EVERY, after every submission this process commits before then, so
    none is left behind; each POST costs no task row of its own. A backend that cannot defer runs it now."""
    from .tasks import open311_drain

    if not open311_drain.get_backend().supports_defer:
        open311_drain.enqueue()
        return
    now = timezone.now()
    with _drain_lock:
        if _drain_due and _drain_due[0] > now:
            return
        run_at = now + DRAIN_EVERY
        _drain_due[:] = [run_at]
    open311_drain.using(run_after=run_at).enqueue()


_SUBMISSION_COLUMNS = (
    "payload",
    "error",
    "api_key_id",
    "token",
    "device_id",
    "account_id",
    "media_url",
    "created_at",
)


@functools.cache
def _insert_sql(vendor: str) -> str:
    del vendor  # the cache key: quoting depends on the backend
    ops = connection.ops
    table = ops.quote_name(Open311Submission._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in _SUBMISSION_COLUMNS)
    placeholders = ", ".join(["%s"] * len(_SUBMISSION_COLUMNS))
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"


def _insert_submission(*, key: ApiKey, token: str, payload: dict[str, Any], extra: dict[str, str]) -> None:
    """One row, as the ORM would write it. Written directly because at intake rates building the INSERT through
    the ORM cost as much as the rest of the request: this one statement is the whole write of a POST."""
    ops = connection.ops
    values: list[Any] = [
        ops.adapt_json_value(payload, None),
        "",
        key.pk,
        token,
        extra.get("device_id", ""),
        extra.get("account_id", ""),
        extra.get("media_url", ""),
        ops.adapt_datetimefield_value(timezone.now()),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), values)


def open311_submit(*, key: ApiKey, data: Open311Post, ip: str | None = None) -> Open311Receipt:
    """Accept a request from an Open311 client: check everything now, file it through the task worker.

    Where: attribute[village] (a village code under the key's region), else address_id (the same), else a village
    of the key's region named in address_string, else the key's own region. Raises ValidationError (each
    problem, by field) and writes nothing then. Otherwise one submission row is written; a worker drain
    (open311_drain) registers it as channel 网上 with no staff actor within seconds. With a backend that runs
    tasks at once the receipt already carries the request.
    """
    _category, intake, extra = _parse_post(key, data)
    petition_services.intake_check(intake)
    token = secrets.token_hex(12)
    _insert_submission(key=key, token=token, payload=_payload(intake, ip), extra=extra)
    _schedule_drain()
    petition = None
    if not intake_is_queued():
        petition = Petition.objects.filter(open311__token=token).first()
    if petition is not None:
        notice = _("已登记，查询码 %(code)s；将于 %(due)s 前告知是否受理。") % {
            "code": petition.tracking_code,
            "due": f"{petition.accept_due:%Y-%m-%d}",
        }
    else:
        notice = _("已收到，正在登记；请用 token 查询诉求编号。")
    return Open311Receipt(
        petition=petition, token=token, service_notice=notice, account_id=extra["account_id"]
    )


def intake_is_queued() -> bool:
    """Does a POST answer with a token to be filed later (GeoReport's "batch"), or with the request itself
    ("realtime", when the task backend runs tasks at once)?"""
    from .tasks import open311_drain

    return bool(open311_drain.get_backend().supports_defer)


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


@transaction.atomic
def petition_assign(
    *,
    actor: User,
    petition: Petition,
    version: int | None,
    department: Department | None,
    assignee: User | None,
    note: str = "",
) -> Petition:
    """petitions_assign for one request, refused with ConflictError when it changed since `version` was read."""
    locked = Petition.objects.select_for_update().get(pk=petition.pk)
    if version is not None and locked.version != version:
        raise ConflictError(_("该诉求已被他人处理过，请刷新页面查看最新情况后再操作。"))
    (done,) = petition_services.petitions_assign(
        actor=actor, petitions=[locked], department=department, assignee=assignee, note=note
    )
    return done
