"""Household registry pages: parse, call a service or selector, render."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.core.errors import ServiceError
from minqing.core.request import AuthedRequest
from minqing.core.views_util import apply_errors, client_ip
from minqing.regions.scoping import Perm, has_perm, require

from . import selectors, services
from .forms import (
    DeathForm,
    HouseholdCreateForm,
    HouseholdFieldsForm,
    MoveForm,
    PersonForm,
    RelationForm,
    RelationUpdateForm,
    SplitForm,
)
from .models import DifficultyTag, HouseholdStatus, Relation

FIELD_NAME = re.compile(r"[a-z][a-z0-9_-]{0,40}")


def _filters(request: AuthedRequest) -> dict[str, str | bool]:
    return {
        "q": request.GET.get("q", "").strip()[:50],
        "village": request.GET.get("village", "").strip()[:15],
        "tag": request.GET.get("tag", "").strip()[:30],
        "feud": request.GET.get("feud") == "1",
        "status": request.GET.get("status", HouseholdStatus.ACTIVE)[:10],
    }


def _without_page(request: AuthedRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def household_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_HOUSEHOLDS)
    filters = _filters(request)
    qs = selectors.household_list(actor=request.user, **filters)  # type: ignore[arg-type]
    page = Paginator(qs.prefetch_related("tags"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "households/list.html",
        {
            "page": page,
            "filters": filters,
            "villages": selectors.village_qs(actor=request.user),
            "tags": DifficultyTag.objects.filter(is_active=True),
            "can_edit": has_perm(request.user, Perm.EDIT_HOUSEHOLDS),
            "can_import": has_perm(request.user, Perm.IMPORT_HOUSEHOLDS),
            "can_export": has_perm(request.user, Perm.EXPORT_HOUSEHOLDS),
            "querystring": _without_page(request),
        },
    )


@login_required
def search(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_HOUSEHOLDS)
    q = request.GET.get("q", "").strip()[:50]
    result = selectors.registry_search(actor=request.user, query=q)
    return render(request, "households/search.html", {"q": q, "result": result})


@login_required
def household_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    detail = selectors.household_detail(actor=request.user, pk=pk)
    h = detail.household
    return render(
        request,
        "households/detail.html",
        {
            "d": detail,
            "h": h,
            "can_edit": has_perm(request.user, Perm.EDIT_HOUSEHOLDS, h.region_path),
            "can_reveal": has_perm(request.user, Perm.REVEAL_IDENTITY, h.region_path),
            "can_relate": has_perm(request.user, Perm.RECORD_RELATIONS, h.region_path),
        },
    )


@login_required
def household_create(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_HOUSEHOLDS)
    regions = selectors.region_qs_for_households(actor=request.user)
    form = HouseholdCreateForm(request.POST or None, regions=regions, prefix="h")
    head = PersonForm(request.POST or None, prefix="p", initial={"relation": Relation.HEAD})
    head.fields["relation"].disabled = True
    if request.method == "POST" and form.is_valid() and head.is_valid():
        d = form.cleaned_data
        try:
            h = services.household_create(
                actor=request.user,
                region=d["region"],
                head=head.person(),
                code=d["code"],
                address=d["address"],
                housing=d["housing"],
                land=form.land(),
                tags=list(d["tags"]),
                notes=d["notes"],
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(head, exc)
        else:
            messages.success(request, _("已建档：%(h)s") % {"h": h})
            return redirect("households:detail", pk=h.pk)
    return render(request, "households/form_household.html", {"form": form, "head": head, "creating": True})


@login_required
def household_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    h = selectors.household_get(actor=request.user, pk=pk)
    require(request.user, Perm.EDIT_HOUSEHOLDS, h.region_path)
    initial = {
        "region": h.region,
        "address": h.address,
        "housing": h.housing,
        "land_farmland": h.land_farmland,
        "land_forest": h.land_forest,
        "land_garden": h.land_garden,
        "land_homestead": h.land_homestead,
        "tags": list(h.tags.all()),
        "notes": h.notes,
        "version": h.version,
    }
    regions = selectors.region_qs_for_households(actor=request.user)
    form = HouseholdFieldsForm(request.POST or None, initial=initial, regions=regions, prefix="h")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.household_update(
                actor=request.user,
                household=h,
                version=d["version"] or 0,
                region=d["region"],
                address=d["address"],
                housing=d["housing"],
                notes=d["notes"],
                tags=list(d["tags"]),
                **form.land(),
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("households:detail", pk=h.pk)
    return render(request, "households/form_household.html", {"form": form, "h": h})


@login_required
def member_add(request: AuthedRequest, pk: int) -> HttpResponse:
    h = selectors.household_get(actor=request.user, pk=pk)
    require(request.user, Perm.EDIT_HOUSEHOLDS, h.region_path)
    form = PersonForm(request.POST or None, prefix="p")
    birth = request.GET.get("birth") == "1" or request.POST.get("birth") == "1"
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_add(
                actor=request.user,
                household=h,
                person=form.person(),
                reason="birth" if birth else "move_in",
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已添加成员。"))
            return redirect("households:detail", pk=h.pk)
    return render(request, "households/form_member.html", {"form": form, "h": h, "birth": birth})


@login_required
def member_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    r = selectors.resident_get(actor=request.user, pk=pk)
    require(request.user, Perm.EDIT_HOUSEHOLDS, r.region_path)
    can_reveal = has_perm(request.user, Perm.REVEAL_IDENTITY, r.region_path)
    form = PersonForm(
        request.POST or None,
        initial=PersonForm.initial_for(r),
        prefix="p",
        reveal_for=r if can_reveal else None,
    )
    if r.relation == Relation.HEAD:
        form.fields["relation"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_update(
                actor=request.user, resident=r, version=form.cleaned_data["version"], person=form.person()
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("households:detail", pk=r.household_id)
    return render(request, "households/form_member.html", {"form": form, "h": r.household, "resident": r})


@login_required
def member_move(request: AuthedRequest, pk: int) -> HttpResponse:
    r = selectors.resident_get(actor=request.user, pk=pk)
    require(request.user, Perm.EDIT_HOUSEHOLDS, r.region_path)
    form = MoveForm(request.POST or None, initial={"on": timezone.localdate(), "relation": Relation.OTHER})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        target = selectors.household_get_by_code(actor=request.user, code=d["to_household"])
        if target is None:
            form.add_error("to_household", _("找不到该户编号，或不在您的辖区内。"))
        else:
            try:
                services.resident_move(
                    actor=request.user, resident=r, to_household=target, relation=d["relation"], on=d["on"]
                )
            except (ValidationError, ServiceError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已迁至 %(h)s。") % {"h": target})
                return redirect("households:detail", pk=target.pk)
    return render(
        request,
        "households/form_simple.html",
        {"form": form, "h": r.household, "title": _("成员迁移：%(n)s") % {"n": r.name}},
    )


@login_required
def member_death(request: AuthedRequest, pk: int) -> HttpResponse:
    r = selectors.resident_get(actor=request.user, pk=pk)
    require(request.user, Perm.EDIT_HOUSEHOLDS, r.region_path)
    form = DeathForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_record_death(actor=request.user, resident=r, on=form.cleaned_data["on"])
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记死亡：%(n)s") % {"n": r.name})
            return redirect("households:detail", pk=r.household_id)
    return render(
        request,
        "households/form_simple.html",
        {"form": form, "h": r.household, "title": _("登记死亡：%(n)s") % {"n": r.name}},
    )


@login_required
@require_POST
def change_head(request: AuthedRequest, pk: int) -> HttpResponse:
    r = selectors.resident_get(actor=request.user, pk=pk)
    if r.household is None:
        raise Http404
    try:
        services.household_change_head(actor=request.user, household=r.household, new_head=r)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("户主已变更为 %(n)s。") % {"n": r.name})
    return redirect("households:detail", pk=r.household_id)


@login_required
def household_split(request: AuthedRequest, pk: int) -> HttpResponse:
    h = selectors.household_get(actor=request.user, pk=pk)
    require(request.user, Perm.EDIT_HOUSEHOLDS, h.region_path)
    members = h.members.filter(is_deceased=False).exclude(pk=h.head_id or 0)
    form = SplitForm(request.POST or None, members=members, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            new = services.household_split(
                actor=request.user,
                household=h,
                members=list(d["members"]),
                new_head=d["new_head"],
                address=d["address"],
                on=d["on"],
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已分户：%(h)s") % {"h": new})
            return redirect("households:detail", pk=new.pk)
    return render(request, "households/form_simple.html", {"form": form, "h": h, "title": _("分户")})


@login_required
def relation_add(request: AuthedRequest, pk: int) -> HttpResponse:
    h = selectors.household_get(actor=request.user, pk=pk)
    require(request.user, Perm.RECORD_RELATIONS, h.region_path)
    form = RelationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        other = selectors.household_get_by_code(actor=request.user, code=d["other_code"])
        if other is None:
            form.add_error("other_code", _("找不到该户编号，或不在您的辖区内。"))
        else:
            try:
                services.relation_record(
                    actor=request.user,
                    household_a=h,
                    household_b=other,
                    kind=d["kind"],
                    subject=d["subject"],
                    since=d["since"],
                    severity=d["severity"],
                    status=d["status"],
                    notes=d["notes"],
                )
            except (ValidationError, ServiceError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已登记。"))
                return redirect("households:detail", pk=h.pk)
    return render(request, "households/form_simple.html", {"form": form, "h": h, "title": _("登记户间关系")})


@login_required
def relation_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    rel, h = selectors.relation_get(actor=request.user, pk=pk)
    require(request.user, Perm.RECORD_RELATIONS, h.region_path)
    form = RelationUpdateForm(request.POST or None, initial=RelationUpdateForm.initial_for(rel))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.relation_update(
                actor=request.user,
                relation=rel,
                version=d["version"],
                status=d["status"],
                severity=d["severity"],
                notes=d["notes"],
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已更新。"))
            return redirect("households:detail", pk=h.pk)
    return render(request, "households/form_simple.html", {"form": form, "h": h, "title": _("更新过结状态")})


@login_required
@require_POST
def reveal(request: AuthedRequest, pk: int, what: str) -> HttpResponse:
    r = selectors.resident_get(actor=request.user, pk=pk)
    if what not in ("id_number", "phone"):
        raise Http404
    value = services.resident_reveal(actor=request.user, resident=r, what=what, ip=client_ip(request))
    into = request.POST.get("into", "")
    if FIELD_NAME.fullmatch(into):
        # Asked for by an edit form: the full value goes into the field in place of the mask.
        return render(request, "households/_revealed_input.html", {"value": value, "name": into})
    return render(request, "households/_revealed.html", {"value": value})
