"""Reads for 下村/住村: a cadre's month, the compliance table, household coverage, village pages, training."""

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import CharField, Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minqing.accounts.models import RoleAssignment, User
from minqing.accounts.roles import Role
from minqing.households.models import Household, HouseholdStatus
from minqing.households.selectors import registry_search
from minqing.mediation.selectors import dispute_list_open_in_region
from minqing.petitions.access import scope_petitions
from minqing.petitions.models import Petition, Status
from minqing.regions.models import PATH_DIGITS, Level, Region, subtree_q
from minqing.regions.scoping import Perm, can_see_path, get_for_actor, has_perm, region_q, regions_with, scope

from .models import Attendance, Course, Metric, Period, QuotaRule, Topic, Visit, VisitHousehold

FIELD_ROLES = (Role.LEADER, Role.PETITION_OFFICER, Role.VILLAGE_LIAISON, Role.VILLAGE_CADRE, Role.MEDIATOR)
DEFAULT_COVERAGE_DAYS = 90


# ---- periods -------------------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    nxt = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, nxt - datetime.timedelta(days=1)


def period_bounds(month: datetime.date, period: str) -> tuple[datetime.date, datetime.date]:
    if period == Period.QUARTER:
        q0 = (month.month - 1) // 3 * 3 + 1
        first = month.replace(month=q0, day=1)
        return first, month_bounds(first.replace(month=q0 + 2))[1]
    return month_bounds(month)


def parse_month(raw: str | None) -> datetime.date:
    """'2026-11' → 1 Nov 2026; anything else → this month."""
    today = _today()
    try:
        y, m = (int(x) for x in (raw or "").split("-")[:2])
        return datetime.date(y, m, 1)
    except (ValueError, TypeError):
        return today.replace(day=1)


# ---- visibility ----------------------------------------------------------------------------------------


def visits_visible(actor: User) -> QuerySet[Visit]:
    """Entries in the actor's VIEW_VISITS regions, and always the actor's own."""
    return Visit.objects.filter(region_q(actor, Perm.VIEW_VISITS) | Q(cadre=actor))


def visit_get(actor: User, pk: int) -> Visit:
    try:
        return visits_visible(actor).select_related("village", "cadre").get(pk=pk)
    except (Visit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("找不到该记录。")) from exc


def region_for_actor(actor: User, code: str | None, perm: Perm = Perm.VIEW_VISITS) -> Region:
    """The region named by `code` (default: the actor's widest region for `perm`), or 404 when not visible."""
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None or not can_see_path(actor, region.path, perm):
            raise Http404(_("找不到该记录。"))
        return region
    paths = regions_with(actor, perm)
    if not paths:
        raise Http404(_("找不到该记录。"))
    region = Region.objects.filter(path=sorted(paths, key=len)[0]).first()
    if region is None:
        raise Http404(_("找不到该记录。"))
    return region


def townships_and_wider(actor: User, perm: Perm, limit: int = 500) -> list[Region]:
    """The townships (and counties) under the actor's regions for `perm`: what region switchers offer."""
    paths = regions_with(actor, perm)
    if not paths:
        return []
    q = Q()
    for p in paths:
        q |= subtree_q(p, "path")
    return list(Region.objects.filter(q, level__lte=Level.TOWNSHIP).order_by("path")[:limit])


def villages_for_logging(actor: User) -> list[Region]:
    return list(
        scope(Region.objects.filter(level=Level.VILLAGE, is_active=True), actor, Perm.LOG_VISITS, "path")
        .select_related("parent")
        .order_by("path")
    )


def households_to_pick(actor: User, village_id: str, q: str, limit: int = 20) -> list[Household]:
    """Households of one village the actor logs visits in, matching a name, pinyin initials or code prefix;
    nothing for a village outside the actor's own."""
    village = Region.objects.filter(
        pk=int(village_id) if village_id.isdigit() else 0, level=Level.VILLAGE
    ).first()
    if village is None or not has_perm(actor, Perm.LOG_VISITS, village.path):
        return []
    qs = scope(Household.objects.filter(subtree_q(village.path)), actor)
    if q:
        found = registry_search(actor=actor, query=q, limit=50)
        ids = {h.pk for h in found.households} | {r.household_id for r in found.residents if r.household_id}
        qs = qs.filter(Q(pk__in=ids) | Q(head_name__startswith=q) | Q(code__startswith=q))
    return list(qs.order_by("code").prefetch_related("tags")[:limit])


def staff_in(path: str) -> list[User]:
    """Active staff holding a field role at or below the region."""
    ids = (
        RoleAssignment.objects.filter(subtree_q(path, "region__path"), role__in=FIELD_ROLES)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "username"))


# ---- dates covered by entries --------------------------------------------------------------------------


def _spread(start: datetime.date, n: int, lo: datetime.date, hi: datetime.date) -> Iterable[str]:
    for i in range(n):
        d = start + datetime.timedelta(days=i)
        if lo <= d <= hi:
            yield d.isoformat()


@dataclass
class Counts:
    """Distinct dates (ISO strings: cheaper to read from the database than dates) and households."""

    days: set[str] = field(default_factory=set)
    nights: set[str] = field(default_factory=set)
    households: int = 0


def _counts(
    cadre_ids: list[int] | None, lo: datetime.date, hi: datetime.date, *, households: bool = True
) -> dict[int, Counts]:
    """Distinct village days, nights and households per cadre within [lo, hi]. `None`: every cadre.

    Reads the period's entries off the covering (visited_on, cadre, days, nights) index, plus the few
    multi-day stays begun in the month before that reach into the period."""
    out: dict[int, Counts] = defaultdict(Counts)
    day = Cast("visited_on", CharField())
    visits = (
        Visit.objects.filter(visited_on__gte=lo, visited_on__lte=hi)
        .annotate(day=day)
        .values_list("cadre_id", "day", "days", "nights")
        .order_by()
    )
    earlier = (
        Visit.objects.filter(visited_on__gte=lo - datetime.timedelta(days=31), visited_on__lt=lo, days__gt=1)
        .annotate(day=day)
        .values_list("cadre_id", "day", "days", "nights")
        .order_by()
    )
    hh = VisitHousehold.objects.filter(visited_on__gte=lo, visited_on__lte=hi)
    if cadre_ids is not None:
        visits = visits.filter(cadre_id__in=cadre_ids)
        earlier = earlier.filter(cadre_id__in=cadre_ids)
        hh = hh.filter(cadre_id__in=cadre_ids)
    for cadre_id, start, days, nights in itertools.chain(visits.iterator(chunk_size=10_000), earlier):
        c = out[cadre_id]
        if days == 1:
            c.days.add(start)
            if nights:
                c.nights.add(start)
            continue
        first = datetime.date.fromisoformat(start)
        c.days.update(_spread(first, days, lo, hi))
        c.nights.update(_spread(first, nights, lo, hi))
    if households:
        for cadre_id, n in (
            hh.values("cadre_id")
            .annotate(n=Count("household_id", distinct=True))
            .values_list("cadre_id", "n")
        ):
            out[cadre_id].households = n
    return out


# ---- coverage ------------------------------------------------------------------------------------------


@dataclass
class VillageCoverage:
    village: Region
    total: int
    visited: int
    special_total: int
    special_visited: int

    @property
    def unvisited(self) -> int:
        return self.total - self.visited

    @property
    def special_unvisited(self) -> int:
        return self.special_total - self.special_visited

    @property
    def pct(self) -> float:
        return round(100.0 * self.visited / self.total, 1) if self.total else 100.0


def _village_key() -> Substr:
    return Substr("region_path", 1, 12)


def _common_prefix(paths: list[str]) -> str:
    first, last = min(paths), max(paths)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


# Above this many villages, reading the period's visits once beats probing the visits for every household.
WIDE_VILLAGES = 40


def coverage_by_village(
    village_paths: Iterable[str] | None,
    lo: datetime.date,
    hi: datetime.date | None = None,
    *,
    within: str | None = None,
) -> dict[str, tuple[int, int, int, int]]:
    """village path → (households, visited in [lo, hi], special households, special visited).

    Either a list of village paths or every village `within` a region. A few villages: one grouped pass over
    their households with an index probe each into the visits. Many (a county): the households visited in the
    period are read once off the (visited_on, household) index and counted against the households in Python."""
    qs = Household.objects.filter(status=HouseholdStatus.ACTIVE)
    if within is not None:
        qs = qs.filter(subtree_q(within))
        wide = len(within) <= 6
    else:
        paths = sorted(set(village_paths or []))
        if not paths:
            return {}
        if len(paths) > WIDE_VILLAGES:
            # Many villages: count their whole common region in one pass and keep the ones asked for.
            common = _common_prefix(paths)
            cut = max((n for n in (2, 4, 6, 9, 12) if n <= len(common)), default=0)
            found = coverage_by_village(None, lo, hi, within=common[:cut]) if cut else {}
            return {v: found[v] for v in paths if v in found}
        q = Q()
        for p in paths:
            q |= subtree_q(p)
        qs = qs.filter(q)
        wide = False
    visits = VisitHousehold.objects.filter(visited_on__gte=lo)
    if hi is not None:
        visits = visits.filter(visited_on__lte=hi)
    tagged = Household.tags.through.objects
    special = Exists(tagged.filter(household_id=OuterRef("pk")))
    if wide:
        # Two grouped passes in the database: every household, then those in the period's visits (a semi-join
        # the database runs once) — rather than a probe into the visits for each of a county's households.
        def grouped(q: QuerySet[Household]) -> dict[str, tuple[int, int]]:
            rows = (
                q.annotate(v=_village_key(), special=special)
                .values("v")
                .annotate(n=Count("id"), s=Count("id", filter=Q(special=True)))
                .values_list("v", "n", "s")
                .order_by()
            )
            return {v: (n, sp) for v, n, sp in rows}

        totals = grouped(qs)
        visited = grouped(qs.filter(pk__in=visits.values("household_id")))
        return {
            v: (n, visited.get(v, (0, 0))[0], sp, visited.get(v, (0, 0))[1]) for v, (n, sp) in totals.items()
        }
    seen = Exists(visits.filter(household=OuterRef("pk")))
    rows = (
        qs.annotate(v=_village_key(), seen=seen, special=special)
        .values("v")
        .annotate(
            total=Count("id"),
            visited=Count("id", filter=Q(seen=True)),
            special_total=Count("id", filter=Q(special=True)),
            special_visited=Count("id", filter=Q(seen=True, special=True)),
        )
        .values_list("v", "total", "visited", "special_total", "special_visited")
    )
    return {v: (t, vi, st, sv) for v, t, vi, st, sv in rows}


def coverage(actor: User, region: Region, days: int = DEFAULT_COVERAGE_DAYS) -> list[VillageCoverage]:
    """Each village under `region` the actor may see: how many households a cadre visited in the last `days`."""
    if not can_see_path(actor, region.path, Perm.VIEW_VISITS):
        raise Http404(_("找不到该记录。"))
    since = timezone.localdate() - datetime.timedelta(days=days)
    villages = list(
        Region.objects.filter(subtree_q(region.path, "path"), level=Level.VILLAGE).select_related("parent")
    )
    found = coverage_by_village(None, since, within=region.path)
    if region.level < Level.TOWNSHIP:
        # Across a county, a township with no household registered is not using the registry yet: its villages
        # would fill the table at 0 households (and 100 %) around the ones at work.
        working = {path[: PATH_DIGITS[Level.TOWNSHIP]] for path, counts in found.items() if counts[0]}
        villages = [v for v in villages if v.path[: PATH_DIGITS[Level.TOWNSHIP]] in working]
    rows = [VillageCoverage(v, *found.get(v.path, (0, 0, 0, 0))) for v in villages]
    rows.sort(key=lambda r: (r.pct, -r.special_unvisited, r.village.path))
    return rows


@dataclass
class UnvisitedHousehold:
    household: Household
    last_visit: datetime.date | None
    special: list[str]


def unvisited_households(
    actor: User, village: Region, days: int = DEFAULT_COVERAGE_DAYS, limit: int = 500
) -> list[UnvisitedHousehold]:
    """Households of the village no cadre visited in the last `days`; special-difficulty households first."""
    if not can_see_path(actor, village.path, Perm.VIEW_VISITS):
        raise Http404(_("找不到该记录。"))
    since = timezone.localdate() - datetime.timedelta(days=days)
    recent = VisitHousehold.objects.filter(household=OuterRef("pk"), visited_on__gte=since)
    last = (
        VisitHousehold.objects.filter(household=OuterRef("pk"))
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    special = Exists(Household.tags.through.objects.filter(household_id=OuterRef("pk")))
    qs = (
        scope(Household.objects.filter(subtree_q(village.path), status=HouseholdStatus.ACTIVE), actor)
        .annotate(recent=Exists(recent), special=special, last_visit=Subquery(last))
        .filter(recent=False)
        .prefetch_related("tags")
        .order_by("-special", "code")[:limit]
    )
    return [UnvisitedHousehold(h, h.last_visit, [t.name for t in h.tags.all()]) for h in qs]


# ---- compliance ----------------------------------------------------------------------------------------


PACE: dict[str, Any] = {
    Metric.VILLAGE_DAYS: gettext_lazy("还需下村 %(n)s 天，剩 %(d)d 天"),
    Metric.NIGHTS: gettext_lazy("还需住村 %(n)s 夜，剩 %(d)d 天"),
    Metric.HOUSEHOLDS: gettext_lazy("还需走访 %(n)s 户，剩 %(d)d 天"),
    Metric.COVERAGE: gettext_lazy("覆盖率还差 %(n)s 个百分点，剩 %(d)d 天"),
}


class Verdict(StrEnum):
    MET = "met"  # 达标 (a target reached stays reached, so this shows before the period ends)
    RUNNING = "running"  # 进行中: the period is still under way and the target not reached yet
    MISSED = "missed"  # 未达标: the period has ended below the target


@dataclass
class Check:
    rule: QuotaRule
    value: float
    ok: bool  # the target is reached
    period_label: str
    ends: datetime.date  # the period's last day
    today: datetime.date

    @property
    def verdict(self) -> Verdict:
        if self.ok:
            return Verdict.MET
        return Verdict.MISSED if self.ends < self.today else Verdict.RUNNING

    @property
    def running(self) -> bool:
        return self.verdict == Verdict.RUNNING

    @property
    def missed(self) -> bool:
        return self.verdict == Verdict.MISSED

    @property
    def needed(self) -> float:
        """How much is still to do to reach the target."""
        return max(0.0, round(self.rule.target - self.value, 1))

    @property
    def days_left(self) -> int:
        """Days left in the period, today included (the whole period for one not begun yet)."""
        return max(0, (self.ends - self.today).days + 1)

    @property
    def pace(self) -> str:
        """What the cadre must still do, for a period under way: "还需 6 天，剩 24 天"."""
        if not self.running:
            return ""
        return str(PACE[self.rule.metric]) % {"n": f"{self.needed:g}", "d": self.days_left}


@dataclass
class CadreRow:
    cadre: User
    roles: list[str]
    days: int
    nights: int
    households: int
    checks: list[Check]

    @property
    def walk_in(self) -> bool:
        """走读: a period ended below a village-day or night quota — came to the village but did not stay with
        it. A month still under way is not judged: on the 7th nobody has had the time yet."""
        return any(c.missed and c.rule.metric in (Metric.VILLAGE_DAYS, Metric.NIGHTS) for c in self.checks)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def running(self) -> bool:
        """No period has ended below its target, and some target is still to be reached: 进行中."""
        return not self.ok and not any(c.missed for c in self.checks)


def _rules_for(
    assignments: list[tuple[str, str]], rules: list[QuotaRule]
) -> list[tuple[QuotaRule, list[str]]]:
    """For one cadre's (role, region path) grants: the most specific active rule per (role, metric, period),
    with the paths of the regions the cadre holds that role in."""
    best: dict[tuple[str, str, str], QuotaRule] = {}
    paths: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for role, path in assignments:
        for r in rules:
            if r.role != role or not path.startswith(r.region_path):
                continue
            key = (r.role, r.metric, r.period)
            if key not in best or len(r.region_path) > len(best[key].region_path):
                best[key] = r
            paths[key].append(path)
    return [(r, sorted(set(paths[k]))) for k, r in sorted(best.items())]


@dataclass
class ComplianceTable:
    region: Region
    month: datetime.date
    rows: list[CadreRow]
    rules: list[QuotaRule]

    @property
    def walk_in_count(self) -> int:
        return sum(1 for r in self.rows if r.walk_in)

    @property
    def ok_count(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.checks)

    @property
    def running_count(self) -> int:
        return sum(1 for r in self.rows if r.running and r.checks)


def _period_label(month: datetime.date, period: str) -> str:
    if period == Period.QUARTER:
        return _("%(y)d年第%(q)d季度") % {"y": month.year, "q": (month.month - 1) // 3 + 1}
    return _("%(y)d年%(m)d月") % {"y": month.year, "m": month.month}


def compliance(
    actor: User, region: Region, month: datetime.date, *, only: list[User] | None = None
) -> ComplianceTable:
    """Every field cadre under `region` against the quota rules that bind them, for the month (quarterly
    rules: the quarter containing it). The actor needs VIEW_VISITS over the region; `only` restricts rows
    (a cadre's own page)."""
    if not can_see_path(actor, region.path, Perm.VIEW_VISITS) and only != [actor]:
        raise Http404(_("找不到该记录。"))
    grants: dict[int, list[tuple[str, str]]] = defaultdict(list)
    q = RoleAssignment.objects.filter(subtree_q(region.path, "region__path"), role__in=FIELD_ROLES)
    if only is not None:
        q = RoleAssignment.objects.filter(user__in=only, role__in=FIELD_ROLES)
    for user_id, role, path in q.values_list("user_id", "role", "region__path"):
        grants[user_id].append((role, path))
    users = {u.pk: u for u in User.objects.filter(pk__in=list(grants), is_active=True)}
    # A rule binds grants at or below its region; rules above the region bind too (a county-wide rule).
    ancestors = [region.path[:n] for n in (2, 4, 6, 9, 12) if n <= len(region.path)]
    rules = list(
        QuotaRule.objects.filter(is_active=True)
        .filter(Q(region_path__in=ancestors) | subtree_q(region.path))
        .select_related("region")
    )
    # Coverage is counted per village, not per cadre: a period with only coverage rules needs no per-cadre pass.
    periods = {r.period for r in rules if r.metric != Metric.COVERAGE} | {Period.MONTH}
    all_periods = periods | {r.period for r in rules}
    bounds = {p: period_bounds(month, p) for p in all_periods}
    labels = {p: _period_label(month, p) for p in all_periods}
    role_labels = {r.value: str(r.label) for r in Role}
    today = _today()
    ids = list(users) if only is not None or len(users) < 900 else None
    counts = {p: _counts(ids, *bounds[p]) for p in periods}
    per_rule = {u: _rules_for(grants[u], rules) for u in users}
    # Coverage needs the households of every village a bound cadre covers, per period: one pass each.
    cover_paths: dict[str, set[str]] = defaultdict(set)
    for bound in per_rule.values():
        for r, paths in bound:
            if r.metric == Metric.COVERAGE:
                cover_paths[r.period].update(p[:12] for p in paths if len(p) >= 12)
    cover = {p: coverage_by_village(v, *bounds[p]) for p, v in cover_paths.items()}
    rows: list[CadreRow] = []
    empty = Counts()
    for uid, user in users.items():
        checks: list[Check] = []
        for r, paths in per_rule[uid]:
            c = counts[r.period].get(uid, empty) if r.period in counts else empty
            if r.metric == Metric.VILLAGE_DAYS:
                value: float = len(c.days)
            elif r.metric == Metric.NIGHTS:
                value = len(c.nights)
            elif r.metric == Metric.HOUSEHOLDS:
                value = c.households
            else:
                found = [cover[r.period].get(p[:12]) for p in paths if len(p) >= 12]
                total = sum(f[0] for f in found if f)
                seen = sum(f[1] for f in found if f)
                value = round(100.0 * seen / total, 1) if total else 100.0
            checks.append(Check(r, value, value >= r.target, labels[r.period], bounds[r.period][1], today))
        m = counts[Period.MONTH].get(uid, empty)
        roles = sorted({role_labels[role] for role, _p in grants[uid]})
        rows.append(CadreRow(user, roles, len(m.days), len(m.nights), m.households, checks))
    rows.sort(key=lambda r: (not r.walk_in, r.ok, r.days, str(r.cadre)))
    return ComplianceTable(region, month, rows, rules)


@dataclass
class MyMonth:
    month: datetime.date
    row: CadreRow | None
    visits: Sequence[Visit]
    calendar: list[tuple[datetime.date, bool, bool]]  # (date, village day, night)


def my_month(actor: User, month: datetime.date) -> MyMonth:
    """The cadre's own month: entries, a calendar of village days and nights, progress against each rule."""
    region = Region.objects.filter(path__in=[p for _r, p in _own_grants(actor)]).order_by("path").first()
    row = None
    if region is not None:
        table = compliance(actor, region, month, only=[actor])
        row = table.rows[0] if table.rows else None
    lo, hi = month_bounds(month)
    c = _counts([actor.pk], lo, hi).get(actor.pk, Counts())
    cal = [
        (d, d.isoformat() in c.days, d.isoformat() in c.nights)
        for d in (lo + datetime.timedelta(days=i) for i in range((hi - lo).days + 1))
    ]
    visits = list(
        Visit.objects.filter(
            cadre=actor, visited_on__gte=lo - datetime.timedelta(days=30), visited_on__lte=hi
        )
        .filter(Q(visited_on__gte=lo) | Q(days__gt=1))
        .select_related("village")
        .annotate(n_households=Count("household_links"))
        .order_by("-visited_on", "-id")
    )
    visits = [v for v in visits if v.last_day >= lo]
    return MyMonth(month, row, visits, cal)


def _own_grants(actor: User) -> list[tuple[str, str]]:
    return list(
        RoleAssignment.objects.filter(user=actor, role__in=FIELD_ROLES).values_list("role", "region__path")
    )


# ---- households and villages ---------------------------------------------------------------------------


@dataclass
class Knower:
    cadre: User
    visits: int
    last: datetime.date


def household_visits(actor: User, household: Household, limit: int = 20) -> tuple[list[Visit], list[Knower]]:
    """The household's visits (newest first) and the cadres who know it (visited it), for its page."""
    links = (
        VisitHousehold.objects.filter(household=household)
        .filter(Q(visit__in=visits_visible(actor)))
        .select_related("visit__cadre", "visit__village")
        .order_by("-visited_on", "-id")
    )
    visits = [link.visit for link in links[:limit]]
    agg = (
        VisitHousehold.objects.filter(household=household)
        .values("cadre_id")
        .annotate(n=Count("id"), last=Max("visited_on"))
        .order_by("-last")
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=[a["cadre_id"] for a in agg])}
    knowers = [Knower(users[a["cadre_id"]], a["n"], a["last"]) for a in agg if a["cadre_id"] in users]
    return visits, knowers


@dataclass
class VillagePage:
    village: Region
    coverage: VillageCoverage
    households: int
    special: int
    cadres: list[tuple[User, list[str]]]
    recent_visitors: list[Knower]
    open_petitions: list[Any]
    open_petition_count: int
    open_disputes: list[Any]
    unvisited: list[UnvisitedHousehold]


def village_page(actor: User, code: str, days: int = DEFAULT_COVERAGE_DAYS) -> VillagePage:
    """Everything about one village: households and coverage, open requests and disputes, its cadres."""
    village = get_for_actor(
        Region.objects.select_related("parent"), actor, Perm.VIEW_VISITS, "path", code=code
    )
    if village.level != Level.VILLAGE:
        raise Http404(_("找不到该记录。"))
    since = timezone.localdate() - datetime.timedelta(days=days)
    found = coverage_by_village([village.path], since).get(village.path, (0, 0, 0, 0))
    cov = VillageCoverage(village, *found)
    grants: dict[int, list[str]] = defaultdict(list)
    for uid, role in RoleAssignment.objects.filter(
        region__path=village.path, role__in=FIELD_ROLES
    ).values_list("user_id", "role"):
        grants[uid].append(str(Role(role).label))
    people = {u.pk: u for u in User.objects.filter(pk__in=list(grants), is_active=True)}
    cadres = [(people[u], sorted(grants[u])) for u in grants if u in people]
    agg = (
        VisitHousehold.objects.filter(
            subtree_q(village.path, "household__region_path"), visited_on__gte=since
        )
        .values("cadre_id")
        .annotate(n=Count("id"), last=Max("visited_on"))
        .order_by("-n")[:10]
    )
    visitors = {u.pk: u for u in User.objects.filter(pk__in=[a["cadre_id"] for a in agg])}
    recent = [Knower(visitors[a["cadre_id"]], a["n"], a["last"]) for a in agg if a["cadre_id"] in visitors]
    petitions, n_petitions = _open_petitions(actor, village)
    return VillagePage(
        village=village,
        coverage=cov,
        households=cov.total,
        special=cov.special_total,
        cadres=cadres,
        recent_visitors=recent,
        open_petitions=petitions,
        open_petition_count=n_petitions,
        open_disputes=_open_disputes(actor, village),
        unvisited=unvisited_households(actor, village, days, limit=20),
    )


def _open_petitions(actor: User, village: Region) -> tuple[list[Any], int]:
    open_states = [s for s in Status.values if s not in ("closed", "not_accepted", "merged")]
    qs = scope_petitions(
        Petition.objects.filter(subtree_q(village.path), status__in=open_states), actor
    ).order_by("due_date", "id")
    return list(qs.select_related("category")[:10]), qs.count()


def _open_disputes(actor: User, village: Region) -> list[Any]:
    return list(dispute_list_open_in_region(actor=actor, region=village))[:10]


# ---- training ------------------------------------------------------------------------------------------


@dataclass
class TrainingTotals:
    year: int
    region: Region
    courses: Sequence[Course]
    per_cadre: list[tuple[User, Decimal, int, dict[str, Decimal]]]
    per_township: list[tuple[Region, Decimal, int, int]]  # township, hours, attendances, cadres
    topics: list[tuple[str, Any]]


def training_totals(actor: User, region: Region, year: int) -> TrainingTotals:
    """Courses under `region` in the year, hours per cadre (by topic) and per township."""
    if not can_see_path(actor, region.path, Perm.VIEW_VISITS):
        raise Http404(_("找不到该记录。"))
    courses = list(
        Course.objects.filter(subtree_q(region.path), held_on__year=year)
        .annotate(n=Count("attendance"))
        .order_by("-held_on", "-id")
    )
    rows = Attendance.objects.filter(
        subtree_q(region.path, "course__region_path"), course__held_on__year=year
    ).values_list("cadre_id", "hours", "course__topics", "course__region_path")
    per: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"hours": Decimal(0), "n": 0, "topics": defaultdict(Decimal)}
    )
    town: dict[str, dict[str, Any]] = defaultdict(lambda: {"hours": Decimal(0), "n": 0, "cadres": set()})
    for cadre_id, hours, topics, path in rows:
        p = per[cadre_id]
        p["hours"] += hours
        p["n"] += 1
        for t in topics or []:
            p["topics"][t] += hours
        t9 = town[path[:9]]
        t9["hours"] += hours
        t9["n"] += 1
        t9["cadres"].add(cadre_id)
    users = {u.pk: u for u in User.objects.filter(pk__in=list(per))}
    per_cadre = sorted(
        ((users[k], v["hours"], v["n"], dict(v["topics"])) for k, v in per.items() if k in users),
        key=lambda r: (-r[1], str(r[0])),
    )
    towns = {r.path: r for r in Region.objects.filter(path__in=list(town))}
    per_township = sorted(
        ((towns[k], v["hours"], v["n"], len(v["cadres"])) for k, v in town.items() if k in towns),
        key=lambda r: r[0].path,
    )
    return TrainingTotals(year, region, courses, per_cadre, per_township, list(Topic.choices))


def quota_rules(actor: User) -> list[QuotaRule]:
    return list(scope(QuotaRule.objects.select_related("region"), actor, Perm.VIEW_VISITS))
