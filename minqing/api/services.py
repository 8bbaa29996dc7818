"""Writes of the API app: issuing credentials and filing Open311 requests. Each is atomic and audited.

Touching `last_used_at` when a credential is used is bookkeeping, not a change of record, and is not audited;
it is written at most once a minute per credential so a busy client does not turn every read into a write.
"""

import datetime
import functools
import secrets
import threading
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import Department, User
from minqing.audit.models import Action
from minqing.audit.services import audit_record, snapshot
from minqing.core import schedule
from minqing.core.errors import ConflictError, ValidationError
from minqing.petitions import services as petition_services
from minqing.petitions.models import Petition
from minqing.regions.models import Level, Region
from minqing.regions.scoping import Perm, has_perm

from . import selectors
from .intake import Open311Post, Open311Receipt, parse_post, submission_payload
from .models import ApiKey, Open311Submission, StaffToken
from .secrets import hash_secret, new_secret
from .tasks import open311_drain

TOUCH_EVERY = datetime.timedelta(seconds=60)


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
    raw = raw or new_secret("o311")
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
    raw = new_secret("mqt")
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


DRAIN_EVERY = datetime.timedelta(seconds=2)
_drain_lock = threading.Lock()
_drain_due: list[datetime.datetime] = []  # per process: when the drain this process queued will run


def _schedule_drain() -> None:
    """Make sure a drain runs after this submission committed, queueing at most one per DRAIN_EVERY per process.

    A drain queued at t runs at t + DRAIN_EVERY, after every submission this process commits before then, so
    none is left behind; each POST costs no task row of its own. A backend that cannot defer runs it now."""
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


# A submission waits for a drain queued at most DRAIN_EVERY after it; one still waiting after this lost its drain
# (the worker died while draining, or the queue was lost with a restored database).
WAITING_TOO_LONG = datetime.timedelta(minutes=2)


def open311_sweep_waiting(now: datetime.datetime) -> int:
    """Queue a drain when submissions have waited too long and none is queued: filing is idempotent (each
    submission is locked and filed once), so running it again is safe. How many submissions were waiting."""
    waiting = Open311Submission.objects.filter(
        petition__isnull=True, error="", created_at__lt=now - WAITING_TOO_LONG
    ).count()
    if waiting and not schedule.is_queued(open311_drain):
        open311_drain.enqueue()
    return waiting


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


def open311_submit(
    *, key: ApiKey, data: Open311Post, ip: str | None = None, within: Region | None = None
) -> Open311Receipt:
    """Accept a request from an Open311 client: check everything now, file it through the task worker.

    Where: attribute[village] (a village code under the key's region), else address_id (the same), else a village
    of the key's region named in address_string, else the key's own region; `within` narrows the key's region
    to the jurisdiction the call named. Raises ValidationError (each
    problem, by field) and writes nothing then. Otherwise one submission row is written; a worker drain
    (open311_drain) registers it as channel 网上 with no staff actor within seconds. With a backend that runs
    tasks at once the receipt already carries the request.
    """
    _category, intake, extra = parse_post(key, data, within=within)
    petition_services.intake_check(intake)
    token = secrets.token_hex(12)
    _insert_submission(key=key, token=token, payload=submission_payload(intake, ip), extra=extra)
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
    return bool(open311_drain.get_backend().supports_defer)


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
