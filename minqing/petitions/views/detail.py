"""Staff pages for requests: the work list, intake, the request page with its timeline and handling steps.

Views parse, call a service or selector, render. Who may take a step is decided by the services (and shown by
scoping's can_act helpers); a refused step comes back as a message on the page, never a 500.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from minqing.accounts.models import User
from minqing.core.errors import ConflictError, ServiceError
from minqing.core.paging import capped_page
from minqing.core.request import AuthedRequest
from minqing.core.uploads import check_upload
from minqing.core.views_util import apply_errors, client_ip, inline_file
from minqing.households.models import Household
from minqing.households.selectors import household_by_code
from minqing.regions.models import Level, Region, subtree_q
from minqing.regions.scoping import Perm, has_perm, regions_with, require, scope

from .. import documents, extensions, selectors, services
from ..access import can_act_on_petition
from ..forms.staff import (
    AcceptForm,
    AssignForm,
    BulkForm,
    CloseForm,
    ExtensionDecisionForm,
    ExtensionForm,
    FollowUpForm,
    IntakeForm,
    LinkForm,
    MergeForm,
    NotAcceptForm,
    ProgressForm,
    ReopenForm,
    ReplyForm,
    RouteForm,
    UrgeForm,
)
from ..models import (
    OPEN_STATUSES,
    Category,
    Channel,
    DueKind,
    HandlingLevel,
    Petition,
    Satisfaction,
    Stage,
    Status,
)


def _can_view(user: User) -> bool:
    return has_perm(user, Perm.VIEW_PETITIONS) or has_perm(user, Perm.HANDLE_ASSIGNED)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_filters(params: Any) -> selectors.ListFilters:
    """The list's query string → filters (shared with the export)."""
    return selectors.ListFilters(
        q=params.get("q", "").strip()[:50],
        status=params.get("status", "")[:20],
        category=_int(params.get("category")),
        region=params.get("region", "").strip()[:15],
        channel=params.get("channel", "")[:12],
        level=params.get("level", "")[:10],
        department=_int(params.get("department")),
        assignee=_int(params.get("assignee")),
        date_from=_date(params.get("date_from")),
        date_to=_date(params.get("date_to")),
        overdue=params.get("overdue") == "1",
        due_soon=params.get("due_soon") == "1",
        satisfaction=params.get("satisfaction", "")[:12],
        repeat=params.get("repeat") == "1",
        skip_level=params.get("skip_level") == "1",
        queue=params.get("queue", "")[:20] if params.get("queue", "") in selectors.QUEUES else "",
    )


def _villages(user: User) -> QuerySet[Region]:
    q = Q(pk__in=[])
    for path in regions_with(user, Perm.VIEW_PETITIONS):
        q |= subtree_q(path, "path")
    return Region.objects.filter(q, level__in=[Level.TOWNSHIP, Level.VILLAGE], is_active=True).order_by(
        "path"
    )


def _querystring(request: AuthedRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


_LABELLED = {
    "channel": Channel,
    "status": Status,
    "level": HandlingLevel,
    "satisfaction": Satisfaction,
    "due_kind": DueKind,
}


def _label_rows(rows: Any) -> None:
    """Each row's choice labels, translated once per page: get_FOO_display() rebuilds and hashes the whole
    choice list (lazy strings, each translated to be hashed) on every call, which a long list feels."""
    maps = {field: {value: str(label) for value, label in enum.choices} for field, enum in _LABELLED.items()}
    for p in rows:
        p.labels = {field: maps[field].get(getattr(p, field), "") for field in maps}


@login_required
def petition_list(request: AuthedRequest) -> HttpResponse:
    if not _can_view(request.user):
        raise PermissionDenied
    filters = parse_filters(request.GET)
    qs = selectors.petition_list(request.user, filters)
    page = capped_page(
        qs,
        30,
        request.GET.get("page"),
        count_from=selectors.petition_list(request.user, filters, for_sorted_page=False),
    )
    _label_rows(page.object_list)
    departments = selectors.departments_for(request.user)
    today = timezone.localdate()
    return render(
        request,
        "petitions/list.html",
        {
            "page": page,
            "f": filters,
            "today": today,
            "statuses": [*Status.choices, ("reopened", _("重新办理"))],
            "channels": Channel.choices,
            "levels": HandlingLevel.choices,
            "satisfactions": Satisfaction.choices,
            "categories": selectors.categories_tree(),
            "regions": _villages(request.user),
            "departments": departments,
            "queues": selectors.queue_labels(request.user),
            "can_intake": has_perm(request.user, Perm.INTAKE_PETITIONS),
            "can_export": has_perm(request.user, Perm.EXPORT_PETITIONS),
            "can_bulk": has_perm(request.user, Perm.HANDLE_PETITIONS),
            "bulk_form": BulkForm(departments=departments, prefix="bulk"),
            "querystring": _querystring(request),
        },
    )


@login_required
@require_POST
def petition_bulk(request: AuthedRequest) -> HttpResponse:
    """Assign or re-categorise the ticked requests; all or none."""
    require(request.user, Perm.HANDLE_PETITIONS)
    form = BulkForm(request.POST, departments=selectors.departments_for(request.user), prefix="bulk")
    ids = [i for i in (_int(v) for v in request.POST.getlist("ids")) if i is not None][:500]
    back = request.POST.get("next") or reverse("petitions:list")
    if not back.startswith("/"):
        back = reverse("petitions:list")
    if not ids:
        messages.error(request, _("请先勾选诉求。"))
        return HttpResponseRedirect(back)
    if not form.is_valid():
        messages.error(request, _("请选择批量操作。"))
        return HttpResponseRedirect(back)
    petitions = list(selectors.visible(request.user).filter(pk__in=ids))
    if len(petitions) != len(set(ids)):
        raise Http404
    d = form.cleaned_data
    try:
        if d["action"] == "assign":
            services.petitions_assign(actor=request.user, petitions=petitions, department=d["department"])
        else:
            if d["category"] is None:
                raise ValidationError({"category": [_("请选择分类。")]})
            services.petitions_recategorise(actor=request.user, petitions=petitions, category=d["category"])
    except (ServiceError, PermissionDenied) as exc:
        messages.error(request, str(getattr(exc, "message", "") or exc) or _("您没有执行此操作的权限。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已处理 %(n)d 件诉求。") % {"n": len(petitions)})
    return HttpResponseRedirect(back)


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
        household = household_by_code(request.user, code[:32])
        if household is not None:
            village = household.region if household.region.level == Level.VILLAGE else household.region.parent
            initial.update(
                household_code=household.code,
                region=village,
                submitter_name=household.head_name,
                submitter_phone=household.head.phone if household.head else "",
            )
    form = IntakeForm(request.POST or None, request.FILES or None, regions=regions, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            files = [check_upload(f.name or "", f, f.size) for f in request.FILES.getlist("attachments")]
            household = None
            if d["household_code"]:
                household = household_by_code(request.user, d["household_code"])
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
    if not _can_view(request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    region_id = _int(data.get("region"))
    category_id = _int(data.get("category"))
    region = Region.objects.filter(pk=region_id).first() if region_id else None
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    phone = "".join(ch for ch in data.get("submitter_phone", "") if ch.isdigit())[:11]
    found: list[Petition] = []
    if region is not None and (category is not None or len(phone) == 11):
        found = selectors.similar_recent(
            request.user, region_path=region.path, category=category, phone=phone
        )
    typed = extensions.TypedRequest(
        title=data.get("title", "")[:_HINT_TEXT_MAX],
        content=data.get("content", "")[:_HINT_TEXT_MAX],
        region_path=region.path if region is not None else "",
    )
    return render(request, "petitions/_similar.html", {"found": found[:8], "typed": typed})


# --- The request page -----------------------------------------------------------------------------------------


def _detail_context(request: AuthedRequest, p: Petition) -> dict[str, Any]:
    user = request.user
    can_act = can_act_on_petition(user, p)
    can_handle = has_perm(user, Perm.HANDLE_PETITIONS, p.handler_path)
    can_follow = has_perm(user, Perm.INTAKE_PETITIONS, p.region_path) or can_act
    v = {"version": p.version}
    departments = selectors.departments_for(user).filter(subtree_q(p.region_path[:9], "region_path"))
    assignees = User.objects.filter(is_active=True, departments__in=departments).distinct()
    allowed_levels = [
        (value, label)
        for value, label in HandlingLevel.choices
        if value != p.level and not (value == HandlingLevel.VILLAGE and p.region.level < Level.VILLAGE)
    ]
    route_form = RouteForm(initial=v, prefix="route")
    route_form.fields["to_level"].choices = allowed_levels  # type: ignore[attr-defined]
    open_ = p.status in OPEN_STATUSES
    return {
        "p": p,
        "events": selectors.petition_events(p),
        "attachments": p.attachments.all(),
        "repeats": selectors.visible(user).filter(repeat_of=p).order_by("-registered_on")[:10],
        "merged": selectors.visible(user).filter(merged_into=p),
        "today": timezone.localdate(),
        "can_act": can_act,
        "can_handle": can_handle,
        "can_follow": can_follow and p.status == Status.REPLIED,
        "can_approve": has_perm(user, Perm.APPROVE_EXTENSION, p.handler_path),
        "can_reveal": has_perm(user, Perm.REVEAL_IDENTITY, p.region_path),
        "show_accept": can_handle and p.status == Status.REGISTERED,
        "show_route": can_handle and p.status in (Status.REGISTERED, Status.ACCEPTED) and allowed_levels,
        "show_assign": can_handle and p.status in (Status.REGISTERED, Status.ACCEPTED),
        "show_progress": can_act and open_,
        "show_extension": can_act
        and p.status == Status.ACCEPTED
        and p.stage == Stage.INITIAL
        and not p.extension_days
        and not p.extension_requested_days,
        "show_reply": can_act and p.status == Status.ACCEPTED,
        "show_close": can_handle and p.status == Status.REPLIED,
        "show_reopen": can_act and p.status in (Status.REPLIED, Status.CLOSED),
        "show_merge": can_handle and open_,
        "accept_form": AcceptForm(initial=v, prefix="accept"),
        "not_accept_form": NotAcceptForm(initial=v, prefix="notaccept"),
        "route_form": route_form,
        "assign_form": AssignForm(
            departments=departments,
            assignees=assignees,
            prefix="assign",
            initial={"department": p.department_id, "assignee": p.assignee_id},
        ),
        "progress_form": ProgressForm(prefix="progress"),
        "extension_form": ExtensionForm(initial=v, prefix="ext"),
        "decision_form": ExtensionDecisionForm(initial=v, prefix="decide"),
        "reply_form": ReplyForm(initial=v, prefix="reply"),
        "follow_form": FollowUpForm(initial=v, prefix="follow"),
        "reopen_form": ReopenForm(prefix="reopen"),
        "close_form": CloseForm(
            initial={
                **v,
                "reform": "1" if p.category.reform_related else "0",
                "justified": "1",
                "solvable": "1",
                "grassroots": "1" if p.level != HandlingLevel.COUNTY else "0",
                "solved_level": p.level,
            },
            prefix="close",
        ),
        "merge_form": MergeForm(prefix="merge"),
        "link_form": LinkForm(prefix="link"),
        "urge_form": UrgeForm(prefix="urge"),
        "show_urge": open_ and has_perm(user, Perm.SUPERVISE_PETITIONS, p.region_path),
        "show_link": can_act and not p.is_repeat and p.status != Status.MERGED,
        "documents": documents.available(p),
    }


@login_required
def petition_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    p = selectors.petition_detail(request.user, pk)
    return render(request, "petitions/detail.html", _detail_context(request, p))


# Each step: (form class, prefix, the call with the cleaned data, the success message).
Step = tuple[type[forms.Form], str, Callable[[AuthedRequest, Petition, dict[str, Any]], object], str]


def _assign(request: AuthedRequest, p: Petition, d: dict[str, Any]) -> object:
    return services.petitions_assign(
        actor=request.user, petitions=[p], department=d["department"], assignee=d["assignee"], note=d["note"]
    )


def _merge(request: AuthedRequest, p: Petition, d: dict[str, Any]) -> object:
    target = selectors.visible_by_code(request.user, d["target_code"])
    if target is None:
        raise ValidationError({"target_code": [_("找不到该查询码的诉求。")]})
    return services.petition_merge(actor=request.user, source=p, target=target, note=d["note"])


def _link(request: AuthedRequest, p: Petition, d: dict[str, Any]) -> object:
    earlier = selectors.visible_by_code(request.user, d["earlier_code"])
    if earlier is None:
        raise ValidationError({"earlier_code": [_("找不到该查询码的诉求。")]})
    return services.petition_link(actor=request.user, petition=p, earlier=earlier, note=d["note"])


def _close(request: AuthedRequest, p: Petition, d: dict[str, Any]) -> object:
    return services.petition_close(
        actor=request.user,
        petition=p,
        version=d["version"],
        judgements=services.Judgements(
            reform=d["reform"],
            justified=d["justified"],
            solvable=d["solvable"],
            grassroots=d["grassroots"],
            solved_level=d["solved_level"],
        ),
        note=d["note"],
    )


STEPS: dict[str, Step] = {
    "accept": (
        AcceptForm,
        "accept",
        lambda r, p, d: services.petition_accept(
            actor=r.user, petition=p, version=d["version"], note=d["note"]
        ),
        _("已受理。"),
    ),
    "not_accept": (
        NotAcceptForm,
        "notaccept",
        lambda r, p, d: services.petition_not_accept(
            actor=r.user, petition=p, version=d["version"], reason=d["reason"]
        ),
        _("已作出不予受理决定。"),
    ),
    "route": (
        RouteForm,
        "route",
        lambda r, p, d: services.petition_route(
            actor=r.user, petition=p, version=d["version"], to_level=d["to_level"], reason=d["reason"]
        ),
        _("已转交。"),
    ),
    "assign": (AssignForm, "assign", _assign, _("已指定承办。")),
    "progress": (
        ProgressForm,
        "progress",
        lambda r, p, d: services.petition_progress(
            actor=r.user, petition=p, note=d["note"], public_note=d["public_note"]
        ),
        _("已记录办理进展。"),
    ),
    "extension": (
        ExtensionForm,
        "ext",
        lambda r, p, d: services.petition_request_extension(
            actor=r.user, petition=p, version=d["version"], days=d["days"], reason=d["reason"]
        ),
        _("延期申请已提交，待领导审批。"),
    ),
    "decide_extension": (
        ExtensionDecisionForm,
        "decide",
        lambda r, p, d: services.petition_decide_extension(
            actor=r.user, petition=p, version=d["version"], approve=d["approve"], note=d["note"]
        ),
        _("已审批。"),
    ),
    "reply": (
        ReplyForm,
        "reply",
        lambda r, p, d: services.petition_reply(
            actor=r.user, petition=p, version=d["version"], text=d["text"]
        ),
        _("已答复，请按期回访。"),
    ),
    "follow_up": (
        FollowUpForm,
        "follow",
        lambda r, p, d: services.petition_follow_up(
            actor=r.user,
            petition=p,
            version=d["version"],
            method=d["method"],
            satisfaction=d["satisfaction"],
            note=d["note"],
        ),
        _("已记录回访结果。"),
    ),
    "reopen": (
        ReopenForm,
        "reopen",
        lambda r, p, d: services.petition_reopen(
            actor=r.user, petition=p, reason=d["reason"], ip=client_ip(r)
        ),
        _("已重新办理。"),
    ),
    "close": (CloseForm, "close", _close, _("已办结。")),
    "merge": (MergeForm, "merge", _merge, _("已合并。")),
    "link": (LinkForm, "link", _link, _("已标记为重复访。")),
    "urge": (
        UrgeForm,
        "urge",
        lambda r, p, d: services.petition_urge(actor=r.user, petition=p, note=d["note"]),
        _("已督办，承办人将收到提醒。"),
    ),
}


@login_required
@require_POST
def petition_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    p = selectors.petition_detail(request.user, pk)
    form_class, prefix, call, done = STEPS[step]
    kwargs: dict[str, Any] = {"prefix": prefix}
    if form_class is AssignForm:
        ctx_depts = selectors.departments_for(request.user)
        kwargs.update(
            departments=ctx_depts,
            assignees=User.objects.filter(is_active=True, departments__in=ctx_depts).distinct(),
        )
    form = form_class(request.POST, **kwargs)
    conflict = False
    if form.is_valid():
        try:
            call(request, p, form.cleaned_data)
        except ConflictError as exc:
            conflict = True  # someone else changed the request since this page was read
            apply_errors(form, exc)
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
        else:
            messages.success(request, done)
            return redirect("petitions:detail", p.pk)
    # Show the page again with the failed step's form and its errors, keeping what was typed.
    p = selectors.petition_detail(request.user, pk)
    context = _detail_context(request, p)
    context_key = {
        "accept": "accept_form",
        "not_accept": "not_accept_form",
        "route": "route_form",
        "assign": "assign_form",
        "progress": "progress_form",
        "extension": "extension_form",
        "decide_extension": "decision_form",
        "reply": "reply_form",
        "follow_up": "follow_form",
        "reopen": "reopen_form",
        "close": "close_form",
        "merge": "merge_form",
        "link": "link_form",
        "urge": "urge_form",
    }[step]
    if step == "route":
        form.fields["to_level"].choices = context["route_form"].fields["to_level"].choices  # type: ignore[attr-defined]
    context[context_key] = form
    context["failed_step"] = step
    for error in form.non_field_errors():
        messages.error(request, str(error))
    status = 409 if conflict else 400
    return render(request, "petitions/detail.html", context, status=status)


@login_required
@require_POST
def petition_attach(request: AuthedRequest, pk: int) -> HttpResponse:
    p = selectors.petition_detail(request.user, pk)
    try:
        files = [check_upload(f.name or "", f, f.size) for f in request.FILES.getlist("files")]
        if not files:
            raise ServiceError(_("请选择要上传的文件。"))
        services.petition_attach(actor=request.user, petition=p, files=files)
    except ServiceError as exc:
        messages.error(request, exc.message)
    except PermissionDenied:
        messages.error(request, _("您没有执行此操作的权限。"))
    else:
        messages.success(request, _("已上传附件。"))
    return redirect("petitions:detail", p.pk)


@login_required
def attachment_download(request: AuthedRequest, pk: int, attachment_id: int) -> FileResponse:
    p = selectors.petition_detail(request.user, pk)
    attachment = p.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    # Images and PDFs open in the browser; nothing else is ever stored (files.check_upload).
    return inline_file(attachment.file, attachment.content_type)


@login_required
def closure_report(request: AuthedRequest) -> HttpResponse:
    """The four 80% and where matters were solved, per village, category or month."""
    require(request.user, Perm.VIEW_PETITIONS)
    today = timezone.localdate()
    date_from = _date(request.GET.get("date_from")) or today.replace(month=1, day=1)
    date_to = _date(request.GET.get("date_to")) or today
    group = request.GET.get("group", "village")
    if group not in ("village", "category", "month"):
        group = "village"
    total, rows = selectors.closure_report(request.user, group=group, date_from=date_from, date_to=date_to)
    return render(
        request,
        "petitions/report.html",
        {"total": total, "rows": rows, "group": group, "date_from": date_from, "date_to": date_to},
    )
