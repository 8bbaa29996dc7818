"""Open311 GeoReport v2 (open311.org) under /open311/v2/: parse the client's call, call a selector or service,
render the answer in the spec's XML or JSON.

Every call resolves its jurisdiction by one rule (selectors.open311_jurisdiction): the named one, else the key's
region, else every township the deployment serves. As the spec intends, only POST needs an api_key. A read
without one sees what may be public of a 信访 matter: service, status, dates and the agency responsible; the
description and the place only where the person chose to publish them. A read with a key sees its own
region's requests as before: the description in full of those it filed (or published), the title of others.
No read ever shows the person's name, phone or e-mail.
"""

import datetime
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from minqing.core import ratelimit
from minqing.core.errors import ConflictError, ServiceError, ValidationError
from minqing.core.views_util import client_ip
from minqing.petitions.models import EventKind, Petition
from minqing.textintel.selectors import suggested_service_code

from . import intake, selectors, services
from .models import ApiKey
from .selectors import Jurisdiction

Row = dict[str, Any]
# Elements whose children are list items, and the name of each item (the spec's XML).
_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "jurisdictions": "jurisdiction",
}
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's behaviour last changed (the discovery document's changeset): keyless reads, discovery.
CHANGESET = "2026-12-08T00:00:00+08:00"
_TRACKING = re.compile(r"查询码\s*[A-Z0-9]{10}")
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
logger = logging.getLogger(__name__)


class Open311Error(Exception):
    """Answered as the spec's error list with this HTTP status."""

    def __init__(self, status: int, *descriptions: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = list(descriptions)
        self.headers = dict(headers or {})


# ----------------------------------------------------------------------------------------------------------
# Rendering


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return intake.xml_safe(str(value))


def _build(parent: ElementTree.Element, tag: str, value: Any) -> None:
    el = ElementTree.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _build(el, key, item)
    elif isinstance(value, list | tuple):
        for item in value:
            _build(el, _ITEM[tag], item)
    else:
        el.text = _text(value)


def render(fmt: str, root: str, data: Sequence[Row] | Row, status: int = 200) -> HttpResponse:
    """JSON as the spec shows it (a list, or an object for a service definition); XML with the spec's element
    names: the list element `root` holding one item element per row."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return HttpResponse(body, content_type="application/json; charset=utf-8", status=status)
    top = ElementTree.Element(root)
    if isinstance(data, Mapping):
        for key, value in data.items():
            _build(top, key, value)
    else:
        for row in data:
            _build(top, _ITEM[root], row)
    body_bytes = _XML_DECLARATION + ElementTree.tostring(top, encoding="unicode").encode("utf-8")
    return HttpResponse(body_bytes, content_type="text/xml; charset=utf-8", status=status)


def render_error(fmt: str, exc: Open311Error) -> HttpResponse:
    rows = [{"code": exc.status, "description": d} for d in exc.descriptions]
    response = render(fmt, "errors", rows, status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def as_open311_error(exc: Exception) -> Open311Error:
    """The one translation of whatever a GeoReport call raised into the spec's error list: a refused input is
    400 with every message, a missing or forbidden object 404 or 403, a conflict 409, and anything unforeseen
    500, logged here, so that a client never receives Django's HTML error page."""
    if isinstance(exc, Open311Error):
        return exc
    if isinstance(exc, ValidationError):
        messages = (
            [m for field_messages in exc.message_dict.values() for m in field_messages]
            if hasattr(exc, "error_dict")
            else exc.messages
        )
        return Open311Error(400, *messages)
    if isinstance(exc, ConflictError):
        return Open311Error(409, exc.message)
    if isinstance(exc, ServiceError):
        return Open311Error(400, exc.message)
    if isinstance(exc, SuspiciousOperation):
        return Open311Error(400, _("请求格式不正确。"))
    if isinstance(exc, Http404):
        return Open311Error(404, _("所请求的资源不存在。"))
    if isinstance(exc, PermissionDenied):
        return Open311Error(403, _("没有权限。"))
    logger.exception("Open311 call failed")
    return Open311Error(500, _("服务器内部错误，请稍后再试。"))


def endpoint(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A GeoReport view: allowed methods, CSRF-exempt (clients send no cookies), every error in the spec's
    format (as_open311_error)."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def inner(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise Open311Error(
                        405,
                        _("不支持 %(m)s 方法。") % {"m": request.method},
                        headers={"Allow": ", ".join(methods)},
                    )
                return view(request, *args, fmt=fmt, **kwargs)
            except Exception as exc:  # every failure is answered in the spec's format
                return render_error(fmt, as_open311_error(exc))

        inner.__name__ = view.__name__
        inner.__doc__ = view.__doc__
        return csrf_exempt(inner)

    return wrap


# ----------------------------------------------------------------------------------------------------------
# Parsing


def _param(request: HttpRequest, name: str) -> str:
    if request.method == "POST" and name in request.POST:
        return request.POST.get(name, "")
    return request.GET.get(name, "")


def _key(request: HttpRequest, *, required: bool) -> ApiKey | None:
    raw = _param(request, "api_key")
    if not raw:
        if required:
            raise Open311Error(403, _("未提供 api_key。"))
        return None
    key = selectors.api_key_for(raw)
    if key is None:
        raise Open311Error(403, _("api_key 无效或已停用。"))
    services.credential_touch(key)
    return key


def _jurisdiction(request: HttpRequest, key: ApiKey | None) -> Jurisdiction:
    """The call's jurisdiction (selectors.open311_jurisdiction); 404 when it names one it may not use."""
    jurisdiction_id = _param(request, "jurisdiction_id")
    found = selectors.open311_jurisdiction(key=key, jurisdiction_id=jurisdiction_id)
    if found is None:
        raise Open311Error(404, _("jurisdiction_id “%(j)s” 不存在。") % {"j": jurisdiction_id[:20]})
    return found


def _read(request: HttpRequest) -> tuple[ApiKey | None, Jurisdiction]:
    """The key (if any) and jurisdiction of a read. Reads without a key count against the caller's address."""
    key = _key(request, required=False)
    if key is None:
        limit = settings.MINQING_OPEN311_PUBLIC_READS_PER_MINUTE
        if not ratelimit.hit("open311-read-ip", client_ip(request) or "", limit, 60):
            raise Open311Error(
                429,
                _("查询过于频繁：不带 api_key 每分钟最多 %(n)d 次，请稍后再试。") % {"n": limit},
                headers={"Retry-After": "60"},
            )
    return key, _jurisdiction(request, key)


def _when(raw: str, name: str) -> datetime.datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))  # a "+" offset arrives as a space when not encoded
        if value is None:
            day = parse_date(raw)
            value = datetime.datetime.combine(day, datetime.time.min) if day else None
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(
            400, _("%(name)s 应为 W3C 日期时间，如 2026-01-01T00:00:00+08:00。") % {"name": name}
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _csv(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


# ----------------------------------------------------------------------------------------------------------
# Output rows


def _iso(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _end_of(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


def _status_notes(p: Petition) -> str:
    """The latest public note, without a tracking code: the code and a phone's last digits open the track page."""
    if getattr(p, "public_kind", "") == EventKind.REGISTERED:
        return _("已登记。")
    note = getattr(p, "public_note", "") or ""
    return _TRACKING.sub(_("查询码（已隐去）"), note.replace(p.tracking_code, "**********"))


def _service_notice(p: Petition) -> str:
    if not p.is_open or p.due_date is None:
        return ""
    return _("%(kind)s期限：%(due)s") % {"kind": p.get_due_kind_display(), "due": f"{p.due_date:%Y-%m-%d}"}


def _township_code(p: Petition) -> str:
    # A township's 12-digit code is its 9-digit path padded with zeros; a village request's township is that.
    return p.region_path[:9].ljust(12, "0")


def request_row(p: Petition, key: ApiKey | None) -> Row:
    """One request in the spec's fields; never the person's name, phone or e-mail. Without a key only what may
    be public: the description, the place and the notes of its handling only where the person published."""
    coordinates = {
        "lat": float(p.lat) if p.lat is not None else None,
        "long": float(p.long) if p.long is not None else None,
    }
    if key is not None:
        described = p.publish or p.source_client == key.name
        description, notes, place = (p.content if described else p.title), _status_notes(p), True
    else:
        description, notes, place = (p.content if p.publish else ""), _public_status(p), p.publish
    return {
        "service_request_id": p.pk,
        "status": "open" if p.is_open else "closed",
        "status_notes": notes,
        "service_name": p.category.name,
        "service_code": p.category.code,
        "description": description,
        "agency_responsible": p.department.name if p.department else p.get_level_display(),
        "service_notice": _service_notice(p),
        "requested_datetime": _iso(p.created_at),
        "updated_datetime": _iso(p.updated_at),
        "expected_datetime": _iso(_end_of(p.due_date)) if p.is_open else None,
        "address": p.address if place else "",
        "address_id": p.region.code if place else _township_code(p),
        "zipcode": "",
        "lat": coordinates["lat"] if place else None,
        "long": coordinates["long"] if place else None,
        "media_url": "",
    }


def _public_status(p: Petition) -> str:
    """The step a request last reached, without its notes: a note written to the person may name them."""
    kind = getattr(p, "public_kind", "") or ""
    if not kind or kind == EventKind.REGISTERED:
        return _("已登记。")
    return _("最近一步：%(step)s。") % {"step": EventKind(kind).label}


# ----------------------------------------------------------------------------------------------------------
# Views


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET discovery.{fmt}: the spec's discovery document, and the jurisdictions a call may name."""
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    data = {
        "changeset": CHANGESET,
        "contact": settings.MINQING_OPEN311_CONTACT or _("本系统的管理单位（乡镇信访办）"),
        "key_service": settings.MINQING_OPEN311_KEY_SERVICE
        or _("提交诉求需要 api_key：由系统管理员用 minqing open311_key 命令生成，只显示一次。读取不需要。"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
        "jurisdictions": [
            {
                "jurisdiction_id": r.code,
                "name": r.name,
                "parent": r.parent.name if r.parent is not None else "",
            }
            for r in selectors.open311_jurisdictions()
        ],
    }
    return render(fmt, "discovery", data)


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET services.{fmt}: every service (leaf category) a request can be filed under. Categories are the
    deployment's, so service codes are unique across its townships and every jurisdiction offers them all."""
    _jurisdiction(request, None)
    rows = [
        {
            "service_code": s.category.code,
            "service_name": s.category.name,
            "description": s.category.description,
            "metadata": True,
            "type": "batch" if services.intake_is_queued() else "realtime",
            "keywords": ",".join(s.category.keywords.split()),
            "group": s.group,
        }
        for s in selectors.open311_services()
    ]
    return render(fmt, "services", rows)


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    """GET services/{service_code}.{fmt}: the optional `village` attribute listing the jurisdiction's villages
    and the optional `publish` attribute, the person's choice to publish the description and the place."""
    key = _key(request, required=False)
    region = _jurisdiction(request, key).region
    category = selectors.open311_service(code)
    if category is None:
        raise Open311Error(404, _("service_code “%(code)s” 不存在。") % {"code": code[:50]})
    villages = selectors.villages_of(region)
    # Across townships two villages may share a name: say which township.
    qualified = len({v.parent_id for v in villages}) > 1
    values = [
        {
            "key": v.code,
            "name": f"{v.parent.name}{v.name}" if qualified and v.parent is not None else v.name,
        }
        for v in villages
    ]
    data = {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "village",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _(
                    "所在村（社区）的 12 位统计用区划代码；不选时按地址判断，仍不能确定的归乡镇。"
                ),
                "order": 1,
                "description": _("所在村（社区）"),
                "values": values,
            },
            {
                "variable": True,
                "code": "publish",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _(
                    "true：诉求人同意公开诉求内容和地点，不带 api_key 的查询也能看到；默认 false，只公开分类、状态、日期和承办单位。姓名、电话任何时候都不公开。"
                ),
                "order": 2,
                "description": _("同意公开诉求内容和地点"),
                "values": [{"key": "false", "name": _("不公开")}, {"key": "true", "name": _("公开")}],
            },
        ],
    }
    return render(fmt, "service_definition", data)


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    """POST requests.{fmt} files a request (api_key required); GET requests.{fmt} lists the jurisdiction's."""
    if request.method == "POST":
        key = _key(request, required=True)
        assert key is not None
        return _create(request, fmt, key, _jurisdiction(request, key))
    key, jurisdiction = _read(request)
    return _list(request, fmt, key, jurisdiction)


def _create(request: HttpRequest, fmt: str, key: ApiKey, jurisdiction: Jurisdiction) -> HttpResponse:
    form = request.POST
    service_code = form.get("service_code", "")
    if not service_code.strip() and form.get("description", "").strip():
        # Without a service code, file under the category model's top suggestion when it is confident.
        service_code = suggested_service_code(form.get("description", ""))
    data = intake.Open311Post(
        service_code=service_code,
        lat=form.get("lat", ""),
        long=form.get("long", ""),
        address_string=form.get("address_string", ""),
        address_id=form.get("address_id", ""),
        village=form.get("attribute[village]", ""),
        email=form.get("email", ""),
        device_id=form.get("device_id", ""),
        account_id=form.get("account_id", ""),
        first_name=form.get("first_name", ""),
        last_name=form.get("last_name", ""),
        phone=form.get("phone", ""),
        description=form.get("description", ""),
        media_url=form.get("media_url", ""),
        publish=form.get("attribute[publish]", ""),
    )
    receipt = services.open311_submit(key=key, data=data, ip=client_ip(request), within=jurisdiction.region)
    # The spec's two answers: the request's id when it is already filed, else a token to ask for it later.
    row = {
        "service_request_id": receipt.petition.pk if receipt.petition is not None else None,
        "token": receipt.token,
        "service_notice": receipt.service_notice,
        "account_id": receipt.account_id or None,
    }
    return render(fmt, "service_requests", [row])


def _list(request: HttpRequest, fmt: str, key: ApiKey | None, jurisdiction: Jurisdiction) -> HttpResponse:
    statuses = [s.lower() for s in _csv(request.GET.get("status", ""))]
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, _("status 只能是 open 或 closed。"))
    raw_ids = request.GET.get("service_request_id", "")
    ids = [int(i) for i in _csv(raw_ids) if i.isdigit() and len(i) < 18]
    if raw_ids.strip() and not ids:
        return render(fmt, "service_requests", [])
    start = _when(request.GET.get("start_date", ""), "start_date")
    end = _when(request.GET.get("end_date", ""), "end_date")
    if start and end and start > end:
        raise Open311Error(400, _("start_date 不能晚于 end_date。"))
    filters = selectors.RequestFilters(
        ids=ids,
        service_codes=_csv(request.GET.get("service_code", "")),
        start=start,
        end=end,
        statuses=statuses,
    )
    found = selectors.open311_requests(
        jurisdiction=jurisdiction, filters=filters, now=timezone.now(), keyless=key is None
    )
    return render(fmt, "service_requests", [request_row(p, key) for p in found])


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, rid: str) -> HttpResponse:
    """GET requests/{service_request_id}.{fmt}."""
    key, jurisdiction = _read(request)
    found = rid.isdigit() and len(rid) < 18
    p = (
        selectors.open311_request(jurisdiction=jurisdiction, pk=int(rid), keyless=key is None)
        if found
        else None
    )
    if p is None:
        raise Open311Error(404, _("service_request_id “%(id)s” 不存在。") % {"id": rid[:20]})
    return render(fmt, "service_requests", [request_row(p, key)])


@endpoint("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """GET tokens/{token}.{fmt}: the service_request_id a token became (null while it is being filed)."""
    key, jurisdiction = _read(request)
    submission = selectors.open311_token(jurisdiction=jurisdiction, key=key, token=token)
    if submission is None:
        raise Open311Error(404, _("token “%(t)s” 不存在。") % {"t": token[:32]})
    return render(fmt, "service_requests", [{"service_request_id": submission.petition_id, "token": token}])


@csrf_exempt
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """Any other path under the endpoint: the spec's 404, in the format its suffix asks for (JSON otherwise)."""
    fmt = "xml" if rest.lower().endswith(".xml") else "json"
    return render_error(fmt, Open311Error(404, _("所请求的资源不存在。")))
