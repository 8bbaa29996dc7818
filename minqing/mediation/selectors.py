"""Reads for 矛盾纠纷排查调处. Every function takes the actor and scopes through regions.scoping."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from minqing.accounts.models import User
from minqing.households.models import Household, Resident
from minqing.regions.models import PATH_DIGITS, Level, Region, subtree_q
from minqing.regions.scoping import Perm, get_for_actor, holders, region_q, regions_with, scope

from .models import (
    OPEN_DISPUTE_STATUSES,
    Agreement,
    Campaign,
    CampaignVillage,
    Dispute,
    DisputeParty,
    Mediation,
    RiskLevel,
    VillageOutcome,
)


def dispute_qs(*, actor: User) -> QuerySet[Dispute]:
    return scope(Dispute.objects.all(), actor, Perm.VIEW_DISPUTES)


def dispute_get(*, actor: User, pk: int) -> Dispute:
    return get_for_actor(
        Dispute.objects.select_related(
            "region", "region__parent", "stabilizer", "resolver", "campaign", "petition", "reported_by"
        ),
        actor,
        Perm.VIEW_DISPUTES,
        pk=pk,
    )


@dataclass
class DisputeFilters:
    status: str = ""
    risk: int | None = None
    village: int | None = None
    kind: str = ""
    campaign: int | None = None
    q: str = ""
    open_only: bool = False


def dispute_list(*, actor: User, filters: DisputeFilters) -> QuerySet[Dispute]:
    """The work list, riskiest and latest first. Written for a sorted page (see scoping.region_q)."""
    qs = Dispute.objects.filter(region_q(actor, Perm.VIEW_DISPUTES, for_sorted_page=True)).select_related(
        "region", "stabilizer", "resolver"
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.open_only:
        qs = qs.filter(status__in=OPEN_DISPUTE_STATUSES)
    if filters.risk:
        qs = qs.filter(risk_level=filters.risk)
    if filters.village:
        qs = qs.filter(region_id=filters.village)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.campaign:
        qs = qs.filter(campaign_id=filters.campaign)
    if filters.q:
        qs = qs.filter(
            Q(title__contains=filters.q) | Q(code=filters.q.upper()) | Q(parties__name=filters.q)
        ).distinct()
    return qs.order_by("-risk_level", "-found_on", "-id")


def _regions_for(actor: User, perm: Perm, level: int) -> QuerySet[Region]:
    q = Q(pk__in=[])
    for path in regions_with(actor, perm):
        q |= subtree_q(path, "path")
    return Region.objects.filter(q, level=level, is_active=True).order_by("path")


def village_qs(*, actor: User, perm: Perm = Perm.VIEW_DISPUTES) -> QuerySet[Region]:
    """Villages in which the actor holds `perm`: the choices of the forms and filters."""
    return _regions_for(actor, perm, Level.VILLAGE)


def township_qs(*, actor: User, perm: Perm = Perm.MANAGE_CAMPAIGNS) -> QuerySet[Region]:
    """Townships in which the actor holds `perm` (a campaign is a township's)."""
    return _regions_for(actor, perm, Level.TOWNSHIP)


def staff_list(
    *, region_path: str, perm: Perm = Perm.VIEW_DISPUTES, include_below: bool = False
) -> list[User]:
    """Users holding `perm` over the region (and, with include_below, in its villages): the choices for the
    稳控/化解 responsibles and the mediators."""
    return list(holders(perm=perm, region_path=region_path, include_below=include_below))


def dispute_list_for_household(*, actor: User, household: Household) -> list[Dispute]:
    """Disputes in which the household, or one of its residents, is a party; for the household page."""
    # A party names the household it belonged to when recorded; a resident who has since moved in counts too.
    residents = list(household.members.values_list("pk", flat=True))
    ids = set(
        DisputeParty.objects.filter(Q(household=household) | Q(resident_id__in=residents)).values_list(
            "dispute_id", flat=True
        )
    )
    return list(
        dispute_qs(actor=actor).filter(pk__in=ids).select_related("region").order_by("-found_on", "-id")
    )


def dispute_list_open_in_region(*, actor: User, region: Region) -> list[Dispute]:
    """Open disputes at or below a region (a village page), highest risk first."""
    return list(
        dispute_qs(actor=actor)
        .filter(subtree_q(region.path), status__in=OPEN_DISPUTE_STATUSES)
        .select_related("region")
        .order_by("-risk_level", "-found_on", "-id")
    )


@dataclass
class DisputeDetail:
    dispute: Dispute
    parties: list[DisputeParty]
    mediations: list[Mediation]
    current: Mediation | None
    agreement: Agreement | None
    events: list[Any]
    feuds: list[Any]
    today: datetime.date = field(default_factory=timezone.localdate)


def dispute_detail(*, actor: User, pk: int) -> DisputeDetail:
    d = dispute_get(actor=actor, pk=pk)
    mediations = list(
        d.mediations.prefetch_related("mediators", "sessions", "refusals__party").select_related("applicant")
    )
    current = mediations[-1] if mediations else None
    agreement = (
        Agreement.objects.filter(dispute=d)
        .select_related("mediation")
        .prefetch_related("signatures", "follow_ups")
        .order_by("-reached_on", "-id")
        .first()
    )
    return DisputeDetail(
        dispute=d,
        parties=list(d.parties.select_related("resident", "household")),
        mediations=mediations,
        current=current,
        agreement=agreement,
        events=list(d.events.all()),
        feuds=list(d.feuds.select_related("household_a", "household_b")),
    )


# ----------------------------------------------------------------------------------------------------------
# Campaigns


def campaign_qs(*, actor: User) -> QuerySet[Campaign]:
    """Campaigns of the actor's townships, and those covering one of the actor's villages: a village cadre does
    not see a campaign of other villages of the township."""
    q = Q(pk__in=[])
    for path in regions_with(actor, Perm.VIEW_DISPUTES):
        q |= subtree_q(path)
        if len(path) > PATH_DIGITS[Level.TOWNSHIP]:
            covered = CampaignVillage.objects.filter(subtree_q(path[: PATH_DIGITS[Level.VILLAGE]]))
            q |= Q(pk__in=covered.values("campaign_id"))
    return Campaign.objects.filter(q)


def campaign_get(*, actor: User, pk: int) -> Campaign:
    from django.http import Http404

    c = campaign_qs(actor=actor).select_related("region").filter(pk=pk).first()
    if c is None:
        raise Http404
    return c


@dataclass
class VillageRow:
    report: CampaignVillage
    disputes: int
    visible: bool


@dataclass
class CampaignProgress:
    campaign: Campaign
    rows: list[VillageRow]
    reported: int
    covered: int
    found: int
    disputes: int

    @property
    def percent(self) -> int:
        return round(100 * self.reported / self.covered) if self.covered else 0


def campaign_progress(*, actor: User, campaign: Campaign) -> CampaignProgress:
    """Each village's report and how many of the campaign's disputes it has; progress = reported / covered.
    Villages outside the actor's regions are counted but shown without their disputes."""
    reports = list(campaign.villages.select_related("village", "reported_by"))
    counts = dict(
        Dispute.objects.filter(campaign=campaign)
        .values_list("region_id")
        .annotate(n=Count("id"))
        .values_list("region_id", "n")
    )
    mine = set(
        scope(CampaignVillage.objects.filter(campaign=campaign), actor, Perm.VIEW_DISPUTES).values_list(
            "pk", flat=True
        )
    )
    rows = [VillageRow(r, counts.get(r.village_id, 0), r.pk in mine) for r in reports]
    reported = sum(1 for r in reports if r.outcome != VillageOutcome.PENDING)
    return CampaignProgress(
        campaign=campaign,
        rows=rows,
        reported=reported,
        covered=len(reports),
        found=sum(1 for r in reports if r.outcome == VillageOutcome.FOUND),
        disputes=sum(counts.values()),
    )


def campaign_list(*, actor: User) -> list[CampaignProgress]:
    return [
        campaign_progress(actor=actor, campaign=c)
        for c in campaign_qs(actor=actor).select_related("region")[:50]
    ]


def dispute_list_risky_open(*, actor: User, limit: int = 5) -> list[Dispute]:
    """Open disputes at high or major risk in the actor's regions, for the home page."""
    return list(
        dispute_qs(actor=actor)
        .filter(status__in=OPEN_DISPUTE_STATUSES, risk_level__gte=RiskLevel.HIGH)
        .select_related("region")
        .order_by("-risk_level", "-found_on", "-id")[:limit]
    )


def party_resident_get(*, actor: User, pk: int) -> Resident | None:
    """A registry person the actor may name as a party (in a village where they record disputes), else None."""
    qs = Resident.objects.select_related("household").filter(pk=pk)
    return scope(qs, actor, Perm.RECORD_DISPUTES).first()


def party_household_get(*, actor: User, pk: int) -> Household | None:
    """A registry household the actor may name as a party, else None."""
    return scope(Household.objects.filter(pk=pk), actor, Perm.RECORD_DISPUTES).first()
