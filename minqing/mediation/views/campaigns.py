"""大排查 campaigns: the list, opening one, its progress by village, a village's report and closing it."""

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.core.errors import ServiceError, ValidationError
from minqing.core.request import AuthedRequest
from minqing.core.views_util import apply_errors
from minqing.regions.scoping import Perm, has_perm, require, scope

from .. import selectors, services
from ..forms import CampaignForm, VillageReportForm
from ..models import CampaignStatus


@login_required
def campaign_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_DISPUTES)
    return render(
        request,
        "mediation/campaigns.html",
        {
            "progress": selectors.campaign_list(actor=request.user),
            "can_manage": has_perm(request.user, Perm.MANAGE_CAMPAIGNS),
        },
    )


@login_required
def campaign_new(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_CAMPAIGNS)
    townships = selectors.township_qs(actor=request.user)
    today = timezone.localdate()
    form = CampaignForm(
        request.POST or None,
        townships=townships,
        villages=selectors.village_qs(actor=request.user, perm=Perm.MANAGE_CAMPAIGNS),
        initial={
            "starts_on": today,
            "ends_on": today + datetime.timedelta(days=30),
            "title": _("%(y)d年%(m)d月矛盾纠纷大排查") % {"y": today.year, "m": today.month},
            "region": townships.first(),
        },
    )
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=request.user,
                region=c["region"],
                title=c["title"],
                starts_on=c["starts_on"],
                ends_on=c["ends_on"],
                checklist=c["checklist"].splitlines(),
                villages=form.chosen_villages(),
                area=c["area"],
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已开展大排查。"))
            return redirect("mediation:campaign", campaign.pk)
    return render(request, "mediation/campaign_new.html", {"form": form})


def _campaign_context(request: AuthedRequest, pk: int) -> dict[str, Any]:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    progress = selectors.campaign_progress(actor=request.user, campaign=campaign)
    for row in progress.rows:
        row.can_report = (  # type: ignore[attr-defined]
            campaign.status == CampaignStatus.OPEN
            and has_perm(request.user, Perm.RECORD_DISPUTES, row.report.region_path)
        )
    return {
        "c": campaign,
        "progress": progress,
        "report_form": VillageReportForm(
            checklist=campaign.checklist, initial={"checked_items": campaign.checklist}
        ),
        "can_manage": has_perm(request.user, Perm.MANAGE_CAMPAIGNS, campaign.region_path)
        and campaign.status == CampaignStatus.OPEN,
        "failed_village": None,
    }


@login_required
def campaign_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "mediation/campaign.html", _campaign_context(request, pk))


@login_required
@require_POST
def campaign_report(request: AuthedRequest, pk: int, village_id: int) -> HttpResponse:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    report = (
        scope(campaign.villages.select_related("village"), request.user, Perm.VIEW_DISPUTES)
        .filter(village_id=village_id)
        .first()
    )
    if report is None:
        raise Http404
    form = VillageReportForm(request.POST, checklist=campaign.checklist)
    if form.is_valid():
        c = form.cleaned_data
        try:
            services.campaign_village_report(
                actor=request.user,
                campaign=campaign,
                village=report.village,
                outcome=c["outcome"],
                checked_items=c["checked_items"],
                note=c["note"],
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已报告%(village)s的排查结果。") % {"village": report.village.name})
            return redirect("mediation:campaign", campaign.pk)
    context = _campaign_context(request, pk)
    context["report_form"] = form
    context["failed_village"] = village_id
    return render(request, "mediation/campaign.html", context)


@login_required
@require_POST
def campaign_close(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    try:
        services.campaign_close(actor=request.user, campaign=campaign)
    except ServiceError as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("大排查已结束。"))
    return redirect("mediation:campaign", campaign.pk)
