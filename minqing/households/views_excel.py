"""Excel pages: template download, upload → validation report → confirm, export of the filtered list."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.core.errors import ServiceError
from minqing.core.request import AuthedRequest
from minqing.core.views_util import client_ip
from minqing.regions.scoping import Perm, get_for_actor, require

from . import excel, selectors, services
from .forms import ImportUploadForm
from .imports import jobs
from .models import ImportStatus
from .views import _filters

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


def _stamp() -> str:
    return datetime.datetime.now(timezone.get_current_timezone()).strftime("%Y%m%d-%H%M")


@login_required
def template_download(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_HOUSEHOLDS)
    return _xlsx(excel.build_template(), "minqing-households-template.xlsx")


@login_required
def export(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.EXPORT_HOUSEHOLDS)
    qs = selectors.household_list(actor=request.user, **_filters(request))  # type: ignore[arg-type]
    content = services.households_export(actor=request.user, qs=qs, ip=client_ip(request))
    return _xlsx(content, f"minqing-households-{_stamp()}.xlsx")


@login_required
def import_upload(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.IMPORT_HOUSEHOLDS)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = jobs.import_start(actor=request.user, file_name=upload.name, content=upload.read())
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("households:import_detail", pk=job.pk)
    recent = selectors.import_job_qs(actor=request.user).defer("content")[:10]
    return render(request, "households/import.html", {"form": form, "jobs": recent})


@login_required
def import_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_for_actor(
        selectors.import_job_qs(actor=request.user).defer("content"),
        request.user,
        Perm.IMPORT_HOUSEHOLDS,
        pk=pk,
    )
    errors = Paginator(job.errors, 200).get_page(request.GET.get("page"))
    running = job.status in (ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.APPLYING)
    template = (
        "households/_import_status.html"
        if request.headers.get("HX-Request")
        else "households/import_detail.html"
    )
    return render(request, template, {"job": job, "errors": errors, "running": running})


@login_required
@require_POST
def import_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_for_actor(
        selectors.import_job_qs(actor=request.user), request.user, Perm.IMPORT_HOUSEHOLDS, pk=pk
    )
    try:
        jobs.import_confirm(
            actor=request.user, job=job, good_rows_only=request.POST.get("good_rows_only") == "1"
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("households:import_detail", pk=job.pk)


@login_required
@require_POST
def import_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_for_actor(
        selectors.import_job_qs(actor=request.user), request.user, Perm.IMPORT_HOUSEHOLDS, pk=pk
    )
    try:
        jobs.import_cancel(actor=request.user, job=job)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("已取消，未导入任何数据。"))
    return redirect("households:import")


@login_required
@require_POST
def import_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_for_actor(
        selectors.import_job_qs(actor=request.user).defer("content"),
        request.user,
        Perm.IMPORT_HOUSEHOLDS,
        pk=pk,
    )
    try:
        jobs.import_retry(actor=request.user, job=job)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("households:import_detail", pk=job.pk)


@login_required
def import_errors(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_for_actor(
        selectors.import_job_qs(actor=request.user), request.user, Perm.IMPORT_HOUSEHOLDS, pk=pk
    )
    return _xlsx(excel.errors_workbook(job), f"minqing-import-errors-{job.pk}.xlsx")
