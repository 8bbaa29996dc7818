"""Reading requests. Every query starts from access.scope_petitions, so what a user sees is decided in one place."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import Department, RoleAssignment, User
from minqing.accounts.roles import Role
from minqing.households.models import Household
from minqing.regions.models import PATH_DIGITS, Level, Region, subtree_q
from minqing.regions.scoping import (
    WIDE_PATH_DIGITS,
    Perm,
    get_for_actor,
    has_perm,
    regions_for,
    regions_with,
    scope,
)
from minqing.regions.selectors import regions_below
from minqing.workcal.selectors import work_calendar

from . import extensions
from .access import get_petition_for_actor, scope_petitions
from .models import (
    OPEN_STATUSES,
    Category,
    HandlingLevel,
    Petition,
    PetitionEvent,
    ReceptionDay,
    Satisfaction,
    Stage,
    Status,
)
from .search import PETITIONS
from .services import PER_SLOT, normalize_tracking_code, reception_slots

SOON_WORKING_DAYS = 3


def petition_qs(*, actor: User, for_sorted_page: bool = False) -> QuerySet[Petition]:
    return scope_petitions(Petition.objects.all(), actor, for_sorted_page=for_sorted_page)


@dataclass
class SimilarRequest:
    petition: Petition
    reasons: list[str]
    score: float | None = None  # the text similarity, when the text is why


# How many requests the hint and the request page list: enough to spot a repeat, few enough to read.
SIMILAR_LIMIT = 8


def petition_list_similar(
    *,
    actor: User,
    region_path: str,
    category: Category | None = None,
    phone: str = "",
    household: Household | None = None,
    title: str = "",
    content: str = "",
    exclude: int | None = None,
    days: int = 90,
    limit: int = SIMILAR_LIMIT,
) -> list[SimilarRequest]:
    """The one answer to "which requests are like this one", for the hint under the intake form and the box on
    the request page alike, among the requests the actor may see: recent ones from the same phone or household,
    on the same matter (category) in the same village, with the same title in the township, and those whose text
    nearly repeats it (the extensions.similar_text finders). Each says why; the most reasons first."""
    since = timezone.localdate() - datetime.timedelta(days=days)
    base = (
        petition_qs(actor=actor)
        .filter(registered_on__gte=since, merged_into__isnull=True)
        .select_related("category", "region")
        .order_by("-registered_on", "-id")
    )
    if exclude:
        base = base.exclude(pk=exclude)
    found: dict[int, SimilarRequest] = {}

    def add(rows: Any, reason: str, score: float | None = None) -> None:
        for p in rows:
            hit = found.setdefault(p.pk, SimilarRequest(p, []))
            if reason not in hit.reasons:
                hit.reasons.append(reason)
            if score is not None:
                hit.score = max(hit.score or 0.0, score)

    if phone:
        add(base.filter(submitter_phone=phone)[:10], _("同一电话"))
    if household is not None:
        add(base.filter(household=household)[:10], _("同一户"))
    if category is not None and region_path:
        add(base.filter(region_path=region_path, category=category)[:10], _("同村同类"))
    township = region_path[: PATH_DIGITS[Level.TOWNSHIP]]
    title = title.strip()
    if title and len(township) == PATH_DIGITS[Level.TOWNSHIP]:
        add(base.filter(subtree_q(township), title=title)[:20], _("标题相同"))
    if (title or content.strip()) and region_path:
        typed = extensions.TypedRequest(title=title, content=content, region_path=region_path)
        for finder in extensions.similar_text:
            for m in finder(actor, typed, exclude):
                add([m.petition], _("内容相近"), m.score)
    ranked = sorted(found.values(), key=lambda s: (-len(s.reasons), -(s.score or 0.0), -s.petition.pk))
    return ranked[:limit]


def petition_list_similar_to(*, actor: User, petition: Petition) -> list[SimilarRequest]:
    """What the intake hint said, or would say, of this request: the same selector on its own fields."""
    p = petition
    return petition_list_similar(
        actor=actor,
        region_path=p.region_path,
        category=p.category,
        phone=p.submitter_phone,
        household=p.household,
        title=p.title,
        content=p.content,
        exclude=p.pk,
    )


def petition_get_by_code(*, actor: User, code: str) -> Petition | None:
    """The request with this tracking code if the actor may see it; None when missing or out of reach."""
    code = normalize_tracking_code(code)
    if not code:
        return None
    return petition_qs(actor=actor).filter(tracking_code=code).first()


def petition_get(*, actor: User, pk: int) -> Petition:

    return get_petition_for_actor(
        Petition.objects.select_related(
            "category",
            "category__parent",
            "region",
            "region__parent",
            "department",
            "assignee",
            "household",
            "resident",
            "repeat_of",
            "merged_into",
            "registered_by",
        ),
        actor,
        pk=pk,
    )


def petition_event_list(*, petition: Petition, public_only: bool = False) -> QuerySet[PetitionEvent]:
    qs = petition.events.select_related("actor")
    if public_only:
        qs = qs.filter(is_public=True)
    return qs


@dataclass
class ListFilters:
    q: str = ""
    status: str = ""
    category: int | None = None
    region: str = ""  # a region path
    channel: str = ""
    level: str = ""
    department: int | None = None
    assignee: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    overdue: bool = False
    due_soon: bool = False
    satisfaction: str = ""
    repeat: bool = False
    skip_level: bool = False
    queue: str = ""


def _soon_horizon(today: datetime.date) -> datetime.date:
    return work_calendar().add_working_days(today, SOON_WORKING_DAYS).due


def petition_list(*, actor: User, filters: ListFilters, for_sorted_page: bool = True) -> QuerySet[Petition]:
    """The filtered list, newest first. `for_sorted_page=False` gives the same rows in the form that counts
    fastest (scoping.region_q)."""

    today = timezone.localdate()
    # A queue or deadline filter picks few rows by status and due date: they are best read off the
    # (status, due_date) index with the paths tested row by row, for the page and for the count alike.
    by_status = filters.queue in STATUS_QUEUES or filters.overdue or filters.due_soon
    qs = petition_qs(actor=actor, for_sorted_page=for_sorted_page or by_status).select_related(
        "category", "region", "region__parent", "department", "assignee"
    )
    if filters.queue:
        qs = qs.filter(queue_q(actor=actor, queue=filters.queue, today=today))
    if filters.status:
        qs = (
            qs.filter(status="accepted", reopen_count__gt=0)
            if filters.status == "reopened"
            else qs.filter(status=filters.status)
        )
    if filters.category:
        qs = qs.filter(Q(category_id=filters.category) | Q(category__parent_id=filters.category))
    if filters.region:
        # A township or wider: the newest page is read off the date index, testing the path (as scoping does).
        qs = qs.filter(
            subtree_q(
                filters.region, indexed=not (for_sorted_page and len(filters.region) <= WIDE_PATH_DIGITS)
            )
        )
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    if filters.assignee:
        qs = qs.filter(assignee_id=filters.assignee)
    if filters.date_from:
        qs = qs.filter(registered_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(registered_on__lte=filters.date_to)
    if filters.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_date__lt=today)
    if filters.due_soon:
        qs = qs.filter(status__in=OPEN_STATUSES, due_date__gte=today, due_date__lte=_soon_horizon(today))
    if filters.satisfaction:
        qs = qs.filter(satisfaction=filters.satisfaction)
    if filters.repeat:
        qs = qs.filter(is_repeat=True)
    if filters.skip_level:
        qs = qs.filter(is_skip_level=True)
    if filters.q:
        return petition_search(qs=qs, q=filters.q)
    return qs.order_by("-registered_on", "-id")


def petition_search(*, qs: QuerySet[Petition], q: str) -> QuerySet[Petition]:
    """The rows of `qs` (already scoped and filtered) that match `q`: a typed tracking code first, then the
    full-text matches of title, content, the people's names and phone tails, best first (search.PETITIONS;
    ranked among the newest fulltext.WINDOW matches)."""
    code = normalize_tracking_code(q)
    first = list(qs.filter(tracking_code=code).values_list("pk", flat=True)) if len(code) == 10 else []
    return PETITIONS.filter(qs, q, first=first)


# --- Work queues: what needs this person now ------------------------------------------------------------------

QUEUES = (
    "to_accept",
    "due_soon",
    "overdue",
    "to_follow_up",
    "reopened",
    "reviews",
    "extensions",
    "mine",
    "sent_up",
)


# Queues that select by status (and deadline) rather than by place.
STATUS_QUEUES = frozenset({"to_accept", "due_soon", "overdue", "reopened", "reviews", "extensions"})


def _act_q(actor: User, *, indexed: bool = True) -> Q:
    """Requests the actor can take a handling step on: at their levels, or assigned to them/their department."""

    q = Q(pk__in=[])
    for path in regions_with(actor, Perm.HANDLE_PETITIONS):
        here = subtree_q(path, "handler_path", indexed=indexed)
        if len(path) <= PATH_DIGITS[Level.COUNTY]:
            # The county may act on any request below it, but its queues hold what is sent up to it: the
            # townships' own work is theirs to do (the county supervises it through 督办).
            here &= Q(level=HandlingLevel.COUNTY)
        q |= here
    if has_perm(actor, Perm.HANDLE_ASSIGNED):
        dept_ids = list(actor.departments.values_list("pk", flat=True))
        q |= Q(department_id__in=dept_ids) | Q(assignee_id=actor.pk)
    return q


def queue_q(*, actor: User, queue: str, today: datetime.date, indexed: bool = True) -> Q:
    """The rows of a work queue. `indexed=False` writes the path filters so SQLite does not plan on them (the
    same rows; see regions.models.subtree_q)."""
    act = _act_q(actor, indexed=indexed)
    if queue == "to_accept":
        return act & Q(status=Status.REGISTERED)
    if queue == "due_soon":
        return act & Q(status__in=OPEN_STATUSES, due_date__gte=today, due_date__lte=_soon_horizon(today))
    if queue == "overdue":
        return act & Q(status__in=OPEN_STATUSES, due_date__lt=today)
    if queue == "to_follow_up":
        follow = Q(pk__in=[])

        for path in regions_with(actor, Perm.INTAKE_PETITIONS):
            here = subtree_q(path)
            if len(path) <= PATH_DIGITS[Level.COUNTY]:
                here &= Q(level=HandlingLevel.COUNTY)  # the townships follow up their own answers
            follow |= here
        return (act | follow) & Q(status=Status.REPLIED, satisfaction="")
    if queue == "reopened":
        return act & Q(status=Status.ACCEPTED, reopen_count__gt=0)
    if queue == "reviews":
        # 复查/复核 arrive already accepted at the level above: without this queue they would surface only
        # when their deadline nears.
        return act & Q(status=Status.ACCEPTED, stage__in=[Stage.REVIEW, Stage.REREVIEW])
    if queue == "extensions":
        approve = Q(pk__in=[])

        for path in regions_with(actor, Perm.APPROVE_EXTENSION):
            here = subtree_q(path, "handler_path")
            if len(path) <= PATH_DIGITS[Level.COUNTY]:
                here &= Q(level=HandlingLevel.COUNTY)  # the townships' heads approve their own
            approve |= here
        return approve & Q(status=Status.ACCEPTED, extension_requested_days__gt=0)
    if queue == "mine":
        return Q(assignee_id=actor.pk, status__in=OPEN_STATUSES)
    if queue == "sent_up":
        return _sent_up_q(actor, indexed=indexed) & Q(status__in=OPEN_STATUSES)
    return Q(pk__in=[])


def _sent_up_q(actor: User, *, indexed: bool = True) -> Q:
    """Requests of the actor's regions now handled above the actor's level (上报): they stay in sight so the
    township can tell the person where the matter is and follow it."""
    q = Q(pk__in=[])
    for path in regions_with(actor, Perm.HANDLE_PETITIONS):
        if len(path) > PATH_DIGITS[Level.COUNTY]:
            q |= subtree_q(path, indexed=indexed) & ~subtree_q(path, "handler_path", indexed=False)
    return q


def queue_labels(*, actor: User) -> dict[str, str]:
    """The queues that apply to the actor, with their names, in display order."""
    from django.utils.translation import gettext as _

    if not (has_perm(actor, Perm.VIEW_PETITIONS) or has_perm(actor, Perm.HANDLE_ASSIGNED)):
        return {}
    labels = {
        "to_accept": _("待受理"),
        "due_soon": _("3 个工作日内到期"),
        "overdue": _("已超期"),
        "to_follow_up": _("待回访"),
        "reopened": _("重新办理"),
        "reviews": _("复查复核"),
        "extensions": _("待审批延期"),
        "mine": _("我承办的"),
        "sent_up": _("已上报上级"),
    }
    if not has_perm(actor, Perm.APPROVE_EXTENSION):
        del labels["extensions"]
    if not any(len(p) > PATH_DIGITS[Level.COUNTY] for p in regions_with(actor, Perm.HANDLE_PETITIONS)):
        del labels["sent_up"]
    return labels


def work_queue_list(*, actor: User) -> list[dict[str, Any]]:
    """Counts for the home page: one row per queue that applies to the actor."""
    today = timezone.localdate()
    # Every queue is of open requests; one small indexed count each beats one pass over the whole scope.
    base = petition_qs(actor=actor).filter(status__in=OPEN_STATUSES)
    return [
        {
            "name": name,
            "label": label,
            "count": base.filter(queue_q(actor=actor, queue=name, today=today)).count(),
        }
        for name, label in queue_labels(actor=actor).items()
    ]


def petition_list_for_household(*, actor: User, household_id: int) -> QuerySet[Petition]:
    return (
        petition_qs(actor=actor)
        .filter(household_id=household_id)
        .select_related("category")
        .order_by("-registered_on")
    )


def petition_get_for_tracking(*, code: str, phone_tail: str) -> Petition | None:
    """The public lookup: the tracking code and the last four digits of the phone must both match. A forged code
    and a wrong tail give the same answer (None)."""
    code = normalize_tracking_code(code)
    tail = "".join(ch for ch in (phone_tail or "") if ch.isdigit())
    if len(code) != 10 or len(tail) != 4:
        return None
    p = (
        Petition.objects.select_related("category", "region", "region__parent", "merged_into")
        .filter(tracking_code=code)
        .first()
    )
    if p is None or not p.submitter_phone or not p.submitter_phone.endswith(tail):
        return None
    return p


def category_list_tree() -> list[tuple[Category, list[Category]]]:
    cats = list(Category.objects.filter(is_active=True).order_by("sort_order", "code"))
    children: dict[int, list[Category]] = {}
    for c in cats:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(c)
    return [(c, children.get(c.pk, [])) for c in cats if not c.parent_id]


def category_list_leaves() -> list[Category]:
    """Categories a request can be filed under, parents first in the order people expect."""
    leaves = []
    for parent, kids in category_list_tree():
        if kids:
            leaves.extend(kids)
        else:
            leaves.append(parent)
    return leaves


def department_qs(*, actor: User) -> QuerySet[Department]:

    return scope(Department.objects.filter(is_active=True), actor, Perm.HANDLE_PETITIONS)


def reception_day_list_upcoming(*, region_path: str = "", days: int = 60) -> QuerySet[ReceptionDay]:

    today = timezone.localdate()
    qs = ReceptionDay.objects.filter(
        is_public=True, date__gte=today, date__lte=today + datetime.timedelta(days=days)
    )
    if region_path:
        qs = qs.filter(subtree_q(region_path))
    return qs.select_related("leader", "region").order_by("date", "start_time")


def reception_day_get_public(*, pk: int) -> ReceptionDay:
    """A published, upcoming reception day a resident may book, or Http404 (past, hidden or unknown alike)."""
    day = reception_day_list_upcoming().filter(pk=pk).first()
    if day is None:
        raise Http404
    return day


def reception_booking_choices(*, day: ReceptionDay) -> dict[str, Any]:
    """What the booking form offers: the villages of the day's township, and each slot with room left or not."""
    taken = dict(
        day.registrations.filter(slot__isnull=False)
        .values_list("slot")
        .annotate(n=Count("id"))
        .values_list("slot", "n")
    )
    return {
        "villages": list(regions_below(day.region_path, Level.VILLAGE).order_by("path")),
        "slots": [(t, taken.get(t, 0) < PER_SLOT) for t in reception_slots(day)],
    }


def satisfaction_summary(*, qs: QuerySet[Petition]) -> dict[str, int]:
    rows = qs.exclude(satisfaction="").values("satisfaction").annotate(n=Count("pk"))
    out = {s.value: 0 for s in Satisfaction}
    out.update({r["satisfaction"]: r["n"] for r in rows})
    return out


# --- Closure judgements: the four 80% and where matters were solved ------------------------------------------


@dataclass
class JudgementRow:
    key: str
    label: str
    closed: int
    reform: int
    justified: int
    solvable: int
    grassroots: int
    village: int
    township: int
    county: int
    rated: int
    satisfied: int  # 满意 + 基本满意
    on_time: int

    def pct(self, n: int, of: int | None = None) -> float | None:
        base = self.closed if of is None else of
        return round(100 * n / base, 1) if base else None

    @property
    def shares(self) -> dict[str, float | None]:
        return {
            "reform": self.pct(self.reform),
            "justified": self.pct(self.justified),
            "solvable": self.pct(self.solvable),
            "grassroots": self.pct(self.grassroots),
            "village": self.pct(self.village),
            "township": self.pct(self.township),
            "county": self.pct(self.county),
            "satisfied": self.pct(self.satisfied, self.rated),
            "on_time": self.pct(self.on_time),
        }


def closure_report(
    *, actor: User, group: str, date_from: datetime.date, date_to: datetime.date
) -> tuple[JudgementRow, list[JudgementRow]]:
    """The four 80% judgements, solving level, satisfaction and on-time rate of requests closed in the period,
    in total and per village, category (first level) or month. On time: replied by the conclusion deadline."""
    from django.db.models import F
    from django.db.models.functions import TruncMonth

    tz_from = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=timezone.get_current_timezone())
    tz_to = datetime.datetime.combine(date_to, datetime.time.max, tzinfo=timezone.get_current_timezone())
    qs = petition_qs(actor=actor).filter(status=Status.CLOSED, closed_at__gte=tz_from, closed_at__lte=tz_to)
    measures = {
        "closed": Count("pk"),
        "reform": Count("pk", filter=Q(j_reform=True)),
        "justified": Count("pk", filter=Q(j_justified=True)),
        "solvable": Count("pk", filter=Q(j_solvable=True)),
        "grassroots": Count("pk", filter=Q(j_grassroots=True)),
        "village": Count("pk", filter=Q(solved_level="village")),
        "township": Count("pk", filter=Q(solved_level="township")),
        "county": Count("pk", filter=Q(solved_level="county")),
        "rated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count("pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])),
        "on_time": Count(
            "pk",
            filter=Q(replied_on__isnull=False, conclude_due__isnull=False, replied_on__lte=F("conclude_due")),
        ),
    }
    from django.utils.translation import gettext as _

    names: dict[Any, str] = {}
    if group == "category":
        names = {c.pk: c.name for c in Category.objects.filter(parent__isnull=True)}
        grouped: Any = qs.annotate(key=Coalesce("category__parent_id", "category_id"))
    elif group == "month":
        grouped = qs.annotate(key=TruncMonth("closed_at"))
    else:
        grouped = qs.annotate(key=F("region_id"))
    values: list[dict[str, Any]] = [dict(r) for r in grouped.values("key").annotate(**measures)]
    if group == "village":
        names = dict(Region.objects.filter(pk__in=[v["key"] for v in values]).values_list("pk", "name"))
    rows: list[JudgementRow] = []
    for v in values:
        key = v.pop("key")
        label = f"{key:%Y-%m}" if group == "month" else names.get(key, "—")
        rows.append(JudgementRow(key=str(label if group == "month" else key), label=label, **v))
    rows.sort(key=lambda r: r.label if group == "month" else -r.closed)
    total = JudgementRow(key="", label=str(_("合计")), **dict(qs.aggregate(**measures)))
    return total, rows


# --- Leader reception days (大接访) ------------------------------------------------------------------------------


def reception_day_qs(*, actor: User) -> QuerySet[ReceptionDay]:
    return scope(ReceptionDay.objects.select_related("leader", "region"), actor, Perm.VIEW_PETITIONS)


def reception_day_get(*, actor: User, pk: int, perm: Perm = Perm.VIEW_PETITIONS) -> ReceptionDay:
    """One reception day the actor holds `perm` over, or Http404."""
    return get_for_actor(ReceptionDay.objects.select_related("leader", "region"), actor, perm, pk=pk)


def reception_form_choices(*, actor: User) -> dict[str, Any]:
    """The townships where the actor schedules reception days, and their leaders (who receive the people)."""
    townships = regions_for(actor=actor, perm=Perm.MANAGE_RECEPTION, levels=[Level.TOWNSHIP])
    leader_ids = RoleAssignment.objects.filter(role=Role.LEADER, region__in=townships).values_list(
        "user_id", flat=True
    )
    return {"regions": townships, "leaders": User.objects.filter(pk__in=leader_ids, is_active=True)}
