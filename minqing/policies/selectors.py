"""Reads of the policy library, keyword-only.

`policy_search` is the library's one search: staff pages, the public pages and, later, other practices call it,
so its signature stays while the engine behind it changes (a shared Chinese full-text index is planned). Today
it is an AND of the terms over the policy's name, 文号 and the text of the version shown, ranked by where the
terms hit (name before 文号 before 惠及对象 before summary before conditions) and highlighted.
"""

import datetime
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import overload

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from minqing.accounts.models import Department
from minqing.core.fulltext import highlight as fulltext_highlight
from minqing.core.text import clean_text
from minqing.regions.models import Level, Region
from minqing.regions.scoping import Actor, Perm, regions_for, scope

from .access import policy_q
from .models import Policy, PolicyVersion, in_force_q

MAX_TERMS = 8
MAX_QUERY = 100
SNIPPET = 90  # characters of summary shown around the first hit

# Where a term may hit, with its weight: a hit in the name says more than one in the conditions.
WEIGHTS: tuple[tuple[str, int], ...] = (
    ("name", 100),
    ("doc_number", 60),
    ("beneficiaries", 20),
    ("summary", 10),
    ("conditions", 5),
)
_POLICY_FIELDS = ("name", "doc_number")
_VERSION_FIELDS = ("beneficiaries", "summary", "conditions")
_SPLIT = re.compile(r"[\s,，、;；。.·]+")


@dataclass(frozen=True)
class PolicyFilters:
    category: str = ""
    level: str = ""
    target: str = ""
    in_force: bool | None = (
        None  # None: both; True: in force on the day; False: not in force (ended, retired)
    )


@dataclass
class PolicyHit:
    """One policy found, with the version shown. The highlighted texts are made when a page asks for them, so a
    long result list costs only the ranking, not the markup of rows never shown."""

    policy: Policy
    version: PolicyVersion | None  # the one in force on the day, else the latest
    in_force: bool
    rank: int
    terms: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)  # the fields where a term hit

    @cached_property
    def name_html(self) -> SafeString:
        return highlight(self.policy.name, self.terms)

    @cached_property
    def doc_number_html(self) -> SafeString:
        return highlight(self.policy.doc_number, self.terms)

    @cached_property
    def summary_html(self) -> SafeString:
        return _snippet(self.version.summary if self.version is not None else "", self.terms)


def search_terms(q: str) -> list[str]:
    """The distinct terms of a query, at most MAX_TERMS, cleaned of control characters."""
    text = clean_text(q or "")[:MAX_QUERY]
    terms: list[str] = []
    for term in _SPLIT.split(text):
        if term and term.lower() not in (t.lower() for t in terms):
            terms.append(term)
    return terms[:MAX_TERMS]


def highlight(text: str, terms: list[str]) -> SafeString:
    """`text` escaped, with every occurrence of a term in <mark>: the full-text engine's highlighting, so the
    policy library and the request list mark the same words the same way (folded, never inside an entity)."""
    return fulltext_highlight(text or "", " ".join(terms))


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    if not terms:
        return []
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _snippet(text: str, terms: list[str]) -> SafeString:
    text = " ".join(text.split())
    spans = _spans(text, terms)
    if len(text) <= SNIPPET:
        return highlight(text, terms)
    # From the start when the first hit fits in the window; else from a little before the hit.
    start = max(0, spans[0][0] - SNIPPET // 3) if spans and spans[0][1] > SNIPPET else 0
    end = min(len(text), start + SNIPPET)
    piece = text[start:end]
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(escape(prefix) + highlight(piece, terms) + escape(suffix))


def _today(on: datetime.date | None) -> datetime.date:
    return on or timezone.localdate()


def _base(*, actor: Actor, public: bool) -> QuerySet[Policy]:
    qs = Policy.objects.select_related("department", "region")
    return qs if public else qs.filter(policy_q(actor))


def policy_qs(*, actor: Actor) -> QuerySet[Policy]:
    """The policies the actor may read (access.policy_q)."""
    return _base(actor=actor, public=False)


def policy_get(*, actor: Actor, pk: int, public: bool = False) -> Policy:
    """One policy with its versions (newest first), or 404 when it is not the actor's to read."""
    versions = Prefetch("versions", queryset=PolicyVersion.objects.order_by("-effective_from"))
    try:
        return _base(actor=actor, public=public).prefetch_related(versions).get(pk=pk)
    except (Policy.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("找不到该政策。")) from exc


def version_current(*, policy: Policy, on: datetime.date | None = None) -> PolicyVersion | None:
    """The version in force on the day (today by default); None when none is."""
    day = _today(on)
    if policy.retired_on is not None and policy.retired_on <= day:
        return None
    return next((v for v in _versions(policy) if v.in_force_on(day)), None)


def version_shown(*, policy: Policy, on: datetime.date | None = None) -> PolicyVersion | None:
    """The version a page shows: the one in force, else the latest (a policy not yet in force, or ended)."""
    current = version_current(policy=policy, on=on)
    if current is not None:
        return current
    versions = _versions(policy)
    return versions[0] if versions else None


def _versions(policy: Policy) -> list[PolicyVersion]:
    return sorted(policy.versions.all(), key=lambda v: v.effective_from, reverse=True)


def _filtered(qs: QuerySet[Policy], filters: PolicyFilters, day: datetime.date) -> QuerySet[Policy]:
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.target:
        qs = qs.filter(target_groups__contains=f",{filters.target},")
    if filters.in_force is not None:
        live = Q(retired_on__isnull=True) | Q(retired_on__gt=day)
        has_version = Policy.objects.filter(live, in_force_q(day, "versions__")).values("pk")
        qs = qs.filter(pk__in=has_version) if filters.in_force else qs.exclude(pk__in=has_version)
    return qs


def _term_q(term: str) -> Q:
    q = Q()
    for name in _POLICY_FIELDS:
        q |= Q(**{f"{name}__icontains": term})
    for name in _VERSION_FIELDS:
        q |= Q(**{f"versions__{name}__icontains": term})
    return q


def policy_search(
    *,
    actor: Actor,
    q: str = "",
    filters: PolicyFilters | None = None,
    on: datetime.date | None = None,
    public: bool = False,
    limit: int = 200,
) -> "PolicyResults":
    """The policies matching every term of `q` and the filters, best first; without terms, all of them in the
    library's order. `public`: the library as residents see it (no account), else what `actor` may read."""
    day = _today(on)
    terms = search_terms(q)
    qs = _filtered(_base(actor=actor, public=public), filters or PolicyFilters(), day)
    for term in terms:
        qs = qs.filter(pk__in=Policy.objects.filter(_term_q(term)).values("pk"))
    # Ranking reads only the searched columns of every candidate (two queries); whole rows are loaded later, for
    # the page shown alone (PolicyResults).
    heads = list(qs.order_by("category", "name").values_list("pk", "name", "doc_number", "retired_on"))
    texts: dict[int, list[tuple[datetime.date, datetime.date | None, dict[str, str]]]] = {}
    searched = _VERSION_FIELDS if terms else ()  # without terms only the periods count
    version_rows = PolicyVersion.objects.filter(policy_id__in=[h[0] for h in heads]).values_list(
        "policy_id", "effective_from", "effective_until", *searched
    )
    for policy_id, start, until, *values in version_rows:
        texts.setdefault(policy_id, []).append((start, until, dict(zip(searched, values, strict=True))))
    ranked: list[tuple[int, int, bool, list[str]]] = []  # (pk, rank, in force, matched fields)
    for pk, name, doc_number, retired_on in heads:
        scored = _score(terms, name, doc_number, retired_on, texts.get(pk, []), day)
        if scored is not None:
            ranked.append((pk, *scored))
    if terms:
        order = {pk: i for i, (pk, *_rest) in enumerate(ranked)}
        ranked.sort(key=lambda r: (-r[1], order[r[0]]))
    return PolicyResults(ranked[:limit], terms=terms, day=day)


class PolicyResults(Sequence[PolicyHit]):
    """The ranked hits of a search. A page (a slice) loads its policies and their versions in two queries, so
    ranking the whole library never loads whole rows it will not show."""

    def __init__(
        self, ranked: list[tuple[int, int, bool, list[str]]], *, terms: list[str], day: datetime.date
    ):
        self._ranked = ranked
        self._terms = terms
        self._day = day
        self._loaded: dict[int, PolicyHit] = {}

    def __len__(self) -> int:
        return len(self._ranked)

    def __iter__(self) -> Iterator[PolicyHit]:
        return iter(self[:])  # one load for all, not one per hit

    @overload
    def __getitem__(self, index: int) -> PolicyHit: ...

    @overload
    def __getitem__(self, index: slice) -> list[PolicyHit]: ...

    def __getitem__(self, index: int | slice) -> PolicyHit | list[PolicyHit]:
        if isinstance(index, slice):
            rows = self._ranked[index]
            self._load([pk for pk, *_rest in rows])
            return [self._loaded[pk] for pk, *_rest in rows]
        pk = self._ranked[index][0]
        self._load([pk])
        return self._loaded[pk]

    def _load(self, pks: list[int]) -> None:
        missing = [pk for pk in pks if pk not in self._loaded]
        if not missing:
            return
        versions = Prefetch("versions", queryset=PolicyVersion.objects.order_by("-effective_from"))
        policies = Policy.objects.select_related("department", "region").prefetch_related(versions)
        loaded = policies.in_bulk(missing)
        for pk, rank, in_force, matched in self._ranked:
            if pk in loaded:
                policy = loaded[pk]
                self._loaded[pk] = PolicyHit(
                    policy=policy,
                    version=version_shown(policy=policy, on=self._day),
                    in_force=in_force,
                    rank=rank,
                    terms=self._terms,
                    matched=matched,
                )


def _score(
    terms: list[str],
    name: str,
    doc_number: str,
    retired_on: datetime.date | None,
    versions: list[tuple[datetime.date, datetime.date | None, dict[str, str]]],
    day: datetime.date,
) -> tuple[int, bool, list[str]] | None:
    """(rank, in force, fields hit) of one policy against the terms, on the version shown; None when a term
    misses it (it hit another version's text)."""
    live = retired_on is None or retired_on > day
    current = (
        next((v for v in versions if v[0] <= day and (v[1] is None or v[1] >= day)), None) if live else None
    )
    shown = current or max(versions, key=lambda v: v[0], default=None)
    fields = {"name": name.lower(), "doc_number": doc_number.lower()}
    if shown is not None:
        fields.update({k: v.lower() for k, v in shown[2].items()})
    rank = 0
    matched: set[str] = set()
    for term in terms:
        low = term.lower()
        hit_fields = [f for f, _w in WEIGHTS if low in fields.get(f, "")]
        if not hit_fields:
            return None
        matched.update(hit_fields)
        rank += sum(w for f, w in WEIGHTS if f in hit_fields)
    return rank, current is not None, [f for f, _w in WEIGHTS if f in matched]


def policy_region_choices(*, actor: Actor) -> QuerySet[Region]:
    """The regions a local policy kept by the actor may apply to."""
    levels = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP)
    return regions_for(actor=actor, perm=Perm.MANAGE_POLICIES, levels=levels)


def policy_department_choices(*, actor: Actor) -> QuerySet[Department]:
    """The departments (民政所, 社保所 …) in the actor's regions that may be made responsible for a policy."""
    return scope(Department.objects.filter(is_active=True), actor, Perm.MANAGE_POLICIES).order_by("name")
