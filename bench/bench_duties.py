"""责任清单 at county scale: the leader's per-person overview, timed on SQLite (or PostgreSQL).

Builds (once) a scratch database with bench_visits' county (兰考县: its townships and villages, N households,
C cadres holding field roles, county-wide quota rules, twelve months of diaries), and on top of it: 8 departments
per township with two township cadres each, R open requests (registered / accepted / replied; 60 % with a named
handler from the village or township, 25 % with a department only; deadlines from 20 days ago to 40 days ahead,
so about a third are overdue), D open disputes with a 稳控 and a 化解 responsible, and a reception day a week per
township leader.

Then times, DEBUG off:
  * duty_overview for the county supervisor (everyone in the county) and for one township's leader;
  * duty_list of one village cadre (their own) and of the busiest person as the supervisor sees it;
  * floors: the visits compliance table of the county for this month (which the overview includes), and reading
    the scoped open requests' columns once.

    .venv/bin/python bench/bench_duties.py [--postgres] [--households 100000] [--cadres 5000]
        [--requests 50000] [--disputes 10000] [--rebuild]

SQLite: var/bench-duties; PostgreSQL: postgres://postgres@127.0.0.1:5432/minqing_bench_duties.
"""

import argparse
import datetime
import os
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SCRATCH = ROOT / "var" / "bench-duties"
PG_DB = "minqing_bench_duties"
BATCH = 10_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--cadres", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--disputes", type=int, default=10_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    if args.postgres:
        import psycopg

        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            if args.rebuild:
                c.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone():
                c.execute(f"CREATE DATABASE {PG_DB}")
    else:
        if args.rebuild and SCRATCH.exists():
            shutil.rmtree(SCRATCH)
        os.environ["MINQING_VAR_DIR"] = str(SCRATCH)
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from minqing.petitions.models import Petition
    from minqing.visits.models import Visit

    if not Visit.objects.exists():
        import bench_visits

        bench_visits.build(args.households, args.cadres)
    if not Petition.objects.exists():
        build(args.requests, args.disputes)
    run(args.repeat)


def build(n_requests: int, n_disputes: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from minqing.accounts.models import Department, RoleAssignment
    from minqing.accounts.roles import Role
    from minqing.mediation.models import Dispute, DisputeKind, DisputeStatus
    from minqing.petitions.models import Category, DueKind, Petition, ReceptionDay, Status
    from minqing.regions.models import Level, Region

    t0 = time.perf_counter()
    rng = random.Random(2027)
    today = timezone.localdate()
    now = timezone.now()
    county = Region.objects.get(code="410225000000")
    townships = list(Region.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("path"))
    villages = list(Region.objects.filter(parent__in=townships, level=Level.VILLAGE).order_by("path"))
    staff: dict[str, list[int]] = {}  # region path → users holding a role there
    leaders: dict[str, list[int]] = {}
    for uid, role, path in RoleAssignment.objects.values_list("user_id", "role", "region__path"):
        staff.setdefault(path, []).append(uid)
        if role == Role.LEADER:
            leaders.setdefault(path, []).append(uid)
    depts: dict[str, list[Department]] = {}
    with transaction.atomic():
        for t in townships:
            people = staff.get(t.path, [])
            for k, name in enumerate(
                ("民政所", "国土所", "农业站", "林业站", "水利站", "司法所", "派出所", "城建办")
            ):
                d = Department.objects.create(name=name, region=t, region_path=t.path)
                d.members.set(people[2 * k % max(1, len(people)) :][:2])
                depts.setdefault(t.path, []).append(d)
    category = Category.objects.filter(children__isnull=True, is_active=True).order_by("sort_order").first()
    assert category is not None
    statuses = [Status.REGISTERED, Status.ACCEPTED, Status.ACCEPTED, Status.REPLIED]
    due_kind = {
        Status.REGISTERED: DueKind.ACCEPT,
        Status.ACCEPTED: DueKind.CONCLUDE,
        Status.REPLIED: DueKind.FOLLOW_UP,
    }
    rows: list[Petition] = []
    with transaction.atomic():
        for i in range(n_requests):
            v = villages[i % len(villages)]
            town = v.path[:9]
            status = rng.choice(statuses)
            due = today + datetime.timedelta(days=rng.randint(-20, 40))
            pick = rng.random()
            assignee = department = None
            if pick < 0.6:
                pool = staff.get(v.path) or staff.get(town) or []
                assignee = rng.choice(pool) if pool else None
            elif pick < 0.85:
                department = rng.choice(depts[town]).pk
            rows.append(
                Petition(
                    tracking_code=f"B{i:09d}",
                    channel="visit",
                    category=category,
                    title=f"反映的问题{i}",
                    content="……",
                    region=v,
                    region_path=v.path,
                    level="village",
                    intake_level="village",
                    handler_path=v.path,
                    assignee_id=assignee,
                    department_id=department,
                    status=status,
                    registered_on=due - datetime.timedelta(days=30),
                    accept_due=due,
                    due_date=due,
                    due_kind=due_kind[status],
                    created_at=now,
                    updated_at=now,
                )
            )
            if len(rows) == BATCH:
                Petition.objects.bulk_create(rows)
                rows = []
        Petition.objects.bulk_create(rows)
        disputes = []
        for i in range(n_disputes):
            v = villages[(i * 7) % len(villages)]
            keepers: list[int | None] = [*(staff.get(v.path) or staff.get(v.path[:9]) or [])] or [None]
            disputes.append(
                Dispute(
                    code=f"BD{i:08d}",
                    region=v,
                    region_path=v.path,
                    kind=DisputeKind.NEIGHBOUR,
                    title=f"邻里纠纷{i}",
                    facts="……",
                    risk_level=rng.randint(1, 4),
                    stabilizer_id=rng.choice(keepers),
                    resolver_id=rng.choice(keepers),
                    status=rng.choice([DisputeStatus.FOUND, DisputeStatus.MEDIATING]),
                    found_on=today - datetime.timedelta(days=rng.randint(0, 200)),
                    created_at=now,
                    updated_at=now,
                )
            )
        Dispute.objects.bulk_create(disputes, batch_size=BATCH)
        days = []
        for t in townships:
            for uid in leaders.get(t.path, [])[:1]:
                for w in range(-2, 5):
                    days.append(
                        ReceptionDay(
                            region=t,
                            region_path=t.path,
                            leader_id=uid,
                            date=today + datetime.timedelta(days=7 * w),
                            start_time=datetime.time(9),
                            end_time=datetime.time(12),
                            place="镇接访室",
                            created_at=now,
                            updated_at=now,
                        )
                    )
        ReceptionDay.objects.bulk_create(days)
    print(f"requests: {n_requests:,}, disputes: {n_disputes:,}; built in {time.perf_counter() - t0:.0f} s")


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, float, object]:
    """Median and worst wall time, median CPU time of this process (on SQLite all the work is in-process)."""
    runs, cpu = [], []
    result = None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        runs.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(runs), max(runs), statistics.median(cpu), result


def run(repeat: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from minqing.accounts.models import RoleAssignment, User
    from minqing.accounts.roles import Role
    from minqing.mediation.models import Dispute
    from minqing.petitions.models import OPEN_STATUSES, Petition
    from minqing.petitions.selectors import petition_qs
    from minqing.regions.models import Region
    from minqing.site.selectors import duty_list, duty_overview
    from minqing.visits.selectors import compliance

    supervisor = User.objects.get(username="bench_supervisor")
    county = Region.objects.get(code="410225000000")
    leader_grant = RoleAssignment.objects.filter(role=Role.LEADER).select_related("user", "region").first()
    cadre_grant = RoleAssignment.objects.filter(role=Role.VILLAGE_CADRE).select_related("user").first()
    assert leader_grant is not None and cadre_grant is not None
    print(
        f"\n{connection.vendor}: {User.objects.count():,} users, "
        f"{Petition.objects.filter(status__in=OPEN_STATUSES).count():,} open requests, "
        f"{Dispute.objects.count():,} disputes; load {'/'.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    month = timezone.localdate().replace(day=1)
    med, worst, cpu, _t = timed(lambda: compliance(supervisor, county, month), repeat)
    floor_compliance = med
    print(
        f"floor: compliance table, county, this month: median {med:.3f} s, max {worst:.3f} s; CPU {cpu:.3f} s"
    )
    columns = ("pk", "title", "status", "due_date", "assignee_id", "department_id", "region__name")
    med, worst, cpu, n = timed(
        lambda: len(
            list(petition_qs(actor=supervisor).filter(status__in=OPEN_STATUSES).values_list(*columns))
        ),
        repeat,
    )
    floor_read = med
    print(
        f"floor: read the county's {n:,} open requests' columns: median {med:.3f} s, max {worst:.3f} s; CPU {cpu:.3f} s"
    )

    med, worst, cpu, o = timed(lambda: duty_overview(actor=supervisor), repeat)
    print(
        f"overview, county supervisor ({len(o.rows):,} people, {o.total:,} duties, {o.overdue:,} overdue): "  # type: ignore[attr-defined]
        f"median {med:.3f} s, max {worst:.3f} s; CPU {cpu:.3f} s; "
        f"× {med / floor_compliance:.1f} the compliance table, × {med / floor_read:.1f} the request read"
    )
    leader = leader_grant.user
    med, worst, cpu, o = timed(lambda: duty_overview(actor=leader), repeat)
    print(
        f"overview, leader of {leader_grant.region.name} ({len(o.rows):,} people, {o.total:,} duties): "  # type: ignore[attr-defined]
        f"median {med:.3f} s, max {worst:.3f} s; CPU {cpu:.3f} s"
    )
    cadre = cadre_grant.user
    med, worst, cpu, d = timed(lambda: duty_list(actor=cadre), repeat)
    print(
        f"own list, one village cadre ({d.total} duties): median {med * 1000:.1f} ms, max {worst * 1000:.1f} ms"  # type: ignore[attr-defined]
    )
    busiest = max(duty_overview(actor=leader).rows, key=lambda r: r.total).person
    med, worst, cpu, d = timed(lambda: duty_list(actor=supervisor, person=busiest), repeat)
    print(
        f"a person's list as the supervisor sees it ({d.total} duties): median {med * 1000:.1f} ms, "  # type: ignore[attr-defined]
        f"max {worst * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
