"""Petitions' duties in the 责任清单 (minqing.core.duties), registered in `PetitionsConfig.ready()`.

A request is the duty of its 承办人; without a named one, of every member of its 承办部门 (a department's staff
answer what is assigned to it). Its 回访 falls to the same people, and when the request has neither (a village's
own matter), to whoever registered it. The deadline is the request's own clock (`due_date`), already counted in
working days by workcal. A leader's reception day is the leader's duty until it is held, and after it until what
happened there is recorded.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minqing.accounts.models import Department
from minqing.core import duties
from minqing.core.duties import DutyItem, DutyKind, DutyQuery

from .models import DueKind, Status
from .selectors import petition_qs, reception_day_qs

HANDLE = "petition_handle"
FOLLOW_UP = "petition_follow_up"
RECEPTION = "reception_day"

# Reception days this far ahead are listed; later ones are not yet a duty of this week's list.
RECEPTION_AHEAD_DAYS = 30

# Above this many people an IN list of their ids costs more than reading every named request in scope.
MANY_PEOPLE = 500


def _departments_of(person_ids: set[int]) -> dict[int, set[int]]:
    """department id → the given people who are its members (active departments only)."""
    members: dict[int, set[int]] = defaultdict(set)
    rows = Department.members.through.objects.filter(
        user_id__in=list(person_ids), department__is_active=True
    ).values_list("department_id", "user_id")
    for dept_id, user_id in rows:
        members[dept_id].add(user_id)
    return members


def _responsible(
    assignee: int | None,
    department: int | None,
    registrar: int | None,
    members: dict[int, set[int]],
    *,
    reply: bool,
) -> set[int]:
    if assignee is not None:
        return {assignee}
    if department is not None:
        return members.get(department, set())
    return {registrar} if reply and registrar is not None else set()


def _requests(q: DutyQuery) -> Iterator[DutyItem]:
    ids = q.person_ids
    members = _departments_of(ids)
    qs = petition_qs(actor=q.viewer).filter(
        status__in=(Status.REGISTERED, Status.ACCEPTED, Status.REPLIED), merged_into__isnull=True
    )
    if len(ids) <= MANY_PEOPLE:
        named = Q(assignee_id__in=ids) | Q(assignee__isnull=True, department_id__in=list(members))
        named |= Q(
            status=Status.REPLIED, assignee__isnull=True, department__isnull=True, registered_by_id__in=ids
        )
        qs = qs.filter(named)
    else:
        qs = qs.filter(Q(assignee__isnull=False) | Q(department__isnull=False) | Q(status=Status.REPLIED))
    # A request answered and already rated has nothing left to do; the rest follow their clock.
    qs = qs.exclude(status=Status.REPLIED, satisfaction__gt="")
    url = duties.url_maker("petitions:detail")
    due_labels = {k.value: str(k.label) for k in DueKind}
    uncertain = _("（期限待核）")
    rows = qs.values_list(
        "pk",
        "tracking_code",
        "title",
        "status",
        "due_date",
        "due_kind",
        "due_uncertain",
        "assignee_id",
        "department_id",
        "registered_by_id",
        "region_path",
        "region__name",
    ).order_by()
    for pk, code, title, status, due, due_kind, unsure, assignee, dept, registrar, path, place in rows:
        reply = status == Status.REPLIED
        note = due_labels.get(due_kind, "") + (uncertain if unsure else "")
        for person in _responsible(assignee, dept, registrar, members, reply=reply) & ids:
            yield DutyItem(
                person_id=person,
                kind=FOLLOW_UP if reply else HANDLE,
                title=f"{code} {title}",
                due=due,
                overdue=due is not None and due < q.today,
                url=url(pk),
                region_path=path,
                region_name=place,
                note=note,
                shared=assignee is None,
            )


def _reception(q: DutyQuery) -> Iterator[DutyItem]:
    ids = q.person_ids
    ahead = q.today + datetime.timedelta(days=RECEPTION_AHEAD_DAYS)
    qs = reception_day_qs(actor=q.viewer).filter(
        Q(date__gte=q.today, date__lte=ahead) | Q(date__lt=q.today, outcome="")
    )
    qs = qs.filter(leader_id__in=ids) if len(ids) <= MANY_PEOPLE else qs
    url = duties.url_maker("petitions:reception_detail")
    for day in qs.order_by():
        held = day.date < q.today
        yield DutyItem(
            person_id=day.leader_id,
            kind=RECEPTION,
            title=_("%(date)s %(start)s 接访（%(place)s）")
            % {"date": f"{day.date:%m-%d}", "start": f"{day.start_time:%H:%M}", "place": day.place},
            due=day.date,
            overdue=held,
            url=url(day.pk),
            region_path=day.region_path,
            region_name=day.region.name,
            note=_("待登记接访情况") if held else (day.topics or _("领导接访")),
        )


def register() -> None:
    duties.register(
        duties.Provider(
            "petitions",
            (
                DutyKind(HANDLE, gettext_lazy("承办诉求"), 10),
                DutyKind(FOLLOW_UP, gettext_lazy("诉求回访"), 20),
                DutyKind(RECEPTION, gettext_lazy("领导接访"), 60),
            ),
            lambda q: [*_requests(q), *_reception(q)],
        )
    )
