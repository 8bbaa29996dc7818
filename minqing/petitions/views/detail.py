"""The request page: its timeline, the forms of the steps the user may take, and its attachments.

Who may take a step is decided by the services (and shown by the access helpers); the steps themselves are
in `steps`.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.core.errors import ServiceError
from minqing.core.request import AuthedRequest
from minqing.core.uploads import check_upload
from minqing.core.views_util import client_ip, inline_file
from minqing.regions.models import Level, subtree_q
from minqing.regions.scoping import Perm, has_perm

from .. import documents, selectors, services
from ..access import can_act_on_petition
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
from ..models import OPEN_STATUSES, HandlingLevel, Petition, Stage, Status


def detail_context(request: AuthedRequest, p: Petition) -> dict[str, Any]:
    user = request.user
    can_act = can_act_on_petition(user, p)
    can_handle = has_perm(user, Perm.HANDLE_PETITIONS, p.handler_path)
    can_follow = has_perm(user, Perm.INTAKE_PETITIONS, p.region_path) or can_act
    v = {"version": p.version}
    departments = selectors.department_qs(actor=user).filter(subtree_q(p.region_path[:9], "region_path"))
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
        "events": selectors.petition_event_list(petition=p),
        "attachments": p.attachments.all(),
        "repeats": selectors.petition_qs(actor=user).filter(repeat_of=p).order_by("-registered_on")[:10],
        "similar": selectors.petition_list_similar_to(actor=user, petition=p),
        "merged": selectors.petition_qs(actor=user).filter(merged_into=p),
        "today": timezone.localdate(),
        "can_act": can_act,
        "can_handle": can_handle,
        "can_follow": can_follow and p.status == Status.REPLIED,
        "can_approve": has_perm(user, Perm.APPROVE_EXTENSION, p.handler_path),
        "can_reveal": has_perm(user, Perm.REVEAL_IDENTITY, p.region_path),
        "show_accept": can_handle and p.status == Status.REGISTERED,
        "show_route": can_handle and p.status in (Status.REGISTERED, Status.ACCEPTED) and allowed_levels,
        "show_assign": can_handle and p.status in (Status.REGISTERED, Status.ACCEPTED),
        "show_transfer": can_handle and p.status in (Status.REGISTERED, Status.ACCEPTED),
        "transfer_form": TransferForm(initial=v, prefix="transfer", choices=transfer_choices(p.region_path)),
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
    p = selectors.petition_get(actor=request.user, pk=pk)
    return render(request, "petitions/detail.html", detail_context(request, p))


@login_required
@require_POST
def petition_reveal(request: AuthedRequest, pk: int, what: str) -> HttpResponse:
    """The petitioner's full ID number or phone in place of the mask; an audited reveal."""
    p = selectors.petition_get(actor=request.user, pk=pk)
    if what not in services.REVEALABLE:
        raise Http404
    value = services.petition_reveal(actor=request.user, petition=p, what=what, ip=client_ip(request))
    return render(request, "petitions/_revealed.html", {"value": value})


@login_required
@require_POST
def petition_attach(request: AuthedRequest, pk: int) -> HttpResponse:
    p = selectors.petition_get(actor=request.user, pk=pk)
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
    p = selectors.petition_get(actor=request.user, pk=pk)
    attachment = p.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    services.attachment_download(actor=request.user, petition=p, attachment=attachment, ip=client_ip(request))
    # Images and PDFs open in the browser; nothing else is ever stored (files.check_upload).
    return inline_file(attachment.file, attachment.content_type)
