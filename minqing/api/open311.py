"""Open311 GeoReport v2 (open311.org) under /open311/v2/: parse the client's call, call a selector or service,
render the answer in the spec's XML or JSON.

Reading requests needs an api_key: the key's region is the jurisdiction it may read, and a request shows only
the spec's fields, never the person's name, phone or e-mail. The description of a request is shown in full only
to the client that filed it; other requests of the jurisdiction show their title.
"""

import datetime
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from minqing.core.errors import ConflictError, ServiceError, ValidationError
from minqing.core.views_util import client_ip
from minqing.petitions.models import EventKind, Petition
from minqing.regions.models import Level
from minqing.textintel.selectors import suggested_service_code

from . import intake, selectors, services
from .models import ApiKey

Row = dict[str, Any]
# Elements whose children are list items, and the name of each item (the spec's XML).
_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}
_TRACKING = re.compile(r"查询码\s*[A-Z0-9]{10}")
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
logger = logging.getLogger(__name__)


class Open311Error(Exception):
    """Answered as the spec's error list with this HTTP status."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = list(descriptions)


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
    return render(fmt, "errors", rows, status=exc.status)


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
                    raise Open311Error(405, _("不支持 %(m)s 方法。") % {"m": request.method})
                return view(request, *args, fmt=fmt, **kwargs)
            except Exception as exc:  # every failure is answered in the spec's format
                error = as_open311_error(exc)
                response = render_error(fmt, error)
                if error.status == 405:
                    response["Allow"] = ", ".join(methods)
                return response

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


def _check_jurisdiction(request: HttpRequest, key: ApiKey) -> None:
    jurisdiction_id = _param(request, "jurisdiction_id")
    if jurisdiction_id and not selectors.jurisdiction_matches(key.region, jurisdiction_id):
        raise Open311Error(404, _("jurisdiction_id “%(j)s” 不存在。") % {"j": jurisdiction_id[:20]})


def _jurisdiction_without_key(request: HttpRequest) -> Any:
    jurisdiction_id = _param(request, "jurisdiction_id")
    if jurisdiction_id:
        region = selectors.region_by_code(jurisdiction_id)
        if region is None:
            raise Open311Error(404, _("jurisdiction_id “%(j)s” 不存在。") % {"j": jurisdiction_id[:20]})
        return region
    region = selectors.default_jurisdiction()
    if region is None:
        raise Open311Error(400, _("未提供 jurisdiction_id（或 api_key）。"))
    return region


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


def request_row(p: Petition, key: ApiKey) -> Row:
    """One request in the spec's fields; nothing about the person."""
    own = p.source_client == key.name
    return {
        "service_request_id": p.pk,
        "status": "open" if p.is_open else "closed",
        "status_notes": _status_notes(p),
        "service_name": p.category.name,
        "service_code": p.category.code,
        "description": p.content if own else p.title,
        "agency_responsible": p.department.name if p.department else p.get_level_display(),
        "service_notice": _service_notice(p),
        "requested_datetime": _iso(p.created_at),
        "updated_datetime": _iso(p.updated_at),
        "expected_datetime": _iso(_end_of(p.due_date)) if p.is_open else None,
        "address": p.address,
        "address_id": p.region.code,
        "zipcode": "",
        "lat": float(p.lat) if p.lat is not None else None,
        "long": float(p.long) if p.long is not None else None,
        "media_url": "",
    }


# ----------------------------------------------------------------------------------------------------------
# Views


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET services.{fmt}: every service (leaf category) a request can be filed under."""
    if _param(request, "jurisdiction_id"):
        _jurisdiction_without_key(request)
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
    """GET services/{service_code}.{fmt}: the optional `village` attribute listing the jurisdiction's villages."""
    key = _key(request, required=False)
    if key is not None:
        _check_jurisdiction(request, key)
        region = key.region
    else:
        region = _jurisdiction_without_key(request)
    category = selectors.open311_service(code)
    if category is None:
        raise Open311Error(404, _("service_code “%(code)s” 不存在。") % {"code": code[:50]})
    villages = selectors.villages_of(region)
    qualified = (
        region.level < Level.TOWNSHIP
    )  # above a township two villages may share a name: say which township
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
            }
        ],
    }
    return render(fmt, "service_definition", data)


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    """POST requests.{fmt} files a request; GET requests.{fmt} lists the jurisdiction's requests."""
    key = _key(request, required=True)
    assert key is not None
    _check_jurisdiction(request, key)
    if request.method == "POST":
        return _create(request, fmt, key)
    return _list(request, fmt, key)


def _create(request: HttpRequest, fmt: str, key: ApiKey) -> HttpResponse:
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
    )
    receipt = services.open311_submit(key=key, data=data, ip=client_ip(request))
    # The spec's two answers: the request's id when it is already filed, else a token to ask for it later.
    row = {
        "service_request_id": receipt.petition.pk if receipt.petition is not None else None,
        "token": receipt.token,
        "service_notice": receipt.service_notice,
        "account_id": receipt.account_id or None,
    }
    return render(fmt, "service_requests", [row])


def _list(request: HttpRequest, fmt: str, key: ApiKey) -> HttpResponse:
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
    rows = [request_row(p, key) for p in selectors.open311_requests(key, filters, now=timezone.now())]
    return render(fmt, "service_requests", rows)


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, rid: str) -> HttpResponse:
    """GET requests/{service_request_id}.{fmt}."""
    key = _key(request, required=True)
    assert key is not None
    _check_jurisdiction(request, key)
    p = selectors.open311_request(key, int(rid)) if rid.isdigit() and len(rid) < 18 else None
    if p is None:
        raise Open311Error(404, _("service_request_id “%(id)s” 不存在。") % {"id": rid[:20]})
    return render(fmt, "service_requests", [request_row(p, key)])


@endpoint("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """GET tokens/{token}.{fmt}: the service_request_id a token became."""
    key = _key(request, required=True)
    assert key is not None
    _check_jurisdiction(request, key)
    submission = selectors.open311_token(key, token)
    if submission is None:
        raise Open311Error(404, _("token “%(t)s” 不存在。") % {"t": token[:32]})
    return render(fmt, "service_requests", [{"service_request_id": submission.petition_id, "token": token}])
