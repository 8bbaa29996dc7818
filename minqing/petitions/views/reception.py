"""Leader reception days (大接访) for staff: schedule, bookings, who came and which request was registered."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.core.errors import ServiceError
from minqing.core.request import AuthedRequest
from minqing.core.views_util import apply_errors
from minqing.regions.scoping import Perm, has_perm, require

from .. import selectors, services
from ..forms.staff import ReceptionDayForm, ReceptionRegistrationForm


@login_required
def reception_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_PETITIONS)
    today = timezone.localdate()
    days = selectors.reception_day_qs(actor=request.user)
    return render(
        request,
        "petitions/reception_list.html",
        {
            "upcoming": days.filter(date__gte=today).order_by("date", "start_time"),
            "past": days.filter(date__lt=today).order_by("-date")[:24],
            "can_manage": has_perm(request.user, Perm.MANAGE_RECEPTION),
        },
    )


@login_required
def reception_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, Perm.MANAGE_RECEPTION)
    day = selectors.reception_day_get(actor=request.user, pk=pk, perm=Perm.MANAGE_RECEPTION) if pk else None
    initial = {}
    if day is not None:
        initial = {f: getattr(day, f) for f in services.RECEPTION_FIELDS} | {
            "region": day.region,
            "leader": day.leader,
        }
    form = ReceptionDayForm(
        request.POST or None, initial=initial, **selectors.reception_form_choices(actor=request.user)
    )
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        region, leader = d.pop("region"), d.pop("leader")
        try:
            day = services.reception_day_save(actor=request.user, region=region, leader=leader, day=day, **d)
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存接访日。"))
            return redirect("petitions:reception_detail", day.pk)
    return render(request, "petitions/reception_form.html", {"form": form, "day": day})


@login_required
def reception_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    day = selectors.reception_day_get(actor=request.user, pk=pk)
    form = ReceptionRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reception_register(actor=request.user, day=day, **form.cleaned_data)
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("您没有执行此操作的权限。"))
        else:
            messages.success(request, _("已登记预约。"))
            return redirect("petitions:reception_detail", day.pk)
    registrations = day.registrations.select_related("petition", "village").order_by(
        "slot", "created_at", "id"
    )
    return render(
        request,
        "petitions/reception_detail.html",
        {
            "day": day,
            "registrations": registrations,
            "form": form,
            "can_intake": has_perm(request.user, Perm.INTAKE_PETITIONS, day.region_path),
            "can_manage": has_perm(request.user, Perm.MANAGE_RECEPTION, day.region_path),
        },
    )


@login_required
@require_POST
def reception_attend(request: AuthedRequest, pk: int, registration_id: int) -> HttpResponse:
    day = selectors.reception_day_get(actor=request.user, pk=pk)
    registration = day.registrations.filter(pk=registration_id).first()
    if registration is None:
        raise Http404
    petition = None
    if code := request.POST.get("code", "").strip():
        petition = selectors.petition_get_by_code(actor=request.user, code=code)
        if petition is None:
            messages.error(request, _("找不到该查询码的诉求。"))
            return redirect("petitions:reception_detail", day.pk)
    try:
        services.reception_attend(
            actor=request.user,
            registration=registration,
            attended=request.POST.get("attended") == "1",
            petition=petition,
        )
    except PermissionDenied:
        messages.error(request, _("您没有执行此操作的权限。"))
    return redirect(reverse("petitions:reception_detail", args=[day.pk]))
