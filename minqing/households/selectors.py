"""Reads of the household registry. Every function takes the actor and scopes through regions.scoping."""

import math
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from minqing.accounts.models import User
from minqing.regions.models import PATH_DIGITS, Level, Region, prefix_q, subtree_q
from minqing.regions.scoping import Perm, get_for_actor, regions_with, scope

from .models import (
    DifficultyTag,
    FeudStatus,
    Household,
    HouseholdRelation,
    HouseholdStatus,
    ImportJob,
    Membership,
    RelationKind,
    Resident,
    TagScope,
)

SEARCH_LIMIT = 50
_ID_TAIL = re.compile(r"^\d{3,17}[\dXx]?$")
_ADDRESS_MARK = re.compile(r"[村组号路街巷弄栋楼室屯\d]")


def household_qs(*, actor: User) -> QuerySet[Household]:
    return scope(Household.objects.all(), actor)


def resident_qs(*, actor: User) -> QuerySet[Resident]:
    return scope(Resident.objects.all(), actor)


def household_get(*, actor: User, pk: int) -> Household:
    return get_for_actor(Household.objects.select_related("region", "region__parent", "head"), actor, pk=pk)


def resident_get(*, actor: User, pk: int) -> Resident:
    return get_for_actor(Resident.objects.select_related("household"), actor, pk=pk)


def household_get_by_code(*, actor: User, code: str) -> Household | None:
    """The household with this code if the actor may see it; None when missing or outside their regions."""
    return household_qs(actor=actor).filter(code=code.strip()).first()


def relation_get(*, actor: User, pk: int) -> tuple[HouseholdRelation, Household]:
    """A tie between households, reached through whichever of its two households the actor can see.

    Returns the relation and that household; Http404 when the actor can see neither.
    """
    relation = HouseholdRelation.objects.select_related("household_a", "household_b").filter(pk=pk).first()
    if relation is None:
        raise Http404
    ends = [relation.household_a_id, relation.household_b_id]
    household = household_qs(actor=actor).filter(pk__in=ends).order_by("pk").first()
    if household is None:
        raise Http404
    return relation, household


def village_qs(*, actor: User) -> QuerySet[Region]:
    """Villages (村/社区) inside the actor's regions, for filters and forms."""
    q = Q(pk__in=[])
    for path in regions_with(actor, Perm.VIEW_HOUSEHOLDS):
        q |= subtree_q(path, "path")
    return Region.objects.filter(q, level=Level.VILLAGE, is_active=True).order_by("path")


def region_qs_for_households(*, actor: User, perm: Perm = Perm.EDIT_HOUSEHOLDS) -> QuerySet[Region]:
    """Villages and groups where the actor may register households."""
    q = Q(pk__in=[])
    for path in regions_with(actor, perm):
        q |= subtree_q(path, "path")
    return (
        Region.objects.filter(q, level__gte=Level.VILLAGE, is_active=True)
        .select_related("parent")
        .order_by("path")
    )


def household_list(
    *,
    actor: User,
    q: str = "",
    village: str = "",
    tag: str = "",
    feud: bool = False,
    status: str = HouseholdStatus.ACTIVE,
) -> QuerySet[Household]:
    """The filtered household list shown on the registry page and exported to Excel."""
    qs = household_qs(actor=actor).select_related("region", "region__parent")
    if status:
        qs = qs.filter(status=status)
    if village:
        qs = qs.filter(subtree_q(village, "region_path"))
    if tag:
        # Two semi-joins instead of one OR-ed join: no DISTINCT over a county's worth of rows.
        by_household = Household.tags.through.objects.filter(difficultytag__name=tag).values("household_id")
        by_member = Resident.tags.through.objects.filter(
            difficultytag__name=tag, resident__is_deceased=False
        ).values("resident__household_id")
        qs = qs.filter(Q(pk__in=by_household) | Q(pk__in=by_member))
    if feud:
        active = HouseholdRelation.objects.filter(kind=RelationKind.FEUD).exclude(status=FeudStatus.RESOLVED)
        qs = qs.filter(Q(pk__in=active.values("household_a")) | Q(pk__in=active.values("household_b")))
    if q:
        qs = qs.filter(pk__in=_matching_household_ids(actor, q))
    return qs.order_by("region_path", "code")


@dataclass
class SearchResult:
    households: list[Household]
    residents: list[Resident]
    kind: str  # what the query was read as: name / initials / id_tail / phone_tail / code / address


def _prefix_range(field_name: str, prefix: str) -> Q:
    return prefix_q(field_name, prefix)


def _first_by_prefix(qs: QuerySet[Resident], field_name: str, prefix: str, limit: int) -> list[Resident]:
    """The first `limit` residents whose `field_name` starts with `prefix`, sorted by it.

    The ORDER BY differs by database so each reads its prefix index and stops after `limit` rows: SQLite's
    planner picks the column's index because the ORDER BY matches it; PostgreSQL's prefix index is byte-ordered
    (pattern ops), so an ORDER BY in the column's collation would sort every match — there we sort the page here.
    """
    qs = qs.filter(prefix_q(field_name, prefix))
    if connection.vendor == "postgresql":
        rows = list(qs.order_by()[:limit])
        return sorted(rows, key=lambda r: (getattr(r, field_name), r.pk))
    return list(qs.order_by(field_name, "id")[:limit])


def _classify(q: str) -> str:
    if q.isascii() and q.isalpha():
        return "initials"
    if _ID_TAIL.match(q):
        return "digits"
    return "text"


def registry_search(*, actor: User, query: str, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Find residents and households by name, pinyin initials, ID-number tail, phone tail, code or address.

    Each reading of the query is an index range scoped to the actor's regions; results are capped at `limit`.
    """
    q = query.strip()
    if not q:
        return SearchResult([], [], "")
    kind = _classify(q)
    residents = resident_qs(actor=actor).select_related("household", "household__region__parent")
    households = household_qs(actor=actor).select_related("region__parent")
    found_residents: list[Resident] = []
    found_households: list[Household] = []
    if kind == "initials":
        found_residents = _first_by_prefix(residents, "name_initials", q.lower(), limit)
    elif kind == "digits":
        tail = q.upper()[::-1]
        by_id = residents.filter(_prefix_range("id_rev", tail))
        by_phone = residents.filter(_prefix_range("phone_rev", tail)) if tail.isdigit() else residents.none()
        found_residents = list((by_id | by_phone).order_by("id")[:limit])
        found_households = list(households.filter(_prefix_range("code", q))[:limit])
        kind = "id_tail"
    elif _ADDRESS_MARK.search(q):
        # Names never contain 村/组/号/路…, so only address-like queries pay for a substring scan of addresses.
        found_households = list(households.filter(address__contains=q).order_by("code")[:limit])
        kind = "address"
    else:
        found_residents = _first_by_prefix(residents, "name", q, limit)
        kind = "name"
    return SearchResult(found_households, found_residents, kind)


def _matching_household_ids(actor: User, query: str) -> list[int]:
    result = registry_search(actor=actor, query=query, limit=500)
    ids = {h.pk for h in result.households}
    ids.update(r.household_id for r in result.residents if r.household_id)
    return list(ids)


@dataclass
class HouseholdDetail:
    household: Household
    members: list[Resident]
    former_members: list[Membership]
    history: list[Membership]
    relations: list[dict[str, Any]]
    feud_graph: dict[str, Any]
    tags: list[DifficultyTag]
    splits: list[Household]


def household_detail(*, actor: User, pk: int) -> HouseholdDetail:
    household = household_get(actor=actor, pk=pk)
    members = list(household.members.prefetch_related("tags"))
    members.sort(key=lambda r: (r.is_deceased, r.relation != "head", r.birth_date or timezone.localdate()))
    history = list(
        Membership.objects.filter(household=household)
        .select_related("resident", "recorded_by")
        .order_by("-started_on", "-id")
    )
    former = [m for m in history if m.ended_on is not None]
    relations = relation_list(actor=actor, household=household)
    return HouseholdDetail(
        household=household,
        members=members,
        former_members=former,
        history=history,
        relations=relations,
        feud_graph=feud_graph(household=household, relations=relations),
        tags=list(household.tags.all()),
        splits=list(scope(household.splits.all(), actor)),
    )


def relation_list(*, actor: User, household: Household) -> list[dict[str, Any]]:
    """The household's ties, each with the other household; one the actor cannot see is shown without details."""
    rels = HouseholdRelation.objects.filter(
        Q(household_a=household) | Q(household_b=household)
    ).select_related(
        "household_a", "household_b", "household_a__region", "household_b__region", "recorded_by"
    )
    visible_ids = set(
        household_qs(actor=actor)
        .filter(
            pk__in=[r.household_b_id if r.household_a_id == household.pk else r.household_a_id for r in rels]
        )
        .values_list("pk", flat=True)
    )
    out = []
    for rel in rels:
        other = rel.household_b if rel.household_a_id == household.pk else rel.household_a
        out.append({"relation": rel, "other": other, "other_visible": other.pk in visible_ids})
    return out


def feud_graph(*, household: Household, relations: list[dict[str, Any]]) -> dict[str, Any]:
    """A small radial layout (SVG coordinates) of the household and the households it is tied to.

    Computed on the server so the graph needs no JavaScript and prints as it shows.
    """
    width, height, radius = 360, 260, 95
    cx, cy = width / 2, height / 2
    nodes = [{"x": cx, "y": cy, "label": household.head_name or household.code, "center": True, "url": ""}]
    edges = []
    n = max(len(relations), 1)
    for i, item in enumerate(relations):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        rel: HouseholdRelation = item["relation"]
        other: Household = item["other"]
        label = (other.head_name or other.code) if item["other_visible"] else "（辖区外）"
        nodes.append(
            {
                "x": round(x, 1),
                "y": round(y, 1),
                "label": label,
                "center": False,
                "url": str(other.pk) if item["other_visible"] else "",
            }
        )
        edges.append(
            {
                "x1": cx,
                "y1": cy,
                "x2": round(x, 1),
                "y2": round(y, 1),
                "kind": rel.kind,
                "severity": rel.severity or 0,
                "status": rel.status,
                "label": rel.get_kind_display()
                if rel.kind != RelationKind.FEUD
                else (rel.subject[:8] or "过结"),
            }
        )
    return {"width": width, "height": height, "nodes": nodes, "edges": edges}


@dataclass
class Attention:
    households: int
    residents: int
    tagged: list[dict[str, Any]]
    active_feuds: list[HouseholdRelation]
    active_feud_count: int
    grave_feuds: int
    imports: list[Any]
    villages: list[dict[str, Any]]  # name, path, households: villages, or townships for a county-wide actor
    by_township: bool = False
    idle_townships: int = 0  # townships in a county-wide actor's regions with no household registered yet


def attention(*, actor: User) -> Attention:
    """What the home page shows the actor: their registry at a glance and what needs attention."""
    households = household_qs(actor=actor).filter(status=HouseholdStatus.ACTIVE)
    residents = resident_qs(actor=actor).filter(is_deceased=False)
    # One grouped join per kind of tag, scoped on the tagged row's own region column.
    hh_rows: Any = (
        scope(Household.tags.through.objects.all(), actor, field="household__region_path")
        .filter(household__status=HouseholdStatus.ACTIVE, difficultytag__is_active=True)
        .values("difficultytag_id")
        .annotate(n=Count("id"))
    )
    person_rows: Any = (
        scope(Resident.tags.through.objects.all(), actor, field="resident__region_path")
        .filter(resident__is_deceased=False, difficultytag__is_active=True)
        .values("difficultytag_id")
        .annotate(n=Count("id"))
    )
    hh_counts = {row["difficultytag_id"]: row["n"] for row in hh_rows}
    person_counts = {row["difficultytag_id"]: row["n"] for row in person_rows}
    tagged: list[dict[str, Any]] = []
    for tag in DifficultyTag.objects.filter(is_active=True):
        n = (hh_counts if tag.applies_to == TagScope.HOUSEHOLD else person_counts).get(tag.pk, 0)
        if n:
            tagged.append({"name": tag.name, "n": n})
    feuds = (
        scope(HouseholdRelation.objects.all(), actor, field="household_a__region_path")
        .filter(kind=RelationKind.FEUD, household_a__status=HouseholdStatus.ACTIVE)
        .exclude(status=FeudStatus.RESOLVED)
        .select_related("household_a__region__parent", "household_b")
        .order_by("-severity", "-since")
    )
    feud_counts = feuds.order_by().aggregate(total=Count("id"), grave=Count("id", filter=Q(severity=3)))
    counts = dict(
        households.values_list("region_path").annotate(n=Count("id")).values_list("region_path", "n")
    )
    areas, by_township, idle = _areas(actor, counts)
    return Attention(
        households=households.count(),
        residents=residents.count(),
        tagged=tagged,
        active_feuds=list(feuds[:8]),
        active_feud_count=feud_counts["total"],
        grave_feuds=feud_counts["grave"],
        imports=list(ImportJob.objects.filter(created_by=actor).order_by("-created_at")[:5]),
        villages=areas,
        by_township=by_township,
        idle_townships=idle,
    )


def _areas(actor: User, counts: dict[str, int]) -> tuple[list[dict[str, Any]], bool, int]:
    """The rows of the home page's "households per village" table, and whether they are townships.

    Within a township every village is listed, an empty one included (not registered yet). A county-wide actor
    gets one row per township instead, and only the townships that use the registry: the region tree holds every
    village of the county, and a list of other townships' villages at 0 households hides the ones at work."""
    paths = regions_with(actor, Perm.VIEW_HOUSEHOLDS)
    if not any(len(p) < PATH_DIGITS[Level.TOWNSHIP] for p in paths):
        villages: list[dict[str, Any]] = []
        for v in village_qs(actor=actor).values("name", "path")[:60]:
            n = sum(c for p, c in counts.items() if p.startswith(str(v["path"])))
            villages.append({**v, "households": n})
        return villages, False, 0
    q = Q(pk__in=[])
    for path in paths:
        q |= subtree_q(path, "path")
    townships = Region.objects.filter(q, level=Level.TOWNSHIP, is_active=True).order_by("path")
    rows: list[dict[str, Any]] = []
    idle = 0
    for t in townships.values("name", "path"):
        n = sum(c for p, c in counts.items() if p.startswith(t["path"]))
        if n:
            rows.append({**t, "households": n})
        else:
            idle += 1
    return rows, True, idle


def import_job_qs(*, actor: User) -> QuerySet[ImportJob]:
    """The import jobs the actor started: a user sees only their own (the region check is the caller's)."""
    return ImportJob.objects.filter(created_by=actor)
