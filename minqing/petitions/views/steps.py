"""The handling steps on the request page, one POST each.

A step parses its form and calls its service; a refusal shows the page again with the form, its errors and
what was typed (409 on a conflict, 400 otherwise), never a 500.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.core.errors import ConflictError, ServiceError
from minqing.core.request import AuthedRequest
from minqing.core.views_util import apply_errors, client_ip
from minqing.regions.models import PATH_DIGITS, Level, subtree_q

from .. import selectors, services
from ..forms.staff import (
    AcceptForm,
    AssignForm,
    CloseForm,
    ExtensionDecisionForm,
    ExtensionForm,
    FollowUpForm,
    LinkForm,
    MergeForm,
    NotAcceptForm,
    ProgressForm,
    ReopenForm,
    ReplyForm,
    RouteForm,
    TransferForm,
    UrgeForm,
    transfer_choices,
)
from ..models import Petition
from .detail import detail_context

# Each step: (form class, prefix, the call with the cleaned data, the success message).
Step = tuple[type[forms.Form], str, Callable[[AuthedRequest, Petition, dict[str, Any]], object], str]


def _assign(request: AuthedRequest, p: Petition, d: dict[str, Any]) -> object:
    return services.petitions_assign(
        actor=request.user, petitions=[p], department=d["department"], assignee=d["assignee"], note=d["note"]
    )


def _merge(request: AuthedRequest, p: Petition, d: dict[str, Any]) -> object:
    target = selectors.petition_get_by_code(actor=request.user, code=d["target_code"])
    if target is None:
        raise ValidationError({"target_code": [_("找不到该查询码的诉求。")]})
    return services.petition_merge(actor=request.user, source=p, target=target, note=d["note"])


def _link(request: AuthedRequest, p: Petition, d: dict[str, Any]) -> object:
    earlier = selectors.petition_get_by_code(actor=request.user, code=d["earlier_code"])
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
    "transfer": (
        TransferForm,
        "transfer",
        lambda r, p, d: services.petition_transfer(
            actor=r.user, petition=p, version=d["version"], region=d["region"], reason=d["reason"]
        ),
        _("已转交该乡镇办理。"),
    ),
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
    p = selectors.petition_get(actor=request.user, pk=pk)
    form_class, prefix, call, done = STEPS[step]
    kwargs: dict[str, Any] = {"prefix": prefix}
    if form_class is AssignForm:
        kwargs["departments"] = selectors.department_qs(actor=request.user).filter(
            subtree_q(p.region_path[: PATH_DIGITS[Level.TOWNSHIP]], "region_path")
        )
    if form_class is TransferForm:
        kwargs["choices"] = transfer_choices(p.region_path)
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
            if (
                step == "transfer"
                and selectors.petition_get_by_code(actor=request.user, code=p.tracking_code) is None
            ):
                return redirect("petitions:list")  # passed to a township out of the sender's reach
            return redirect("petitions:detail", p.pk)
    # Show the page again with the failed step's form and its errors, keeping what was typed.
    p = selectors.petition_get(actor=request.user, pk=pk)
    context = detail_context(request, p)
    context_key = {
        "accept": "accept_form",
        "not_accept": "not_accept_form",
        "route": "route_form",
        "assign": "assign_form",
        "transfer": "transfer_form",
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
