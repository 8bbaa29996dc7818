"""Reminders and escalation: the daily pass over requests whose deadlines approach or have passed."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from minqing.accounts.models import RoleAssignment, User
from minqing.accounts.roles import Role
from minqing.audit.services import snapshot
from minqing.core.notify import notify
from minqing.regions.models import PATH_DIGITS
from minqing.regions.models import Level as RegionLevel
from minqing.workcal.selectors import work_calendar

from ..models import (
    EventKind,
    Petition,
    Status,
)
from .common import _audit, _event, _today

# ----------------------------------------------------------------------------------------------------------
# Reminders and escalation (the periodic task)


@dataclass
class ReminderRun:
    reminded: int = 0
    escalated: int = 0


def _handlers_of(p: Petition) -> list[User]:
    """Who is told a deadline is near: the named handler, else the department, else the level's office."""
    if p.assignee is not None:
        return [p.assignee]
    if p.department is not None:
        return list(p.department.members.filter(is_active=True))
    user_ids = RoleAssignment.objects.filter(
        region__path=p.handler_path,
        role__in=[Role.PETITION_OFFICER, Role.VILLAGE_CADRE, Role.COUNTY_PETITION_OFFICER],
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=user_ids, is_active=True))


def _leaders_of(p: Petition) -> list[User]:
    township = p.region_path[: PATH_DIGITS[RegionLevel.TOWNSHIP]]
    user_ids = RoleAssignment.objects.filter(region__path=township, role=Role.LEADER).values_list(
        "user_id", flat=True
    )
    return list(User.objects.filter(pk__in=user_ids, is_active=True))


def _tell_staff(users: Iterable[User], p: Petition, body: str) -> None:
    for user in users:
        phone = getattr(user, "phone", "") or ""
        if phone or user.email:
            notify(
                phone=phone,
                email=user.email,
                subject=_("诉求期限提醒"),
                body=body,
                about=f"petitions.petition:{p.pk}",
            )


def petitions_remind(*, today: datetime.date | None = None, soon_days: int = 3) -> ReminderRun:
    """Remind handlers of deadlines within `soon_days` working days and escalate overdue requests to the
    township's leaders, each once per day (reminder) or once per deadline (escalation). Idempotent per day."""
    today = today or _today()
    cal = work_calendar()
    horizon = cal.add_working_days(today, soon_days).due
    run = ReminderRun()
    open_qs = Petition.objects.filter(
        status__in=(Status.REGISTERED, Status.ACCEPTED, Status.REPLIED), due_date__isnull=False
    )
    for pk in (
        open_qs.filter(due_date__lt=today, escalated_on__isnull=True).values_list("pk", flat=True).iterator()
    ):
        with transaction.atomic():
            p = (
                Petition.objects.select_for_update(of=("self",))
                .select_related("department", "assignee")
                .get(pk=pk)
            )
            if p.escalated_on is not None or p.due_date is None or p.due_date >= today:
                continue
            p.escalated_on = today
            p.reminded_on = today
            p.save(update_fields=["escalated_on", "reminded_on", "updated_at"])
            body = _("诉求 %(code)s“%(title)s”%(kind)s期限 %(due)s 已超期，请督办。") % {
                "code": p.tracking_code,
                "title": p.title[:30],
                "kind": p.get_due_kind_display(),
                "due": f"{p.due_date:%Y-%m-%d}",
            }
            _event(p, EventKind.ESCALATED, None, note=body, by_system=True)
            _audit(None, p, snapshot(p), _("超期督办"))
            _tell_staff([*_handlers_of(p), *_leaders_of(p)], p, body)
            run.escalated += 1
    soon = open_qs.filter(due_date__gte=today, due_date__lte=horizon).exclude(reminded_on=today)
    for pk in soon.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            p = (
                Petition.objects.select_for_update(of=("self",))
                .select_related("department", "assignee")
                .get(pk=pk)
            )
            if p.reminded_on == today or p.due_date is None:
                continue
            p.reminded_on = today
            p.save(update_fields=["reminded_on", "updated_at"])
            body = _("诉求 %(code)s“%(title)s”%(kind)s期限为 %(due)s，请抓紧办理。") % {
                "code": p.tracking_code,
                "title": p.title[:30],
                "kind": p.get_due_kind_display(),
                "due": f"{p.due_date:%Y-%m-%d}",
            }
            _event(p, EventKind.REMINDED, None, note=body, by_system=True)
            _audit(None, p, snapshot(p), _("到期提醒"))
            _tell_staff(_handlers_of(p), p, body)
            run.reminded += 1
    return run
