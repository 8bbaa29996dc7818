"""The township leader's hot spots and warnings, and the watch list. Views parse, call, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.core.request import AuthedRequest
from minqing.core.views_util import apply_errors
from minqing.regions.models import Level, Region, subtree_q
from minqing.regions.scoping import Perm, has_perm, regions_with

from . import selectors, services
from .forms import WarningStatusForm, WatchedPhraseForm


def _require_view(request: AuthedRequest) -> None:
    if not has_perm(request.user, Perm.VIEW_HOTSPOTS):
        raise PermissionDenied


@login_required
def hotspot_list(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    spots = list(selectors.hotspots(request.user)[:50])
    for spot in spots:
        spot.visible_members = list(selectors.hotspot_members(request.user, spot)[:5])  # type: ignore[attr-defined]
    return render(
        request,
        "hotspots/list.html",
        {
            "spots": spots,
            "warnings": selectors.warnings(request.user)[:50],
            "status_form": WarningStatusForm(),
            "can_watch": has_perm(request.user, Perm.MANAGE_WATCHLIST),
        },
    )


@login_required
def hotspot_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_view(request)
    spot = selectors.hotspot_detail(request.user, pk)
    return render(
        request,
        "hotspots/detail.html",
        {
            "spot": spot,
            "members": selectors.hotspot_members(request.user, spot)[:200],
            "previous": selectors.hotspot_members(request.user, spot, previous=True)[:50],
            "warnings": spot.warnings.all(),
        },
    )


@login_required
@require_POST
def warning_status(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_view(request)
    warning = selectors.warning_for_actor(request.user, pk)
    form = WarningStatusForm(request.POST)
    if form.is_valid():
        try:
            services.warning_set_status(
                actor=request.user,
                warning=warning,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("预警状态已更新。"))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.error(request, _("请选择有效的状态。"))
    # Only two places show the buttons; never redirect to an address taken from the request.
    return redirect("home" if request.POST.get("next") == "home" else "hotspots:list")


def _watch_regions(request: AuthedRequest) -> "list[Region]":
    paths = regions_with(request.user, Perm.MANAGE_WATCHLIST)
    q = subtree_q(paths[0], "path") if paths else None
    for path in paths[1:]:
        q = q | subtree_q(path, "path") if q is not None else subtree_q(path, "path")
    if q is None:
        return []
    return list(
        Region.objects.filter(q, level__gte=Level.COUNTY, level__lte=Level.VILLAGE, is_active=True).order_by(
            "path"
        )
    )


@login_required
def watchlist(request: AuthedRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.MANAGE_WATCHLIST):
        raise PermissionDenied
    regions = Region.objects.filter(pk__in=[r.pk for r in _watch_regions(request)]).order_by("path")
    form = WatchedPhraseForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        try:
            services.watched_phrase_add(
                actor=request.user,
                phrase=form.cleaned_data["phrase"],
                exclusions=form.cleaned_data["exclusions"],
                region=form.cleaned_data["region"],
            )
            messages.success(request, _("已添加关注词。"))
            return redirect("hotspots:watchlist")
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, ValidationError):
                apply_errors(form, exc)
            else:
                form.add_error(None, str(exc))
    return render(
        request, "hotspots/watchlist.html", {"phrases": selectors.watched_phrases(request.user), "form": form}
    )


@login_required
@require_POST
def watch_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    watched = selectors.watched_phrase_for_actor(request.user, pk)
    services.watched_phrase_set_active(actor=request.user, watched=watched, active=not watched.is_active)
    messages.success(request, _("已更新。"))
    return redirect("hotspots:watchlist")
