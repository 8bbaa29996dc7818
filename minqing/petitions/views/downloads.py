"""Downloads of a request: the printable notices (PDF) and the export of the filtered work list (.xlsx)."""

import datetime
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from minqing.core.errors import ServiceError
from minqing.core.request import AuthedRequest
from minqing.core.views_util import client_ip

from .. import documents, excel, selectors, services
from ..models import Satisfaction, Status

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment_disposition(filename: str, fallback: str) -> str:
    """Content-Disposition for a download with a Chinese name (RFC 6266/5987) and an ASCII fallback."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@login_required
@require_GET
def petition_document(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    p = selectors.petition_get(actor=request.user, pk=pk)  # Http404 outside the user's regions
    try:
        letter, content = documents.render_letter(
            p, kind, track_url=request.build_absolute_uri(documents.TRACK_PATH)
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("petitions:detail", args=[pk]))
    services.petition_document_record(
        actor=request.user, petition=p, title=letter.title, ip=client_ip(request)
    )
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = attachment_disposition(letter.filename, f"{kind}-{p.tracking_code}.pdf")
    response["Cache-Control"] = "no-store"
    return response


# --- The work list's filters, as the list page sends them -------------------------------------------------


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "on", "true", "yes")


def parse_filters(params: QueryDict) -> selectors.ListFilters:
    """selectors.ListFilters from the list page's query string; unknown or malformed values are ignored."""
    status = params.get("status", "").strip()
    satisfaction = params.get("satisfaction", "").strip()
    queue = params.get("queue", "").strip()
    region = params.get("region", "").strip()
    return selectors.ListFilters(
        q=params.get("q", "").strip()[:50],
        status=status if status in (*Status.values, "reopened") else "",
        category=_int(params.get("category")),
        region=region if region.isdigit() and len(region) <= 15 else "",
        channel=params.get("channel", "").strip()[:12],
        level=params.get("level", "").strip()[:10],
        department=_int(params.get("department")),
        assignee=_int(params.get("assignee")),
        date_from=_date(params.get("date_from")),
        date_to=_date(params.get("date_to")),
        overdue=_flag(params.get("overdue")),
        due_soon=_flag(params.get("due_soon")),
        satisfaction=satisfaction if satisfaction in Satisfaction.values else "",
        repeat=_flag(params.get("repeat")),
        skip_level=_flag(params.get("skip_level")),
        queue=queue if queue in selectors.QUEUES else "",
    )


@login_required
@require_GET
def petition_export(request: AuthedRequest) -> HttpResponseBase:
    filters = parse_filters(request.GET)
    try:
        file, _rows = excel.petitions_export(
            actor=request.user, filters=filters, ip=client_ip(request)
        )  # PermissionDenied → 403
    except ServiceError as exc:
        messages.error(request, exc.message)
        query = request.GET.urlencode()
        return redirect(reverse("petitions:list") + (f"?{query}" if query else ""))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(file, content_type=XLSX)
    response["Content-Disposition"] = attachment_disposition(
        _("诉求台账-%(stamp)s.xlsx") % {"stamp": stamp}, f"petitions-{stamp}.xlsx"
    )
    response["Cache-Control"] = "no-store"
    return response
