"""The work list of requests: its filters, the bulk actions on the ticked rows, and the closure report."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.accounts.models import User
from minqing.core import fulltext
from minqing.core.errors import ServiceError
from minqing.core.paging import capped_page
from minqing.core.request import AuthedRequest
from minqing.regions.models import Level, Region, subtree_q
from minqing.regions.scoping import Perm, has_perm, regions_with, require

from .. import selectors, services
from ..forms.staff import BulkForm
from ..models import Channel, DueKind, HandlingLevel, Satisfaction, Status
from .common import can_view, date_or_none, int_or_none

EXCERPT_CHARS = 60


def parse_filters(params: Any) -> selectors.ListFilters:
    """The list's query string → filters (shared with the export)."""
    return selectors.ListFilters(
        q=params.get("q", "").strip()[:50],
        status=params.get("status", "")[:20],
        category=int_or_none(params.get("category")),
        region=params.get("region", "").strip()[:15],
        channel=params.get("channel", "")[:12],
        level=params.get("level", "")[:10],
        department=int_or_none(params.get("department")),
        assignee=int_or_none(params.get("assignee")),
        date_from=date_or_none(params.get("date_from")),
        date_to=date_or_none(params.get("date_to")),
        overdue=params.get("overdue") == "1",
        due_soon=params.get("due_soon") == "1",
        satisfaction=params.get("satisfaction", "")[:12],
        repeat=params.get("repeat") == "1",
        skip_level=params.get("skip_level") == "1",
        queue=params.get("queue", "")[:20] if params.get("queue", "") in selectors.QUEUES else "",
    )


def _villages(user: User) -> QuerySet[Region]:
    q = Q(pk__in=[])
    for path in regions_with(user, Perm.VIEW_PETITIONS):
        q |= subtree_q(path, "path")
    return Region.objects.filter(q, level__in=[Level.TOWNSHIP, Level.VILLAGE], is_active=True).order_by(
        "path"
    )


def _querystring(request: AuthedRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


_LABELLED = {
    "channel": Channel,
    "status": Status,
    "level": HandlingLevel,
    "satisfaction": Satisfaction,
    "due_kind": DueKind,
}


def _label_rows(rows: Any) -> None:
    """Each row's choice labels, translated once per page: get_FOO_display() rebuilds and hashes the whole
    choice list (lazy strings, each translated to be hashed) on every call, which a long list feels."""
    maps = {field: {value: str(label) for value, label in enum.choices} for field, enum in _LABELLED.items()}
    for p in rows:
        p.labels = {field: maps[field].get(getattr(p, field), "") for field in maps}


def _highlight_rows(rows: Any, q: str) -> None:
    """Each row's title with the query's words marked, and an excerpt of the content where they occur."""
    query = fulltext.parse(q)
    for p in rows:
        p.title_marked = fulltext.highlight(p.title, query)
        p.content_marked = fulltext.highlight(p.content, query, excerpt=EXCERPT_CHARS)


@login_required
def petition_list(request: AuthedRequest) -> HttpResponse:
    if not can_view(request.user):
        raise PermissionDenied
    filters = parse_filters(request.GET)
    qs = selectors.petition_list(actor=request.user, filters=filters)
    # A search is a short list of ranked ids, counted as it is; the plain list counts fastest in another form.
    count_from = (
        None
        if filters.q
        else selectors.petition_list(actor=request.user, filters=filters, for_sorted_page=False)
    )
    page = capped_page(qs, 30, request.GET.get("page"), count_from=count_from)
    _label_rows(page.object_list)
    if filters.q:
        _highlight_rows(page.object_list, filters.q)
    departments = selectors.department_qs(actor=request.user)
    today = timezone.localdate()
    return render(
        request,
        "petitions/list.html",
        {
            "page": page,
            "f": filters,
            "today": today,
            "statuses": [*Status.choices, ("reopened", _("重新办理"))],
            "channels": Channel.choices,
            "levels": HandlingLevel.choices,
            "satisfactions": Satisfaction.choices,
            "categories": selectors.category_list_tree(),
            "regions": _villages(request.user),
            "departments": departments,
            "queues": selectors.queue_labels(actor=request.user),
            "can_intake": has_perm(request.user, Perm.INTAKE_PETITIONS),
            "can_export": has_perm(request.user, Perm.EXPORT_PETITIONS),
            "can_bulk": has_perm(request.user, Perm.HANDLE_PETITIONS),
            "bulk_form": BulkForm(departments=departments, prefix="bulk"),
            "querystring": _querystring(request),
            "search_window": fulltext.WINDOW,
        },
    )


@login_required
@require_POST
def petition_bulk(request: AuthedRequest) -> HttpResponse:
    """Assign or re-categorise the ticked requests; all or none."""
    require(request.user, Perm.HANDLE_PETITIONS)
    form = BulkForm(request.POST, departments=selectors.department_qs(actor=request.user), prefix="bulk")
    ids = [i for i in (int_or_none(v) for v in request.POST.getlist("ids")) if i is not None][:500]
    back = request.POST.get("next") or reverse("petitions:list")
    if not back.startswith("/"):
        back = reverse("petitions:list")
    if not ids:
        messages.error(request, _("请先勾选诉求。"))
        return HttpResponseRedirect(back)
    if not form.is_valid():
        messages.error(request, _("请选择批量操作。"))
        return HttpResponseRedirect(back)
    petitions = list(selectors.petition_qs(actor=request.user).filter(pk__in=ids))
    if len(petitions) != len(set(ids)):
        raise Http404
    d = form.cleaned_data
    try:
        if d["action"] == "assign":
            services.petitions_assign(actor=request.user, petitions=petitions, department=d["department"])
        else:
            if d["category"] is None:
                raise ValidationError({"category": [_("请选择分类。")]})
            services.petitions_recategorise(actor=request.user, petitions=petitions, category=d["category"])
    except (ServiceError, PermissionDenied) as exc:
        messages.error(request, str(getattr(exc, "message", "") or exc) or _("您没有执行此操作的权限。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已处理 %(n)d 件诉求。") % {"n": len(petitions)})
    return HttpResponseRedirect(back)


@login_required
def closure_report(request: AuthedRequest) -> HttpResponse:
    """The four 80% and where matters were solved, per village, category or month."""
    require(request.user, Perm.VIEW_PETITIONS)
    today = timezone.localdate()
    date_from = date_or_none(request.GET.get("date_from")) or today.replace(month=1, day=1)
    date_to = date_or_none(request.GET.get("date_to")) or today
    group = request.GET.get("group", "village")
    if group not in ("village", "category", "month"):
        group = "village"
    total, rows = selectors.closure_report(
        actor=request.user, group=group, date_from=date_from, date_to=date_to
    )
    return render(
        request,
        "petitions/report.html",
        {"total": total, "rows": rows, "group": group, "date_from": date_from, "date_to": date_to},
    )
