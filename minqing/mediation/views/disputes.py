"""Pages for disputes, mediation and 大排查 campaigns: parse, call a service or selector, render."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from minqing.audit.models import Action
from minqing.audit.services import audit_record
from minqing.core.errors import ServiceError, ValidationError
from minqing.core.paging import capped_page
from minqing.core.request import AuthedRequest
from minqing.core.uploads import check_upload
from minqing.core.views_util import apply_errors, client_ip, inline_file
from minqing.households.selectors import household_get
from minqing.households.selectors import search as registry_search
from minqing.petitions.selectors import petition_detail as petition_get
from minqing.regions.scoping import Perm, has_perm, regions_with, require, scope

from .. import documents, selectors, services
from ..forms import (
    AgreementRecordForm,
    CampaignForm,
    CloseForm,
    ConfirmForm,
    DisputeForm,
    EndForm,
    FollowUpForm,
    JudicialApplyForm,
    JudicialDecideForm,
    PartyAddForm,
    RefuseForm,
    RiskForm,
    SessionForm,
    SignForm,
    StartForm,
    ToPetitionForm,
    VillageReportForm,
)
from ..models import (
    OPEN_DISPUTE_STATUSES,
    AgreementForm,
    CampaignStatus,
    Dispute,
    DisputeKind,
    DisputeStatus,
    MediationStatus,
    Performance,
    RiskLevel,
    Side,
)

PER_PAGE = 30


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# ----------------------------------------------------------------------------------------------------------
# Disputes


@login_required
def dispute_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_DISPUTES)
    g = request.GET
    status = g.get("status", "")
    f = selectors.DisputeFilters(
        status=status if status in DisputeStatus.values else "",
        open_only=status == "open",
        risk=_int(g.get("risk")),
        village=_int(g.get("village")),
        kind=g.get("kind", "") if g.get("kind", "") in DisputeKind.values else "",
        campaign=_int(g.get("campaign")),
        q=g.get("q", "").strip()[:50],
    )
    page = capped_page(selectors.dispute_list(request.user, f), PER_PAGE, g.get("page"))
    query = g.copy()
    query.pop("page", None)
    return render(
        request,
        "mediation/list.html",
        {
            "page": page,
            "filters": f,
            "status": status,
            "statuses": DisputeStatus.choices,
            "risks": RiskLevel.choices,
            "kinds": DisputeKind.choices,
            "villages": selectors.villages_for(request.user),
            "campaigns": selectors.campaigns_visible(request.user)[:20],
            "querystring": query.urlencode(),
            "can_record": has_perm(request.user, Perm.RECORD_DISPUTES),
            "can_campaign": has_perm(request.user, Perm.VIEW_DISPUTES),
        },
    )


def _parse_parties(request: AuthedRequest) -> tuple[list[services.PartyData], list[str]]:
    """Registry parties picked in the form ("r:<id>:<side>" / "h:<id>:<side>") and outside parties by name."""
    out: list[services.PartyData] = []
    problems: list[str] = []
    seen: set[str] = set()
    for raw in request.POST.getlist("party"):
        if raw in seen:
            continue
        seen.add(raw)
        kind, _sep, rest = raw.partition(":")
        pk, _sep, side = rest.partition(":")
        if side not in Side.values or not pk.isdigit() or kind not in ("r", "h"):
            problems.append(_("当事人选择不正确。"))
            continue
        if kind == "r":
            resident = selectors.party_resident(actor=request.user, pk=int(pk))
            if resident is None:
                problems.append(_("所选当事人不存在或不在您负责的村（社区）范围内。"))
                continue
            out.append(services.PartyData(side=side, resident=resident))
        else:
            household = selectors.party_household(actor=request.user, pk=int(pk))
            if household is None:
                problems.append(_("所选当事人不存在或不在您负责的村（社区）范围内。"))
                continue
            out.append(services.PartyData(side=side, household=household))
    for side, name in ((Side.A, "outside_a"), (Side.B, "outside_b")):
        for line in request.POST.get(name, "").splitlines():
            if line.strip():
                out.append(services.PartyData(side=side, name=line.strip()[:100]))
    return out, problems


def _picked(parties: list[services.PartyData]) -> list[dict[str, Any]]:
    """The registry parties already picked, to show again when the form comes back with errors."""
    rows = []
    for p in parties:
        if p.resident is not None:
            rows.append({"value": f"r:{p.resident.pk}:{p.side}", "label": p.resident.name, "side": p.side})
        elif p.household is not None:
            rows.append({"value": f"h:{p.household.pk}:{p.side}", "label": str(p.household), "side": p.side})
    return rows


@dataclass(frozen=True)
class DisputeSource:
    """A record of another app that a new dispute is made from (a visit, see visits.views.visit_dispute_new):
    what the form starts with, how the dispute is written (the source links itself), and what the page says."""

    initial: dict[str, Any]
    picked: list[dict[str, Any]]
    create: Callable[..., Dispute]
    context: dict[str, Any]


@login_required
def dispute_new(request: AuthedRequest) -> HttpResponse:
    return dispute_form(request, source=None)


def dispute_form(request: AuthedRequest, *, source: DisputeSource | None) -> HttpResponse:
    """The new-dispute page, from scratch or from a request, a household, a campaign or another app's record."""
    require(request.user, Perm.RECORD_DISPUTES)
    villages = selectors.villages_for(request.user, Perm.RECORD_DISPUTES)
    staff_path = min(regions_with(request.user, Perm.RECORD_DISPUTES), key=len, default="")
    staff = selectors.staff_for(staff_path[:9], include_below=True) if staff_path else []
    campaigns = selectors.campaigns_visible(request.user).filter(status=CampaignStatus.OPEN)
    petition = None
    petition_id = _int(request.GET.get("petition") or request.POST.get("petition"))
    if petition_id:
        petition = petition_get(request.user, petition_id)
    initial: dict[str, Any] = {"found_on": timezone.localdate()}
    picked: list[dict[str, Any]] = []
    if source is not None and request.method != "POST":
        initial.update(source.initial)
        picked = list(source.picked)
    if petition is not None and request.method != "POST":
        data = services.dispute_data_from_petition(petition)
        initial.update(
            region=data.region,
            kind=data.kind,
            title=data.title,
            facts=data.facts,
            people_involved=data.people_involved,
            risk_flags=data.risk_flags,
        )
        picked = _picked(data.parties)
        outside = [p.name for p in data.parties if p.resident is None and p.household is None and p.name]
        if outside:
            initial["outside_a"] = "\n".join(outside)
    if request.GET.get("campaign") and request.method != "POST":
        initial["campaign"] = _int(request.GET.get("campaign"))
    if request.method != "POST":
        village_id = _int(request.GET.get("village"))
        # A group's id stands for its village.
        village = (
            villages.filter(Q(pk=village_id) | Q(children__pk=village_id)).first() if village_id else None
        )
        household_id = _int(request.GET.get("household"))
        if household_id:
            # From a household's page: the household is the first party, in its village.
            household = household_get(request.user, household_id)
            picked = [{"value": f"h:{household.pk}:{Side.A}", "label": str(household), "side": Side.A}]
            village = villages.filter(Q(pk=household.region_id) | Q(children__pk=household.region_id)).first()
        if village is not None:
            initial["region"] = village.pk
    form = DisputeForm(
        request.POST or None,
        villages=villages,
        campaigns=campaigns,
        staff=staff,
        initial=initial,
        prefix=None,
    )
    if request.method == "POST":
        parties, problems = _parse_parties(request)
        picked = _picked(parties)
        if form.is_valid():
            d = form.cleaned_data
            if problems:
                form.add_error(None, problems)
            else:
                try:
                    create = source.create if source is not None else services.dispute_create
                    dispute = create(
                        actor=request.user,
                        data=services.DisputeData(
                            region=d["region"],
                            kind=d["kind"],
                            title=d["title"],
                            facts=d["facts"],
                            people_involved=d["people_involved"],
                            risk_flags=d["risk_flags"],
                            risk_level=d["risk_level"],
                            risk_note=d["risk_note"],
                            prevention=d["prevention"],
                            police_informed=d["police_informed"],
                            stabilizer=d["stabilizer"],
                            resolver=d["resolver"],
                            found_on=d["found_on"],
                            campaign=d["campaign"],
                            parties=parties,
                        ),
                        petition=petition,
                    )
                except (ValidationError, ServiceError) as exc:
                    apply_errors(form, exc)
                except PermissionDenied as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, _("已登记矛盾纠纷 %(code)s。") % {"code": dispute.code})
                    return redirect("mediation:detail", dispute.pk)
    q = request.GET.get("q", "").strip()[:50]
    return render(
        request,
        "mediation/new.html",
        {
            "form": form,
            "petition": petition,
            "picked": picked,
            "q": q,
            "results": _search(request, q) if q else None,
            "sides": Side.choices,
            **(source.context if source is not None else {}),
        },
    )


def _search(request: AuthedRequest, q: str) -> dict[str, Any]:
    result = registry_search(request.user, q, limit=15)
    residents = [r for r in result.residents if has_perm(request.user, Perm.RECORD_DISPUTES, r.region_path)]
    households = [h for h in result.households if has_perm(request.user, Perm.RECORD_DISPUTES, h.region_path)]
    return {"residents": residents, "households": households, "q": q}


@login_required
@require_GET
def party_search(request: AuthedRequest) -> HttpResponse:
    """Registry matches by name, pinyin initials, ID or phone tail, for the party picker (htmx fragment)."""
    require(request.user, Perm.RECORD_DISPUTES)
    q = request.GET.get("q", "").strip()[:50]
    return render(
        request,
        "mediation/_party_results.html",
        {"results": _search(request, q) if q else None, "q": q, "sides": Side.choices},
    )


def _detail_context(request: AuthedRequest, pk: int) -> dict[str, Any]:
    user = request.user
    detail = selectors.dispute_detail(user, pk)
    d = detail.dispute
    today = timezone.localdate()
    parties = d.parties.all()
    can_record = has_perm(user, Perm.RECORD_DISPUTES, d.region_path)
    can_mediate = has_perm(user, Perm.MEDIATE, d.region_path)
    current = detail.current
    a = detail.agreement
    open_mediation = current is not None and current.status == MediationStatus.OPEN
    staff = selectors.staff_for(d.region_path)
    mediators = selectors.staff_for(d.region_path, Perm.MEDIATE)
    reopen_allowed = d.status in (DisputeStatus.FOUND, DisputeStatus.ENDED) or (
        d.status == DisputeStatus.AGREED and a is not None and a.performance == Performance.BROKEN
    )
    risk_initial = {
        "version": d.version,
        "people_involved": d.people_involved,
        "risk_flags": d.risk_flags,
        "risk_level": d.risk_level,
        "risk_note": d.risk_note,
        "prevention": d.prevention,
        "police_informed": d.police_informed,
        "stabilizer": d.stabilizer_id,
        "resolver": d.resolver_id,
    }
    agreement_initial = {"reached_on": today, "facts": d.facts, "form": AgreementForm.WRITTEN}
    signed = set(a.signatures.values_list("party_id", flat=True)) if a is not None else set()
    is_open = d.status in OPEN_DISPUTE_STATUSES
    show_start = can_mediate and reopen_allowed and not open_mediation
    written = a is not None and a.form == AgreementForm.WRITTEN
    effective = a is not None and a.effective_on is not None
    shown = {
        "party": can_record and is_open,
        "risk": can_record and is_open,
        "start": show_start,
        "session": can_mediate and open_mediation,
        "agreement": can_mediate and open_mediation,
        "refuse": can_mediate and open_mediation,
        "end": can_mediate and open_mediation,
        "sign": can_mediate and written and not effective,
        "effective": can_mediate and written and not effective,
        "judicial": can_mediate and written and effective and a is not None and a.judicial_applied_on is None,
        "decide": can_mediate
        and effective
        and a is not None
        and bool(a.judicial_applied_on)
        and not a.judicial_result,
        "follow": can_mediate
        and effective
        and a is not None
        and a.performance in (Performance.PENDING, Performance.PARTLY),
        "close": can_record and is_open,
        "topetition": has_perm(user, Perm.INTAKE_PETITIONS, d.region_path)
        and d.petition_id is None
        and is_open,
    }
    return {
        "shown": shown,
        "d": d,
        "detail": detail,
        "a": a,
        "today": today,
        "signed": signed,
        "problems": services.effectiveness_problems(a)
        if a is not None and a.form == AgreementForm.WRITTEN and a.effective_on is None
        else [],
        "days_left": a.judicial_days_left(today) if a is not None else None,
        "can_record": can_record,
        "can_mediate": can_mediate,
        "can_intake": has_perm(user, Perm.INTAKE_PETITIONS, d.region_path),
        "can_view_petition": d.petition_id is not None and has_perm(user, Perm.VIEW_PETITIONS, d.region_path),
        "is_open": is_open,
        "open_mediation": open_mediation,
        "show_start": show_start,
        "party_form": PartyAddForm(prefix="party"),
        "risk_form": RiskForm(initial=risk_initial, staff=staff, prefix="risk"),
        "start_form": StartForm(
            initial={"started_on": today, "mode": "initiative", "mediators": [user.pk]},
            parties=parties,
            mediators=mediators,
            prefix="start",
        ),
        "refuse_form": RefuseForm(initial={"refused_on": today}, parties=parties, prefix="refuse"),
        "session_form": SessionForm(initial={"held_on": today}, prefix="session"),
        "end_form": EndForm(initial={"ended_on": today}, prefix="end"),
        "agreement_form": AgreementRecordForm(initial=agreement_initial, prefix="agreement"),
        "sign_form": SignForm(initial={"signed_on": today}, parties=parties, prefix="sign"),
        "judicial_form": JudicialApplyForm(initial={"applied_on": today}, prefix="judicial"),
        "decide_form": JudicialDecideForm(initial={"decided_on": today}, prefix="decide"),
        "follow_form": FollowUpForm(initial={"checked_on": today}, prefix="follow"),
        "close_form": CloseForm(initial={"version": d.version}, prefix="close"),
        "to_petition_form": ToPetitionForm(prefix="topetition"),
        "effective_form": ConfirmForm(prefix="effective"),
        "party_sides": Side.choices,
        "failed_step": "",
    }


@login_required
def dispute_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    context = _detail_context(request, pk)
    q = request.GET.get("q", "").strip()[:50]
    if q and context["can_record"]:
        context["q"] = q
        context["results"] = _search(request, q)
        context["failed_step"] = "party"
    return render(request, "mediation/detail.html", context)


def _agreement(d: Dispute) -> Any:
    a = d.agreements.order_by("-reached_on", "-id").first()
    if a is None:
        raise ServiceError(_("尚未达成调解协议。"))
    return a


def _step_party(request: AuthedRequest, d: Dispute, form: Any) -> object:
    parties, problems = _parse_parties(request)
    c = form.cleaned_data
    if c["name"].strip():
        parties.append(
            services.PartyData(side=c["side"], name=c["name"], phone=c["phone"], address=c["address"])
        )
    if problems:
        raise ValidationError({"parties": problems})
    return services.dispute_add_parties(actor=request.user, dispute=d, parties=parties)


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


def _c(form: Any) -> dict[str, Any]:
    return dict(form.cleaned_data)


Call = Callable[[AuthedRequest, Dispute, Any], object]
STEPS: dict[str, tuple[type, str, Call, str]] = {
    "party": (PartyAddForm, "party", _step_party, _("已添加当事人。")),
    "risk": (
        RiskForm,
        "risk",
        lambda r, d, f: services.dispute_assess_risk(
            actor=r.user,
            dispute=d,
            version=_c(f)["version"],
            people_involved=_c(f)["people_involved"],
            risk_flags=_c(f)["risk_flags"],
            risk_level=_c(f)["risk_level"],
            risk_note=_c(f)["risk_note"],
            prevention=_c(f)["prevention"],
            police_informed=_c(f)["police_informed"],
            stabilizer=_c(f)["stabilizer"],
            resolver=_c(f)["resolver"],
        ),
        _("已更新风险评估。"),
    ),
    "start": (
        StartForm,
        "start",
        lambda r, d, f: services.mediation_start(
            actor=r.user,
            dispute=d,
            mode=_c(f)["mode"],
            mediators=list(_c(f)["mediators"]),
            started_on=_c(f)["started_on"],
            applicant=_c(f)["applicant"],
            committee=_c(f)["committee"],
        ),
        _("已启动调解。"),
    ),
    "refuse": (
        RefuseForm,
        "refuse",
        lambda r, d, f: services.mediation_refuse(
            actor=r.user, dispute=d, party=_c(f)["party"], refused_on=_c(f)["refused_on"], note=_c(f)["note"]
        ),
        _("已记录当事人拒绝调解，本次调解终止。"),
    ),
    "session": (
        SessionForm,
        "session",
        lambda r, d, f: services.session_record(actor=r.user, dispute=d, **_c(f)),
        _("已记录调解笔录。"),
    ),
    "end": (
        EndForm,
        "end",
        lambda r, d, f: services.mediation_end(actor=r.user, dispute=d, **_c(f)),
        _("已终止调解，并记录告知的救济途径。"),
    ),
    "agreement": (
        AgreementRecordForm,
        "agreement",
        lambda r, d, f: services.agreement_record(
            actor=r.user, dispute=d, data=services.AgreementData(**_c(f))
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
        lambda r, d, f: services.agreement_judicial_apply(actor=r.user, agreement=_agreement(d), **_c(f)),
        _("已记录司法确认申请。"),
    ),
    "decide": (
        JudicialDecideForm,
        "decide",
        lambda r, d, f: services.agreement_judicial_decide(actor=r.user, agreement=_agreement(d), **_c(f)),
        _("已记录法院裁定。"),
    ),
    "follow": (FollowUpForm, "follow", _step_follow, _("已记录履行回访。")),
    "close": (
        CloseForm,
        "close",
        lambda r, d, f: services.dispute_close(actor=r.user, dispute=d, **_c(f)),
        _("已办结。"),
    ),
    "topetition": (
        ToPetitionForm,
        "topetition",
        lambda r, d, f: services.dispute_to_petition(actor=r.user, dispute=d, note=_c(f)["note"]),
        _("已转为诉求。"),
    ),
}


# The detail page's name for each step's form, where it is not "<step>_form".
CONTEXT_KEY = {"topetition": "to_petition_form", "judicial": "judicial_form", "decide": "decide_form"}


@login_required
@require_POST
def dispute_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    d = selectors.dispute_get(request.user, pk)  # Http404 outside the user's regions
    form_class, prefix, call, done = STEPS[step]
    kwargs: dict[str, Any] = {"prefix": prefix}
    parties = d.parties.all()
    if form_class in (StartForm,):
        kwargs.update(parties=parties, mediators=selectors.staff_for(d.region_path, Perm.MEDIATE))
    elif form_class in (RefuseForm, SignForm):
        kwargs["parties"] = parties
    elif form_class is RiskForm:
        kwargs["staff"] = selectors.staff_for(d.region_path)
    form = form_class(request.POST, request.FILES, **kwargs)
    if form.is_valid():
        try:
            result = call(request, d, form)
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
        else:
            messages.success(request, done)
            if step == "topetition" and has_perm(request.user, Perm.VIEW_PETITIONS, d.region_path):
                return redirect("petitions:detail", result.pk)  # type: ignore[attr-defined]
            return redirect(reverse("mediation:detail", args=[d.pk]) + f"#step-{step}")
    context = _detail_context(request, pk)
    context[CONTEXT_KEY.get(step, f"{step}_form")] = form
    if not context["shown"].get(step):
        # The step's form is no longer on the page (the state moved on): say why at the top.
        context["failed_errors"] = [str(e) for errors in form.errors.values() for e in errors]
    context["failed_step"] = step
    return render(request, "mediation/detail.html", context, status=200)


def attachment_disposition(filename: str, fallback: str) -> str:
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@login_required
@require_GET
def agreement_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    d = selectors.dispute_get(request.user, pk)
    try:
        doc, content = documents.render(_agreement(d))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("mediation:detail", pk)
    audit_record(
        actor=request.user,
        action=Action.EXPORT,
        obj=d,
        note=_("打印人民调解协议书"),
        ip=client_ip(request),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = attachment_disposition(doc.filename, f"agreement-{d.code}.pdf")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def agreement_scan(request: AuthedRequest, pk: int) -> FileResponse:
    d = selectors.dispute_get(request.user, pk)
    a = d.agreements.order_by("-reached_on", "-id").first()
    if a is None or not a.scan:
        raise Http404
    return inline_file(a.scan, a.scan_content_type)


# ----------------------------------------------------------------------------------------------------------
# Campaigns


@login_required
def campaign_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_DISPUTES)
    return render(
        request,
        "mediation/campaigns.html",
        {
            "progress": selectors.campaign_list(request.user),
            "can_manage": has_perm(request.user, Perm.MANAGE_CAMPAIGNS),
        },
    )


@login_required
def campaign_new(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_CAMPAIGNS)
    townships = selectors.townships_for(request.user)
    today = timezone.localdate()
    form = CampaignForm(
        request.POST or None,
        townships=townships,
        initial={
            "starts_on": today,
            "ends_on": today + datetime.timedelta(days=30),
            "title": _("%(y)d年%(m)d月矛盾纠纷大排查") % {"y": today.year, "m": today.month},
            "region": townships.first(),
        },
    )
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=request.user,
                region=c["region"],
                title=c["title"],
                starts_on=c["starts_on"],
                ends_on=c["ends_on"],
                checklist=c["checklist"].splitlines(),
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已开展大排查。"))
            return redirect("mediation:campaign", campaign.pk)
    return render(request, "mediation/campaign_new.html", {"form": form})


def _campaign_context(request: AuthedRequest, pk: int) -> dict[str, Any]:
    campaign = selectors.campaign_get(request.user, pk)
    progress = selectors.campaign_progress(request.user, campaign)
    for row in progress.rows:
        row.can_report = (  # type: ignore[attr-defined]
            campaign.status == CampaignStatus.OPEN
            and has_perm(request.user, Perm.RECORD_DISPUTES, row.report.region_path)
        )
    return {
        "c": campaign,
        "progress": progress,
        "report_form": VillageReportForm(
            checklist=campaign.checklist, initial={"checked_items": campaign.checklist}
        ),
        "can_manage": has_perm(request.user, Perm.MANAGE_CAMPAIGNS, campaign.region_path)
        and campaign.status == CampaignStatus.OPEN,
        "failed_village": None,
    }


@login_required
def campaign_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "mediation/campaign.html", _campaign_context(request, pk))


@login_required
@require_POST
def campaign_report(request: AuthedRequest, pk: int, village_id: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.user, pk)
    report = (
        scope(campaign.villages.select_related("village"), request.user, Perm.VIEW_DISPUTES)
        .filter(village_id=village_id)
        .first()
    )
    if report is None:
        raise Http404
    form = VillageReportForm(request.POST, checklist=campaign.checklist)
    if form.is_valid():
        c = form.cleaned_data
        try:
            services.campaign_village_report(
                actor=request.user,
                campaign=campaign,
                village=report.village,
                outcome=c["outcome"],
                checked_items=c["checked_items"],
                note=c["note"],
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已报告%(village)s的排查结果。") % {"village": report.village.name})
            return redirect("mediation:campaign", campaign.pk)
    context = _campaign_context(request, pk)
    context["report_form"] = form
    context["failed_village"] = village_id
    return render(request, "mediation/campaign.html", context)


@login_required
@require_POST
def campaign_close(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.user, pk)
    try:
        services.campaign_close(actor=request.user, campaign=campaign)
    except ServiceError as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("大排查已结束。"))
    return redirect("mediation:campaign", campaign.pk)
