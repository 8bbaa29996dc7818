from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from minqing.core.request import AuthedRequest
from minqing.hotspots.selectors import hotspots, warnings
from minqing.households.selectors import attention
from minqing.mediation.selectors import dispute_list_risky_open
from minqing.petitions.selectors import work_queue_list
from minqing.regions.scoping import Perm, has_perm, roles_of
from minqing.visits.selectors import my_month


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
    if has_perm(user, Perm.VIEW_HOTSPOTS):
        context["hot_warnings"] = warnings(user)[:8]
        context["hot_spots"] = hotspots(user)[:5]
    return render(request, "site/home.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
