"""The mediation agreement: its steps on the dispute page, the printable agreement and its signed scan.

The steps: recording it, the signatures and seal, making it effective, judicial confirmation and the
performance follow-ups.
"""

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from minqing.core.errors import ServiceError
from minqing.core.request import AuthedRequest
from minqing.core.uploads import check_upload
from minqing.core.views_util import client_ip, inline_file

from .. import documents, selectors, services
from ..forms import (
    AgreementRecordForm,
    ConfirmForm,
    FollowUpForm,
    JudicialApplyForm,
    JudicialDecideForm,
    SignForm,
)
from ..models import Dispute
from .common import Step, cleaned


def _agreement(d: Dispute) -> Any:
    a = d.agreements.order_by("-reached_on", "-id").first()
    if a is None:
        raise ServiceError(_("尚未达成调解协议。"))
    return a


def _step_sign(request: AuthedRequest, d: Dispute, form: Any) -> object:
    c = form.cleaned_data
    scan = None
    upload = request.FILES.get("sign-scan")
    if upload is not None:
        scan = check_upload(upload.name or "", upload, upload.size)
    return services.agreement_sign(
        actor=request.user,
        agreement=_agreement(d),
        parties=list(c["parties"]),
        fingerprint=list(c["fingerprint"]),
        signed_on=c["signed_on"],
        mediator_signed=c["mediator_signed"],
        sealed=c["sealed"],
        scan=scan,
    )


def _step_follow(request: AuthedRequest, d: Dispute, form: Any) -> object:
    c = form.cleaned_data
    out = services.agreement_follow_up(
        actor=request.user,
        agreement=_agreement(d),
        checked_on=c["checked_on"],
        result=c["result"],
        note=c["note"],
        action=c["action"],
    )
    if out.petition is not None:
        messages.info(request, _("已转为诉求 %(code)s。") % {"code": out.petition.tracking_code})
    return out


STEPS: dict[str, Step] = {
    "agreement": (
        AgreementRecordForm,
        "agreement",
        lambda r, d, f: services.agreement_record(
            actor=r.user, dispute=d, data=services.AgreementData(**cleaned(f))
        ),
        _("已记录调解协议。"),
    ),
    "sign": (SignForm, "sign", _step_sign, _("已记录签名盖章。")),
    "effective": (
        ConfirmForm,
        "effective",
        lambda r, d, f: services.agreement_make_effective(actor=r.user, agreement=_agreement(d)),
        _("协议已生效。"),
    ),
    "judicial": (
        JudicialApplyForm,
        "judicial",
        lambda r, d, f: services.agreement_judicial_apply(
            actor=r.user, agreement=_agreement(d), **cleaned(f)
        ),
        _("已记录司法确认申请。"),
    ),
    "decide": (
        JudicialDecideForm,
        "decide",
        lambda r, d, f: services.agreement_judicial_decide(
            actor=r.user, agreement=_agreement(d), **cleaned(f)
        ),
        _("已记录法院裁定。"),
    ),
    "follow": (FollowUpForm, "follow", _step_follow, _("已记录履行回访。")),
}


def attachment_disposition(filename: str, fallback: str) -> str:
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@login_required
@require_GET
def agreement_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    d = selectors.dispute_get(actor=request.user, pk=pk)
    try:
        doc, content = documents.render(_agreement(d))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("mediation:detail", pk)
    services.agreement_print_record(actor=request.user, dispute=d, ip=client_ip(request))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = attachment_disposition(doc.filename, f"agreement-{d.code}.pdf")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def agreement_scan(request: AuthedRequest, pk: int) -> FileResponse:
    d = selectors.dispute_get(actor=request.user, pk=pk)
    a = d.agreements.order_by("-reached_on", "-id").first()
    if a is None or not a.scan:
        raise Http404
    services.agreement_scan_download(actor=request.user, agreement=a, ip=client_ip(request))
    return inline_file(a.scan, a.scan_content_type)
