"""下村/住村 pages: parse, call a service or selector, render."""

import datetime
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from minqing.core.errors import ServiceError, ValidationError
from minqing.core.request import AuthedRequest
from minqing.core.uploads import check_upload
from minqing.core.views_util import apply_errors, client_ip, inline_file
from minqing.households.models import Household
from minqing.mediation.models import Side
from minqing.mediation.views.disputes import DisputeSource, dispute_form
from minqing.petitions.selectors import category_list_leaves
from minqing.regions.models import Region
from minqing.regions.scoping import Perm, has_perm, require

from . import selectors, services
from .forms import CourseForm, PetitionFindingForm, QuotaRuleForm, VisitForm
from .models import Visit


def _month_nav(month: datetime.date) -> dict[str, str]:
    prev = (month - datetime.timedelta(days=1)).replace(day=1)
    nxt = (month + datetime.timedelta(days=32)).replace(day=1)
    return {"prev": f"{prev:%Y-%m}", "next": f"{nxt:%Y-%m}", "this": f"{month:%Y-%m}"}


@login_required
def my_month(request: AuthedRequest) -> HttpResponse:
    """The cadre's own month: progress against each rule, the calendar, the entries."""
    require(request.user, Perm.LOG_VISITS)
    month = selectors.parse_month(request.GET.get("month"))
    data = selectors.my_month(request.user, month)
    return render(
        request,
        "visits/my_month.html",
        {
            "m": data,
            "nav": _month_nav(month),
            "can_view_all": has_perm(request.user, Perm.VIEW_VISITS),
            "lead_blanks": range(month.weekday()),
            "weekdays": [
                pgettext("weekday", "一"),
                pgettext("weekday", "二"),
                pgettext("weekday", "三"),
                pgettext("weekday", "四"),
                pgettext("weekday", "五"),
                pgettext("weekday", "六"),
                pgettext("weekday", "日"),
            ],
        },
    )


def _wants_json(request: AuthedRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def visit_new(request: AuthedRequest) -> HttpResponse:
    """The phone form. The page's script keeps a draft across reloads and queues a submission made offline;
    a queued one is posted with the same key when the connection returns, so it is recorded exactly once."""
    require(request.user, Perm.LOG_VISITS)
    villages = selectors.villages_for_logging(request.user)
    form = VisitForm(request.POST or None, villages=villages)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                photos = [check_upload(f.name or "", f, f.size) for f in request.FILES.getlist("photos")]
                result = services.visit_log(
                    actor=request.user,
                    data=services.VisitInput(
                        village=d["village"],
                        visited_on=d["visited_on"],
                        client_key=d["client_key"],
                        days=d["days"],
                        nights=d["nights"],
                        stay_place=d["stay_place"],
                        heard=d["heard"],
                        household_ids=form.household_ids(),
                        no_households=d["no_households"],
                        photos=photos,
                    ),
                )
            except (ValidationError, ServiceError) as exc:
                apply_errors(form, exc)
            else:
                url = reverse("visits:detail", args=[result.visit.pk])
                if _wants_json(request):
                    return JsonResponse(
                        {"ok": True, "id": result.visit.pk, "url": url, "created": result.created}
                    )
                if result.created:
                    messages.success(request, _("民情日记已保存。"))
                return redirect(url)
        if _wants_json(request):
            errors = {k: [str(m["message"]) for m in v] for k, v in form.errors.get_json_data().items()}
            return JsonResponse({"ok": False, "errors": errors}, status=400)
    return render(
        request,
        "visits/new.html",
        {"form": form, "villages": villages, "no_villages": not villages},
    )


@login_required
def household_pick(request: AuthedRequest) -> JsonResponse:
    """Households of one village matching a name, pinyin initials or code, for the visit form's picker."""
    require(request.user, Perm.LOG_VISITS)
    rows = selectors.households_to_pick(
        request.user, request.GET.get("village", ""), request.GET.get("q", "").strip()[:30]
    )
    return JsonResponse(
        {
            "results": [
                {"id": h.pk, "label": str(h), "address": h.address, "tags": [t.name for t in h.tags.all()]}
                for h in rows
            ]
        }
    )


@login_required
def visit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get(request.user, pk)
    own = visit.cadre_id == request.user.pk
    finding_form = None
    if own and has_perm(request.user, Perm.INTAKE_PETITIONS, visit.region_path):
        finding_form = _finding_form(visit, None)
    return render(
        request,
        "visits/detail.html",
        {
            "v": visit,
            "households": list(visit.households.prefetch_related("tags")),
            "photos": list(visit.photos.all()),
            "findings": list(visit.findings.select_related("petition")),
            "finding_form": finding_form,
            "can_dispute": own and has_perm(request.user, Perm.RECORD_DISPUTES, visit.region_path),
            "dispute_url": reverse("visits:dispute_new", args=[visit.pk]),
        },
    )


@login_required
def visit_dispute_new(request: AuthedRequest, pk: int) -> HttpResponse:
    """A dispute found on this visit: mediation's form, starting from the visit, linked to it when written."""
    visit = selectors.visit_get(request.user, pk)
    households: list[Household] = list(visit.households.all())
    # The village, the day and what was heard come along; the households met are offered as the first party and
    # can be moved to the other side.
    source = DisputeSource(
        initial={"region": visit.village_id, "found_on": visit.visited_on, "facts": visit.heard},
        picked=[{"value": f"h:{h.pk}:{Side.A}", "label": str(h), "side": Side.A} for h in households],
        create=partial(services.visit_dispute_create, visit=visit),
        context={"visit": visit},
    )
    return dispute_form(request, source=source)


@login_required
def visit_photo(request: AuthedRequest, pk: int, photo_id: int) -> FileResponse:
    """A photo of a diary entry, to those who may see the entry (404 otherwise, like the entry)."""
    visit = selectors.visit_get(request.user, pk)
    photo = visit.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    services.visit_photo_download(actor=request.user, visit=visit, photo=photo, ip=client_ip(request))
    return inline_file(photo.file, photo.content_type)


def _finding_form(visit: Visit, data: Any) -> PetitionFindingForm:
    households = [(h.pk, str(h)) for h in visit.households.all()]
    return PetitionFindingForm(
        data,
        categories=[(c.pk, str(c)) for c in category_list_leaves()],
        households=households,
        initial={"content": getattr(visit, "heard", "")},
        prefix="f",
    )


@login_required
@require_POST
def visit_finding(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get(request.user, pk)
    form = _finding_form(visit, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            finding = services.visit_finding_petition(
                actor=request.user,
                visit=visit,
                title=d["title"],
                content=d["content"],
                category_id=d["category"],
                household_id=d["household"],
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记为诉求，并与本次走访关联。"))
            assert finding.petition is not None
            return redirect("petitions:detail", finding.petition.pk)
    return render(
        request,
        "visits/detail.html",
        {
            "v": visit,
            "households": list(visit.households.all()),
            "photos": list(visit.photos.all()),
            "findings": list(visit.findings.select_related("petition")),
            "finding_form": form,
            "open_finding": True,
        },
        status=400,
    )


def _region(request: AuthedRequest) -> Region:
    return selectors.region_for_actor(request.user, request.GET.get("region"))


def _region_choices(request: AuthedRequest) -> list[Region]:
    return selectors.townships_and_wider(request.user, Perm.VIEW_VISITS)


@login_required
def compliance(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_VISITS)
    region = _region(request)
    month = selectors.parse_month(request.GET.get("month"))
    table = selectors.compliance(request.user, region, month)
    return render(
        request,
        "visits/compliance.html",
        {"t": table, "nav": _month_nav(month), "regions": _region_choices(request), "region": region},
    )


@login_required
def coverage(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_VISITS)
    region = _region(request)
    try:
        days = max(7, min(730, int(request.GET.get("days") or selectors.DEFAULT_COVERAGE_DAYS)))
    except ValueError:
        days = selectors.DEFAULT_COVERAGE_DAYS
    rows = selectors.coverage(request.user, region, days)
    return render(
        request,
        "visits/coverage.html",
        {"rows": rows, "days": days, "region": region, "regions": _region_choices(request)},
    )


@login_required
def village(request: AuthedRequest, code: str) -> HttpResponse:
    require(request.user, Perm.VIEW_VISITS)
    try:
        days = max(7, min(730, int(request.GET.get("days") or selectors.DEFAULT_COVERAGE_DAYS)))
    except ValueError:
        days = selectors.DEFAULT_COVERAGE_DAYS
    page = selectors.village_page(request.user, code, days)
    return render(request, "visits/village.html", {"p": page, "days": days})


@login_required
def rules(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_VISITS)
    can_manage = has_perm(request.user, Perm.MANAGE_QUOTAS)
    form = None
    if can_manage:
        regions = [r for r in _manage_regions(request) if has_perm(request.user, Perm.MANAGE_QUOTAS, r.path)]
        form = QuotaRuleForm(request.POST or None, regions=regions)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                services.quota_rule_save(
                    actor=request.user,
                    region=d["region"],
                    role=d["role"],
                    metric=d["metric"],
                    period=d["period"],
                    target=d["target"],
                    is_active=d["is_active"],
                )
            except (ValidationError, ServiceError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("硬性规定已保存。"))
                return redirect("visits:rules")
    elif request.method == "POST":
        raise Http404
    return render(request, "visits/rules.html", {"rules": selectors.quota_rules(request.user), "form": form})


def _manage_regions(request: AuthedRequest) -> list[Region]:
    return selectors.townships_and_wider(request.user, Perm.MANAGE_QUOTAS)


@login_required
def training(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_VISITS)
    region = _region(request)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    totals = selectors.training_totals(request.user, region, year)
    return render(
        request,
        "visits/training.html",
        {
            "t": totals,
            "region": region,
            "regions": _region_choices(request),
            "can_manage": has_perm(request.user, Perm.MANAGE_QUOTAS, region.path),
        },
    )


@login_required
def course_new(request: AuthedRequest) -> HttpResponse:
    region = selectors.region_for_actor(request.user, request.GET.get("region"), Perm.MANAGE_QUOTAS)
    require(request.user, Perm.MANAGE_QUOTAS, region.path)
    form = CourseForm(request.POST or None, staff=selectors.staff_in(region.path))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.course_record(
                actor=request.user,
                region=region,
                title=d["title"],
                organiser=d["organiser"],
                held_on=d["held_on"],
                hours=d["hours"],
                topics=d["topics"],
                attendee_ids=d["attendees"],
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("培训记录已保存。"))
            return redirect(f"{reverse('visits:training')}?region={region.code}")
    return render(request, "visits/course_new.html", {"form": form, "region": region})
