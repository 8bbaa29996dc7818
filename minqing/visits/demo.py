"""Demo 下村 data: the township's quota rules, four months of diaries by the demo staff, and a few courses.

Diligence differs by person so the compliance table shows both kinds: cadres who stay with their villages
and one who only drops in (走读)."""

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal
from random import Random

from django.db import transaction
from django.utils import timezone

from minqing.accounts.models import RoleAssignment, User
from minqing.accounts.roles import Role
from minqing.households.models import Household, HouseholdStatus
from minqing.regions.models import Level, Region, subtree_q

from .models import Attendance, Course, Metric, Period, QuotaRule, Topic, Visit, VisitHousehold

# (role, metric, period, target): the hard rules the seed essay asks for.
RULES = (
    (Role.LEADER, Metric.VILLAGE_DAYS, Period.MONTH, 8),
    (Role.LEADER, Metric.NIGHTS, Period.MONTH, 2),
    (Role.PETITION_OFFICER, Metric.VILLAGE_DAYS, Period.MONTH, 8),
    (Role.PETITION_OFFICER, Metric.NIGHTS, Period.MONTH, 2),
    (Role.VILLAGE_LIAISON, Metric.VILLAGE_DAYS, Period.MONTH, 10),
    (Role.VILLAGE_LIAISON, Metric.NIGHTS, Period.MONTH, 2),
    (Role.VILLAGE_LIAISON, Metric.COVERAGE, Period.QUARTER, 100),
    (Role.VILLAGE_CADRE, Metric.HOUSEHOLDS, Period.MONTH, 30),
)

# username → (village days a month, nights a month): one liaison only drops in.
DILIGENCE = {
    "leader": (9, 2),
    "officer": (8, 3),
    "liaison": (14, 4),
    "liaison2": (5, 0),
    "mediator": (6, 1),
    "cadre_zhangzhuang": (20, 0),
    "cadre_leiji": (18, 0),
    "cadre_dongbatou": (16, 0),
    "cadre_yangzhuang": (12, 0),
    "cadre_zhuzhuang": (15, 0),
}

HEARD = (
    "村民反映灌溉机井坏了，春灌前需要修好。",
    "两户因宅基地边界有争执，已当场劝解，约定下周一起找村委丈量。",
    "留守老人王大娘身体不好，子女在外打工，需要村医定期上门。",
    "低保户反映今年的低保金还没有到账。",
    "群众希望村里的路灯尽快修好，晚上出行不安全。",
    "了解今年小麦长势，农户担心收购价。",
    "走访特困供养对象，生活基本稳定，冬季取暖需要关注。",
    "村民反映垃圾清运不及时。",
    "残疾人家庭希望了解残疾人两项补贴的申请条件。",
    "外出务工人员反映工资被拖欠，已登记情况。",
    "空巢老人家中电线老化，已联系电工检查。",
    "村民询问新农合缴费标准。",
)

COURSES = (
    ("新时代群众工作方法", "县委党校", Decimal("6"), ["mass_line"]),
    ("人民调解实务与案例", "县司法局", Decimal("4"), ["mediation", "law"]),
    ("《信访工作条例》解读", "县信访局", Decimal("3"), ["petition", "policy"]),
)


@dataclass
class VisitDemoResult:
    visits: int
    rules: int
    courses: int


def _months(as_of: datetime.date, n: int) -> list[datetime.date]:
    out = []
    m = as_of.replace(day=1)
    for _ in range(n):
        out.append(m)
        m = (m - datetime.timedelta(days=1)).replace(day=1)
    return out[::-1]


@transaction.atomic
def demo_visits(
    *, township: Region, seed: int = 2026, as_of: datetime.date | None = None, months: int = 4
) -> VisitDemoResult:
    rng = Random(seed + 7)
    as_of = as_of or timezone.localdate()
    rules = 0
    for role, metric, period, target in RULES:
        _rule, created = QuotaRule.objects.get_or_create(
            region=township,
            role=role,
            metric=metric,
            period=period,
            defaults={"region_path": township.path, "target": target},
        )
        rules += created
    users = {u.username: u for u in User.objects.filter(username__in=list(DILIGENCE))}
    villages = list(
        Region.objects.filter(parent=township, level=Level.VILLAGE, is_active=True).order_by("path")
    )
    loaded = set(
        Household.objects.filter(subtree_q(township.path), status=HouseholdStatus.ACTIVE)
        .values_list("region_path", flat=True)
        .distinct()
    )
    villages = [v for v in villages if any(p.startswith(v.path) for p in loaded)] or villages
    households: dict[str, list[int]] = {
        v.path: list(
            Household.objects.filter(subtree_q(v.path), status=HouseholdStatus.ACTIVE).values_list(
                "pk", flat=True
            )
        )
        for v in villages
    }
    special_ids = set(
        Household.tags.through.objects.filter(household__region_path__startswith=township.path).values_list(
            "household_id", flat=True
        )
    )
    made = 0
    for username, (days_a_month, nights_a_month) in DILIGENCE.items():
        user = users.get(username)
        if user is None or Visit.objects.filter(cadre=user).exists():
            continue
        own = [
            v
            for v in villages
            if RoleAssignment.objects.filter(user=user, region__path__in=[v.path, township.path]).exists()
        ]
        own = own or villages
        for month in _months(as_of, months):
            last = min(
                as_of, (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
            )
            span = (last - month).days + 1
            scale = span / 30 if month == as_of.replace(day=1) else 1.0
            n_days = max(0, round(days_a_month * scale * rng.uniform(0.8, 1.15)))
            dates = sorted(rng.sample(range(span), min(n_days, span)))
            night_days = (
                set(rng.sample(dates, min(len(dates), round(nights_a_month * scale)))) if dates else set()
            )
            for d in dates:
                village = rng.choice(own)
                on = month + datetime.timedelta(days=d)
                visit = Visit.objects.create(
                    cadre=user,
                    village=village,
                    region_path=village.path,
                    visited_on=on,
                    nights=1 if d in night_days else 0,
                    stay_place="村委会值班室" if d in night_days else "",
                    heard=rng.choice(HEARD),
                    client_key=secrets.token_hex(16),
                )
                pool = households.get(village.path) or []
                if pool:
                    # Households with special difficulties are visited more often, as the rules ask.
                    weights = [3 if pk in special_ids else 1 for pk in pool]
                    k = min(len(pool), rng.randint(2, 6))
                    picked = set(rng.choices(pool, weights=weights, k=k))
                    VisitHousehold.objects.bulk_create(
                        VisitHousehold(visit=visit, household_id=pk, cadre=user, visited_on=on)
                        for pk in picked
                    )
                made += 1
    courses = 0
    staff = list(users.values())
    for i, (title, organiser, hours, topics) in enumerate(COURSES):
        held = as_of - datetime.timedelta(days=20 + 45 * i)
        if held.year != as_of.year:
            held = as_of.replace(month=1, day=10 + i)
        course, created = Course.objects.get_or_create(
            region=township,
            title=title,
            defaults={
                "region_path": township.path,
                "organiser": organiser,
                "held_on": held,
                "hours": hours,
                "topics": topics,
            },
        )
        if created:
            courses += 1
            attendees = rng.sample(staff, min(len(staff), rng.randint(4, 8)))
            Attendance.objects.bulk_create(Attendance(course=course, cadre=u, hours=hours) for u in attendees)
    assert all(t in Topic.values for _t, _o, _h, ts in COURSES for t in ts)
    return VisitDemoResult(made, rules, courses)
