"""Registering a request at the office, and the hint of similar requests while it is typed."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from minqing.accounts.models import User
from minqing.core.errors import ServiceError
from minqing.core.request import AuthedRequest
from minqing.core.uploads import check_upload
from minqing.core.views_util import apply_errors, client_ip
from minqing.households.models import Household
from minqing.households.selectors import household_get_by_code
from minqing.regions.models import Level, Region
from minqing.regions.scoping import Perm, has_perm, require, scope

from .. import extensions, selectors, services
from ..forms.staff import IntakeForm
from ..models import Category, Channel
from .common import can_view, int_or_none


def _intake_regions(user: User) -> QuerySet[Region]:
    return scope(
        Region.objects.filter(level__in=[Level.TOWNSHIP, Level.VILLAGE], is_active=True).select_related(
            "parent"
        ),
        user,
        Perm.INTAKE_PETITIONS,
        "path",
    ).order_by("path")


@login_required
def petition_intake(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.INTAKE_PETITIONS)
    regions = _intake_regions(request.user)
    channel = request.GET.get("channel", "")
    initial: dict[str, Any] = {"channel": channel if channel in Channel.values else Channel.VISIT}
    household: Household | None = None
    if code := request.GET.get("household"):
        household = household_get_by_code(actor=request.user, code=code[:32])
        if household is not None:
            initial.update(IntakeForm.initial_for_household(household))
    head = household.head if household is not None else None
    reveal_for = head if head and has_perm(request.user, Perm.REVEAL_IDENTITY, head.region_path) else None
    form = IntakeForm(
        request.POST or None, request.FILES or None, regions=regions, initial=initial, reveal_for=reveal_for
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            files = [check_upload(f.name or "", f, f.size) for f in request.FILES.getlist("attachments")]
            household = None
            if d["household_code"]:
                household = household_get_by_code(actor=request.user, code=d["household_code"])
                if household is None:
                    raise ValidationError({"household_code": [_("找不到该户编号。")]})
            p = services.petition_register(
                actor=request.user,
                data=services.Intake(
                    channel=d["channel"],
                    category=d["category"],
                    region=d["region"],
                    title=d["title"],
                    content=d["content"],
                    submitter_name=d["submitter_name"],
                    submitter_phone=d["submitter_phone"],
                    submitter_id_number=d["submitter_id_number"],
                    is_anonymous=d["is_anonymous"],
                    urgency=d["urgency"],
                    address=d["address"],
                    household=household,
                    is_group=d["is_group"],
                    head_count=d["head_count"] or 1,
                    representatives=d["representatives"],
                    level=d["level"],
                    registered_on=d["registered_on"],
                    attachments=files,
                ),
                ip=client_ip(request),
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            for hook in extensions.after_intake_form:
                hook(request.user, p)
            messages.success(
                request, _("已登记，查询码 %(code)s，请告知诉求人。") % {"code": p.tracking_code}
            )
            return redirect("petitions:detail", p.pk)
    return render(request, "petitions/intake.html", {"form": form, "household": household})


# What the similar-requests hint reads of a typed text: a request's title and content fit; a pasted book is cut.
_HINT_TEXT_MAX = services.CONTENT_MAX + services.TITLE_MAX


@login_required
@require_http_methods(["GET", "POST"])
def petition_similar(request: AuthedRequest) -> HttpResponse:
    """The hint at intake: recent requests from the same phone or on the same matter in the same village, and
    requests whose text is nearly the same. POST from the form (a long text does not fit in a URL); GET too."""
    if not can_view(request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    region_id = int_or_none(data.get("region"))
    category_id = int_or_none(data.get("category"))
    region = Region.objects.filter(pk=region_id).first() if region_id else None
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    phone = "".join(ch for ch in data.get("submitter_phone", "") if ch.isdigit())[:11]
    found: list[selectors.SimilarRequest] = []
    if region is not None:
        found = selectors.petition_list_similar(
            actor=request.user,
            region_path=region.path,
            category=category,
            phone=phone if len(phone) == 11 else "",
            title=data.get("title", "")[:_HINT_TEXT_MAX],
            content=data.get("content", "")[:_HINT_TEXT_MAX],
        )
    return render(request, "petitions/_similar.html", {"similar": found})
