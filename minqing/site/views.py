from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from minqing.core.request import AuthedRequest
from minqing.hotspots.selectors import hotspots, warnings
from minqing.households.selectors import attention
from minqing.mediation.selectors import dispute_list_risky_open
from minqing.petitions.selectors import work_queue_list
from minqing.regions.scoping import Perm, has_perm, require, roles_of
from minqing.visits.selectors import my_month

from .selectors import (
    duty_department_qs,
    duty_list,
    duty_overview,
    duty_person_get,
    duty_region_choices,
)

# Who has a 责任清单 of their own: anyone doing casework of any practice.
DUTY_PERMS = (Perm.VIEW_PETITIONS, Perm.HANDLE_ASSIGNED, Perm.LOG_VISITS, Perm.VIEW_DISPUTES)


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """What needs this user's attention; administrators see their own tools instead of casework."""
    user = request.user
    context = {
        "roles": sorted(r.label for r in roles_of(user)),
        "casework": has_perm(user, Perm.VIEW_HOUSEHOLDS),
        "can_audit": has_perm(user, Perm.VIEW_AUDIT),
        "can_config": has_perm(user, Perm.MANAGE_CONFIG),
        "can_roles": has_perm(user, Perm.MANAGE_ROLES),
        "can_edit": has_perm(user, Perm.EDIT_HOUSEHOLDS),
        "can_import": has_perm(user, Perm.IMPORT_HOUSEHOLDS),
    }
    if context["casework"]:
        context["a"] = attention(actor=user)
    context["queues"] = work_queue_list(actor=user)
    context["can_intake"] = has_perm(user, Perm.INTAKE_PETITIONS)
    if has_perm(user, Perm.LOG_VISITS):
        context["my_month"] = my_month(user, timezone.localdate().replace(day=1)).row
    if has_perm(user, Perm.VIEW_DISPUTES):
        context["risky_disputes"] = dispute_list_risky_open(actor=user)
        context["can_record_dispute"] = has_perm(user, Perm.RECORD_DISPUTES)
    if any(has_perm(user, p) for p in DUTY_PERMS):
        context["duties"] = duty_list(actor=user)
        context["can_view_duties"] = has_perm(user, Perm.VIEW_DUTIES)
    if has_perm(user, Perm.VIEW_HOTSPOTS):
        context["hot_warnings"] = warnings(user)[:8]
        context["hot_spots"] = hotspots(user)[:5]
    return render(request, "site/home.html", context)


@login_required
def duties_mine(request: AuthedRequest) -> HttpResponse:
    """我的责任清单: everything the user answers for, overdue first, then by kind and deadline."""
    user = request.user
    if not any(has_perm(user, p) for p in DUTY_PERMS):
        require(user, Perm.VIEW_DUTIES)
    return render(
        request,
        "site/duties_mine.html",
        {"d": duty_list(actor=user), "own": True, "can_view_duties": has_perm(user, Perm.VIEW_DUTIES)},
    )


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@login_required
def duties_team(request: AuthedRequest) -> HttpResponse:
    """The leader's view: everyone in their regions with what is overdue, per person and per department."""
    user = request.user
    require(user, Perm.VIEW_DUTIES)
    department = _int(request.GET.get("department"))
    region = (request.GET.get("region") or "").strip()
    region = region if region.isdigit() else ""
    overview = duty_overview(actor=user, department_id=department, region_path=region)
    return render(
        request,
        "site/duties_team.html",
        {
            "o": overview,
            "department": department,
            "region": region,
            "departments": duty_department_qs(actor=user),
            "regions": duty_region_choices(actor=user),
        },
    )


@login_required
def duties_person(request: AuthedRequest, pk: int) -> HttpResponse:
    """One person's list as the leader sees it: only the records in the leader's regions."""
    user = request.user
    require(user, Perm.VIEW_DUTIES)
    person = duty_person_get(actor=user, pk=pk)
    return render(
        request,
        "site/duties_mine.html",
        {"d": duty_list(actor=user, person=person), "own": person == user, "can_view_duties": True},
    )


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
