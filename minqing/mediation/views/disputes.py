"""Disputes: the list, recording a dispute with its parties, the party picker, and the dispute page.

The page's steps are posted to `steps`; the dispute's own ones (parties, risk, closing, turning into a request)
are here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from minqing.core.errors import ServiceError, ValidationError
from minqing.core.paging import capped_page
from minqing.core.request import AuthedRequest
from minqing.core.views_util import apply_errors
from minqing.households.selectors import household_get, registry_search
from minqing.petitions.selectors import petition_get
from minqing.regions.scoping import Perm, has_perm, regions_with, require

from .. import selectors, services
from ..forms import (
    AgreementRecordForm,
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
from .common import Step, cleaned, int_or_none

PER_PAGE = 30


@login_required
def dispute_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_DISPUTES)
    g = request.GET
    status = g.get("status", "")
    f = selectors.DisputeFilters(
        status=status if status in DisputeStatus.values else "",
        open_only=status == "open",
        risk=int_or_none(g.get("risk")),
        village=int_or_none(g.get("village")),
        kind=g.get("kind", "") if g.get("kind", "") in DisputeKind.values else "",
        campaign=int_or_none(g.get("campaign")),
        q=g.get("q", "").strip()[:50],
    )
    page = capped_page(selectors.dispute_list(actor=request.user, filters=f), PER_PAGE, g.get("page"))
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
            "villages": selectors.village_qs(actor=request.user),
            "campaigns": selectors.campaign_qs(actor=request.user)[:20],
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
            resident = selectors.party_resident_get(actor=request.user, pk=int(pk))
            if resident is None:
                problems.append(_("所选当事人不存在或不在您负责的村（社区）范围内。"))
                continue
            out.append(services.PartyData(side=side, resident=resident))
        else:
            household = selectors.party_household_get(actor=request.user, pk=int(pk))
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
    villages = selectors.village_qs(actor=request.user, perm=Perm.RECORD_DISPUTES)
    staff_path = min(regions_with(request.user, Perm.RECORD_DISPUTES), key=len, default="")
    staff = selectors.staff_list(region_path=staff_path[:9], include_below=True) if staff_path else []
    campaigns = selectors.campaign_qs(actor=request.user).filter(status=CampaignStatus.OPEN)
    petition = None
    petition_id = int_or_none(request.GET.get("petition") or request.POST.get("petition"))
    if petition_id:
        petition = petition_get(actor=request.user, pk=petition_id)
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
        initial["campaign"] = int_or_none(request.GET.get("campaign"))
    if request.method != "POST":
        village_id = int_or_none(request.GET.get("village"))
        # A group's id stands for its village.
        village = (
            villages.filter(Q(pk=village_id) | Q(children__pk=village_id)).first() if village_id else None
        )
        household_id = int_or_none(request.GET.get("household"))
        if household_id:
            # From a household's page: the household is the first party, in its village.
            household = household_get(actor=request.user, pk=household_id)
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
    result = registry_search(actor=request.user, query=q, limit=15)
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


def detail_context(request: AuthedRequest, pk: int) -> dict[str, Any]:
    user = request.user
    detail = selectors.dispute_detail(actor=user, pk=pk)
    d = detail.dispute
    today = timezone.localdate()
    parties = d.parties.all()
    can_record = has_perm(user, Perm.RECORD_DISPUTES, d.region_path)
    can_mediate = has_perm(user, Perm.MEDIATE, d.region_path)
    current = detail.current
    a = detail.agreement
    open_mediation = current is not None and current.status == MediationStatus.OPEN
    staff = selectors.staff_list(region_path=d.region_path)
    mediators = selectors.staff_list(region_path=d.region_path, perm=Perm.MEDIATE)
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
    context = detail_context(request, pk)
    q = request.GET.get("q", "").strip()[:50]
    if q and context["can_record"]:
        context["q"] = q
        context["results"] = _search(request, q)
        context["failed_step"] = "party"
    return render(request, "mediation/detail.html", context)


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


STEPS: dict[str, Step] = {
    "party": (PartyAddForm, "party", _step_party, _("已添加当事人。")),
    "risk": (
        RiskForm,
        "risk",
        lambda r, d, f: services.dispute_assess_risk(
            actor=r.user,
            dispute=d,
            version=cleaned(f)["version"],
            people_involved=cleaned(f)["people_involved"],
            risk_flags=cleaned(f)["risk_flags"],
            risk_level=cleaned(f)["risk_level"],
            risk_note=cleaned(f)["risk_note"],
            prevention=cleaned(f)["prevention"],
            police_informed=cleaned(f)["police_informed"],
            stabilizer=cleaned(f)["stabilizer"],
            resolver=cleaned(f)["resolver"],
        ),
        _("已更新风险评估。"),
    ),
    "close": (
        CloseForm,
        "close",
        lambda r, d, f: services.dispute_close(actor=r.user, dispute=d, **cleaned(f)),
        _("已办结。"),
    ),
    "topetition": (
        ToPetitionForm,
        "topetition",
        lambda r, d, f: services.dispute_to_petition(actor=r.user, dispute=d, note=cleaned(f)["note"]),
        _("已转为诉求。"),
    ),
}
