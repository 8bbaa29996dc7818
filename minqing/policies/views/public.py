"""The public library (/p/policies/): residents read and search the policies without an account."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import selectors
from .common import choices, filters_from

PER_PAGE = 20
TEMPLATES = "policies/public/"


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    q, filters, shown = filters_from(request.GET)
    hits = selectors.policy_search(actor=None, q=q, filters=filters, public=True)
    page = Paginator(hits, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        TEMPLATES + "list.html",
        {"page": page, "filters": shown, "querystring": query.urlencode(), **choices()},
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = selectors.policy_get(actor=None, pk=pk, public=True)
    today = timezone.localdate()
    current = selectors.version_current(policy=policy, on=today)
    return render(
        request,
        TEMPLATES + "detail.html",
        {
            "policy": policy,
            "current": current,
            "shown": current or selectors.version_shown(policy=policy, on=today),
            "today": today,
        },
    )
