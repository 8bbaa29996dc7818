"""责任清单: one person's duties from every practice, and a leader's overview of everyone in their regions.

The duties come from the providers the practices register (minqing.core.duties); this module only decides whose
lists a viewer may open and lays them out. A leader (VIEW_DUTIES) sees the people holding a role in their regions
and the staff of the departments there, and of each person's duties only the records the leader may see.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import Department, RoleAssignment, User
from minqing.accounts.roles import ADMIN_ROLES, Role
from minqing.core import duties
from minqing.core.duties import DutyItem, DutyKind, DutyQuery
from minqing.regions.models import Level, Region, subtree_q
from minqing.regions.scoping import Perm, regions_for, regions_with, scope
from minqing.workcal.selectors import WorkCalendar, work_calendar

# "Due soon" as the request practice counts it: within three working days.
SOON_WORKING_DAYS = 3


@dataclass(frozen=True)
class DutyRow:
    item: DutyItem
    kind_label: str
    soon: bool
    working_days: int | None  # working days left (negative: overdue by), None without a deadline

    @property
    def late_by(self) -> int:
        return max(0, -(self.working_days or 0))


@dataclass
class DutyGroup:
    kind: DutyKind
    rows: list[DutyRow]


@dataclass
class DutyList:
    person: User
    today: datetime.date
    overdue: list[DutyRow]
    groups: list[DutyGroup]  # the rest, by kind, each by deadline
    total: int
    soon: int


def _soon_until(cal: WorkCalendar, today: datetime.date) -> datetime.date:
    return cal.add_working_days(today, SOON_WORKING_DAYS).due


def _layout(person: User, items: list[DutyItem], today: datetime.date, cal: WorkCalendar) -> DutyList:
    known = duties.kinds()
    until = _soon_until(cal, today)
    rows = [
        DutyRow(
            item=i,
            kind_label=str(known[i.kind].label) if i.kind in known else i.kind,
            soon=not i.overdue and i.due is not None and i.due <= until,
            working_days=None if i.due is None else cal.working_days_between(today, i.due),
        )
        for i in items
    ]
    by_kind: dict[str, list[DutyRow]] = defaultdict(list)
    for r in rows:
        if not r.item.overdue:
            by_kind[r.item.kind].append(r)
    groups = [DutyGroup(kind, by_kind[key]) for key, kind in known.items() if by_kind.get(key)]
    return DutyList(
        person=person,
        today=today,
        overdue=[r for r in rows if r.item.overdue],
        groups=groups,
        total=len(rows),
        soon=sum(1 for r in rows if r.soon),
    )


def duty_list(*, actor: User, person: User | None = None) -> DutyList:
    """A person's 责任清单 as the actor may see it (the actor's own without `person`): overdue first, then by
    kind, each by deadline. Opening someone else's list needs them among `duty_people_qs(actor=)`."""
    person = person or actor
    today = timezone.localdate()
    items = duties.collect(DutyQuery(viewer=actor, people=[person], today=today))[person.pk]
    return _layout(person, items, today, work_calendar())


def _view_paths(actor: User) -> list[str]:
    return regions_with(actor, Perm.VIEW_DUTIES)


def duty_people_qs(*, actor: User) -> QuerySet[User]:
    """Whose lists the actor oversees: active users holding a casework role at or below the actor's VIEW_DUTIES
    regions, and the staff of the departments there. None without VIEW_DUTIES."""
    paths = _view_paths(actor)
    if not paths:
        return User.objects.none()
    where = Q(pk__in=[])
    for path in paths:
        where |= subtree_q(path, "region__path")
    granted = (
        RoleAssignment.objects.filter(where, region__is_active=True)
        .exclude(role__in=list(ADMIN_ROLES))
        .values("user_id")
    )
    departments = scope(Department.objects.filter(is_active=True), actor, Perm.VIEW_DUTIES)
    staff = Department.members.through.objects.filter(department__in=departments).values("user_id")
    return User.objects.filter(Q(pk__in=granted) | Q(pk__in=staff), is_active=True)


def duty_person_get(*, actor: User, pk: int) -> User:
    """One person the actor oversees, or Http404 exactly as if there were no such account."""
    person = duty_people_qs(actor=actor).filter(pk=pk).first()
    if person is None:
        raise Http404(_("找不到该记录。"))
    return person


def duty_department_qs(*, actor: User) -> QuerySet[Department]:
    return scope(Department.objects.filter(is_active=True), actor, Perm.VIEW_DUTIES).select_related("region")


def duty_region_choices(*, actor: User) -> QuerySet[Region]:
    return regions_for(
        actor=actor, perm=Perm.VIEW_DUTIES, levels=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
    )


@dataclass
class PersonRow:
    person: User
    roles: list[str]
    departments: list[str]
    total: int
    overdue: int
    soon: int
    undated: int


@dataclass
class DepartmentRow:
    department: Department
    members: int
    total: int
    overdue: int
    soon: int


@dataclass
class DutyOverview:
    today: datetime.date
    rows: list[PersonRow]
    departments: list[DepartmentRow]
    total: int = 0  # duties, each counted once however many people share it
    overdue: int = 0
    late_people: int = 0
    kinds: list[tuple[DutyKind, int, int]] = field(default_factory=list)  # kind, items, overdue


def duty_overview(*, actor: User, department_id: int | None = None, region_path: str = "") -> DutyOverview:
    """Everyone the actor oversees with their counts (most overdue first), and each department's: its staff's
    duties counted once (a request of the department without a named handler is every member's)."""
    today = timezone.localdate()
    cal = work_calendar()
    until = _soon_until(cal, today)
    people_qs = duty_people_qs(actor=actor)
    departments = list(duty_department_qs(actor=actor))
    if department_id is not None:
        if department_id not in {d.pk for d in departments}:
            raise Http404(_("找不到该记录。"))
        people_qs = people_qs.filter(departments__pk=department_id)
    if region_path:
        if not any(region_path.startswith(p) for p in _view_paths(actor)):
            raise Http404(_("找不到该记录。"))
        inside = RoleAssignment.objects.filter(subtree_q(region_path, "region__path")).values("user_id")
        people_qs = people_qs.filter(pk__in=inside)
    people = list(people_qs.distinct().order_by("display_name", "username"))
    ids = [p.pk for p in people]
    roles: dict[int, list[str]] = defaultdict(list)
    role_label = {r.value: str(r.label) for r in Role}
    for uid, role, place in (
        RoleAssignment.objects.filter(user_id__in=ids)
        .values_list("user_id", "role", "region__name")
        .order_by("region__path", "role")
    ):
        roles[uid].append(f"{role_label.get(role, role)}·{place}")
    member_of: dict[int, list[int]] = defaultdict(list)
    for dept_id, uid in Department.members.through.objects.filter(
        user_id__in=ids, department__in=[d.pk for d in departments]
    ).values_list("department_id", "user_id"):
        member_of[uid].append(dept_id)
    dept_names = {d.pk: d.name for d in departments}
    found = duties.collect(DutyQuery(viewer=actor, people=people, today=today))

    def soon(i: DutyItem) -> bool:
        return not i.overdue and i.due is not None and i.due <= until

    rows = []
    dept_items: dict[int, dict[tuple[Any, ...], DutyItem]] = defaultdict(dict)
    every: dict[tuple[Any, ...], DutyItem] = {}
    for p in people:
        items = found.get(p.pk, [])
        rows.append(
            PersonRow(
                person=p,
                roles=roles.get(p.pk, []),
                departments=[dept_names[d] for d in member_of.get(p.pk, [])],
                total=len(items),
                overdue=sum(1 for i in items if i.overdue),
                soon=sum(1 for i in items if soon(i)),
                undated=sum(1 for i in items if i.due is None),
            )
        )
        for i in items:
            every[i.key] = i
            for d in member_of.get(p.pk, []):
                dept_items[d][i.key] = i
    rows.sort(key=lambda r: (-r.overdue, -r.soon, -r.total, str(r.person)))
    members: dict[int, int] = defaultdict(int)
    for dept_ids in member_of.values():
        for d in dept_ids:
            members[d] += 1
    dept_rows = [
        DepartmentRow(
            department=d,
            members=members.get(d.pk, 0),
            total=len(dept_items[d.pk]),
            overdue=sum(1 for i in dept_items[d.pk].values() if i.overdue),
            soon=sum(1 for i in dept_items[d.pk].values() if soon(i)),
        )
        for d in departments
        if department_id is None or d.pk == department_id
    ]
    dept_rows.sort(key=lambda r: (-r.overdue, -r.total, r.department.region_path, r.department.name))
    kind_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i in every.values():
        kind_counts[i.kind][0] += 1
        kind_counts[i.kind][1] += int(i.overdue)
    known = duties.kinds()
    return DutyOverview(
        today=today,
        rows=rows,
        departments=dept_rows,
        total=len(every),
        overdue=sum(1 for i in every.values() if i.overdue),
        late_people=sum(1 for r in rows if r.overdue),
        kinds=[
            (kind, kind_counts[key][0], kind_counts[key][1])
            for key, kind in known.items()
            if key in kind_counts
        ],
    )
