"""Reads of the policy library, keyword-only.

`policy_search` is the library's one search: staff pages, the public pages and, later, other practices call it,
so its signature stays while the engine behind it changes (a shared Chinese full-text index is planned). Today
it is an AND of the terms over the policy's name, 文号 and the text of the version shown, ranked by where the
terms hit (name before 文号 before 惠及对象 before summary before conditions) and highlighted.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from minqing.accounts.models import Department
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
    policy: Policy
    version: PolicyVersion | None  # the one in force on the day, else the latest
    in_force: bool
    rank: int
    name_html: SafeString
    doc_number_html: SafeString
    summary_html: SafeString
    matched: list[str] = field(default_factory=list)  # the fields where a term hit


def search_terms(q: str) -> list[str]:
    """The distinct terms of a query, at most MAX_TERMS, cleaned of control characters."""
    text = clean_text(q or "")[:MAX_QUERY]
    terms: list[str] = []
    for term in _SPLIT.split(text):
        if term and term.lower() not in (t.lower() for t in terms):
            terms.append(term)
    return terms[:MAX_TERMS]


def highlight(text: str, terms: list[str]) -> SafeString:
    """`text` escaped, with every occurrence of a term in <mark>: matched on the raw text, so a term can never
    hit inside an escaped entity."""
    if not text:
        return mark_safe("")
    spans = _spans(text, terms)
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(escape(text[pos:start]))
        out.append("<mark>" + escape(text[start:end]) + "</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))


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
) -> list[PolicyHit]:
    """The policies matching every term of `q` and the filters, best first; without terms, all of them in the
    library's order. `public`: the library as residents see it (no account), else what `actor` may read."""
    day = _today(on)
    terms = search_terms(q)
    qs = _filtered(_base(actor=actor, public=public), filters or PolicyFilters(), day)
    for term in terms:
        qs = qs.filter(pk__in=Policy.objects.filter(_term_q(term)).values("pk"))
    qs = qs.prefetch_related("versions").order_by("category", "name")
    hits: list[PolicyHit] = []
    for policy in qs[: limit * 2 if terms else limit]:
        hit = _hit(policy, terms, day)
        if hit is not None:
            hits.append(hit)
    if terms:
        hits.sort(key=lambda h: (-h.rank, h.policy.name))
    return hits[:limit]


def _hit(policy: Policy, terms: list[str], day: datetime.date) -> PolicyHit | None:
    version = version_shown(policy=policy, on=day)
    texts = {"name": policy.name, "doc_number": policy.doc_number}
    if version is not None:
        texts.update({name: getattr(version, name) for name in _VERSION_FIELDS})
    rank = 0
    matched: set[str] = set()
    for term in terms:
        low = term.lower()
        hit_fields = [name for name, _w in WEIGHTS if low in texts.get(name, "").lower()]
        if not hit_fields:
            return None  # the term hit another version's text, not the one shown
        matched.update(hit_fields)
        rank += sum(w for name, w in WEIGHTS if name in hit_fields)
    summary = version.summary if version is not None else ""
    return PolicyHit(
        policy=policy,
        version=version,
        in_force=version_current(policy=policy, on=day) is not None,
        rank=rank,
        name_html=highlight(policy.name, terms),
        doc_number_html=highlight(policy.doc_number, terms),
        summary_html=_snippet(summary, terms),
        matched=[name for name, _w in WEIGHTS if name in matched],
    )


def policy_region_choices(*, actor: Actor) -> QuerySet[Region]:
    """The regions a local policy kept by the actor may apply to."""
    levels = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP)
    return regions_for(actor=actor, perm=Perm.MANAGE_POLICIES, levels=levels)


def policy_department_choices(*, actor: Actor) -> QuerySet[Department]:
    """The departments (民政所, 社保所 …) in the actor's regions that may be made responsible for a policy."""
    return scope(Department.objects.filter(is_active=True), actor, Perm.MANAGE_POLICIES).order_by("name")
