"""The office pages of the policy library: list and search, a policy with its versions, and the forms that add,
edit, version and retire policies. Parse, call, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from minqing.core.errors import ServiceError, ValidationError
from minqing.core.request import AuthedRequest
from minqing.core.views_util import apply_errors
from minqing.regions.scoping import Perm, has_perm, require

from .. import selectors, services
from ..access import can_manage_policy
from ..forms import NewVersionForm, PolicyForm, RetireForm, VersionForm
from .common import choices, filters_from

PER_PAGE = 30
TEMPLATES = "policies/"


def _can_read(request: AuthedRequest) -> None:
    if not (has_perm(request.user, Perm.VIEW_POLICIES) or has_perm(request.user, Perm.MANAGE_POLICIES)):
        raise PermissionDenied(_("您没有查看政策库的权限。"))


@login_required
@require_GET
def policy_list(request: AuthedRequest) -> HttpResponse:
    _can_read(request)
    q, filters, shown = filters_from(request.GET)
    hits = selectors.policy_search(actor=request.user, q=q, filters=filters)
    page = Paginator(hits, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        TEMPLATES + "list.html",
        {
            "page": page,
            "filters": shown,
            "querystring": query.urlencode(),
            "can_manage": has_perm(request.user, Perm.MANAGE_POLICIES),
            **choices(),
        },
    )


@login_required
@require_GET
def policy_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _can_read(request)
    policy = selectors.policy_get(actor=request.user, pk=pk)
    today = timezone.localdate()
    current = selectors.version_current(policy=policy, on=today)
    return render(
        request,
        TEMPLATES + "detail.html",
        {
            "policy": policy,
            "current": current,
            "shown": current or selectors.version_shown(policy=policy, on=today),
            "versions": list(policy.versions.all()),
            "today": today,
            "can_manage": can_manage_policy(request.user, policy),
        },
    )


def _policy_form(request: AuthedRequest, **kwargs: Any) -> PolicyForm:
    return PolicyForm(
        request.POST if request.method == "POST" else None,
        regions=selectors.policy_region_choices(actor=request.user),
        departments=selectors.policy_department_choices(actor=request.user),
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_new(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_POLICIES)
    form = _policy_form(request, prefix="p")
    version_form = VersionForm(
        request.POST if request.method == "POST" else None,
        prefix="v",
        initial={"effective_from": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid() and version_form.is_valid():
            try:
                policy = services.policy_create(
                    actor=request.user, policy=form.data_out(), version=version_form.data_out()
                )
            except ValidationError as exc:
                _split_errors(exc, form, version_form)
            except (ServiceError, PermissionDenied) as exc:
                form.add_error(None, str(getattr(exc, "message", exc)))
            else:
                messages.success(request, _("已加入政策库：%(name)s") % {"name": policy.name})
                return redirect("policies:detail", policy.pk)
        status = 400
    return render(
        request,
        TEMPLATES + "form.html",
        {"form": form, "version_form": version_form, "title": _("新增政策")},
        status=status,
    )


def _split_errors(exc: ValidationError, *forms: Any) -> None:
    """Put each field's message on the form that has the field, the rest on the first form."""
    if not hasattr(exc, "error_dict"):
        apply_errors(forms[0], exc)
        return
    for name, errors in exc.message_dict.items():
        target = next((f for f in forms if name in f.fields), None)
        if target is None:
            forms[0].add_error(None, errors)
        else:
            target.add_error(name, errors)


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _can_read(request)
    policy = selectors.policy_get(actor=request.user, pk=pk)
    if not can_manage_policy(request.user, policy):
        raise PermissionDenied(_("您没有维护该政策的权限。"))
    form = _policy_form(request, initial=PolicyForm.initial_for(policy))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.policy_update(
                    actor=request.user,
                    policy=policy,
                    data=form.data_out(),
                    seen=form.cleaned_data.get("seen"),
                )
            except (ValidationError, ServiceError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("policies:detail", policy.pk)
        status = 400
    return render(
        request,
        TEMPLATES + "form.html",
        {"form": form, "policy": policy, "title": _("修改政策信息")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_version_new(request: AuthedRequest, pk: int) -> HttpResponse:
    _can_read(request)
    policy = selectors.policy_get(actor=request.user, pk=pk)
    if not can_manage_policy(request.user, policy):
        raise PermissionDenied(_("您没有维护该政策的权限。"))
    latest = selectors.version_shown(policy=policy)
    initial = {**VersionForm.initial_from(latest), "seen": policy.version}
    form = NewVersionForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                version = services.policy_version_add(
                    actor=request.user,
                    policy=policy,
                    data=form.data_out(),
                    seen=form.cleaned_data.get("seen"),
                )
            except (ValidationError, ServiceError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已新增第 %(n)d 版，自 %(day)s 起施行。")
                    % {"n": version.number, "day": version.effective_from.isoformat()},
                )
                return redirect("policies:detail", policy.pk)
        status = 400
    return render(
        request,
        TEMPLATES + "form.html",
        {"version_form": form, "policy": policy, "title": _("新增版本（标准或条件调整）")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_retire(request: AuthedRequest, pk: int) -> HttpResponse:
    _can_read(request)
    policy = selectors.policy_get(actor=request.user, pk=pk)
    if not can_manage_policy(request.user, policy):
        raise PermissionDenied(_("您没有维护该政策的权限。"))
    form = RetireForm(
        request.POST if request.method == "POST" else None,
        initial={"on": timezone.localdate(), "seen": policy.version},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.policy_retire(
                    actor=request.user, policy=policy, on=d["on"], reason=d["reason"], seen=d.get("seen")
                )
            except (ValidationError, ServiceError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已废止。"))
                return redirect("policies:detail", policy.pk)
        status = 400
    return render(
        request,
        TEMPLATES + "form.html",
        {"form": form, "policy": policy, "title": _("废止政策")},
        status=status,
    )
