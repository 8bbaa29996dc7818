"""下村 at county scale: the monthly compliance table and household coverage, timed on SQLite (or PostgreSQL).

Builds (once) a scratch database: the regions of 兰考县, N households (default 300,000) spread over its villages
(≈12 % with a special-difficulty tag), C cadres (default 5,000) holding field roles in its townships and villages,
county-wide quota rules, and twelve months of diaries (≈10 entries a cadre a month, some multi-day stays with
nights, 2–5 households each). Rows are written in bulk.

Then times, with a county supervisor as the actor:
  * compliance(county, month) for each of the 12 months — every cadre against every rule that binds them;
  * coverage(county, 90 days) — households visited per village over all households;
  * coverage of one township and the unvisited list of one village.

    .venv/bin/python bench/bench_visits.py [--postgres] [--households 300000] [--cadres 5000] [--rebuild]

SQLite: var/bench-visits; PostgreSQL: postgres://postgres@127.0.0.1:5432/minqing_bench_visits.
"""

import argparse
import datetime
import functools
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
SCRATCH = ROOT / "var" / "bench-visits"
PG_DB = "minqing_bench_visits"
GOAL_S = 1.0
BATCH = 20_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--households", type=int, default=300_000)
    parser.add_argument("--cadres", type=int, default=5_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    if args.postgres:
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
        if args.rebuild:
            import psycopg

            with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
                c.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
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
    from minqing.visits.models import Visit

    if not Visit.objects.exists():
        build(args.households, args.cadres)
    run(args.repeat)


def build(n_households: int, n_cadres: int) -> None:
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from minqing.accounts.models import RoleAssignment, User
    from minqing.accounts.roles import Role
    from minqing.households.models import DifficultyTag, Household
    from minqing.regions.models import Level, Region
    from minqing.regions.services import regions_load
    from minqing.visits.models import Metric, Period, QuotaRule

    t0 = time.perf_counter()
    rng = random.Random(2026)
    regions_load(prefix="410225", data_dir=settings.MINQING_DIVISIONS_DIR)
    county = Region.objects.get(code="410225000000")
    townships = list(Region.objects.filter(parent=county, level=Level.TOWNSHIP))
    villages = list(Region.objects.filter(parent__in=townships, level=Level.VILLAGE))
    print(f"regions: {len(townships)} townships, {len(villages)} villages")
    tag, _c = DifficultyTag.objects.get_or_create(name="低保户", defaults={"applies_to": "household"})
    now = timezone.now()
    with transaction.atomic():
        rows = []
        for i in range(n_households):
            v = villages[i % len(villages)]
            rows.append(
                Household(
                    code=f"B{i:09d}",
                    region=v,
                    region_path=v.path,
                    head_name=f"户主{i}",
                    created_at=now,
                    updated_at=now,
                )
            )
            if len(rows) == BATCH:
                Household.objects.bulk_create(rows)
                rows = []
        Household.objects.bulk_create(rows)
        ids = list(Household.objects.values_list("pk", "region_path"))
        through = Household.tags.through
        through.objects.bulk_create(
            (through(household_id=pk, difficultytag_id=tag.pk) for pk, _p in ids if rng.random() < 0.12),
            batch_size=BATCH,
        )
    by_village: dict[str, list[int]] = {}
    for pk, path in ids:
        by_village.setdefault(path, []).append(pk)
    print(f"households: {len(ids):,} in {time.perf_counter() - t0:.0f} s")

    supervisor, _c = User.objects.get_or_create(username="bench_supervisor")
    RoleAssignment.objects.get_or_create(user=supervisor, role=Role.COUNTY_SUPERVISOR, region=county)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"cadre{i:05d}", display_name=f"干部{i}", password="!") for i in range(n_cadres)],
            batch_size=BATCH,
        )
        grants = []
        homes: list[tuple[int, list]] = []
        for i, u in enumerate(users):
            if i % 5 == 0:
                t = townships[i % len(townships)]
                role = Role.LEADER if i % 10 == 0 else Role.PETITION_OFFICER
                grants.append(RoleAssignment(user=u, role=role, region=t))
                homes.append((u.pk, [v for v in villages if v.parent_id == t.pk]))
            else:
                v = villages[i % len(villages)]
                role = Role.VILLAGE_LIAISON if i % 5 == 1 else Role.VILLAGE_CADRE
                grants.append(RoleAssignment(user=u, role=role, region=v))
                homes.append((u.pk, [v]))
        RoleAssignment.objects.bulk_create(grants, batch_size=BATCH)
        for role in (Role.LEADER, Role.PETITION_OFFICER, Role.VILLAGE_LIAISON, Role.VILLAGE_CADRE):
            for metric, period, target in (
                (Metric.VILLAGE_DAYS, Period.MONTH, 8),
                (Metric.NIGHTS, Period.MONTH, 2),
            ):
                QuotaRule.objects.get_or_create(
                    region=county,
                    role=role,
                    metric=metric,
                    period=period,
                    defaults={"region_path": county.path, "target": target},
                )
        QuotaRule.objects.get_or_create(
            region=county,
            role=Role.VILLAGE_LIAISON,
            metric=Metric.COVERAGE,
            period=Period.QUARTER,
            defaults={"region_path": county.path, "target": 100},
        )
        QuotaRule.objects.get_or_create(
            region=county,
            role=Role.VILLAGE_CADRE,
            metric=Metric.HOUSEHOLDS,
            period=Period.MONTH,
            defaults={"region_path": county.path, "target": 30},
        )
    print(f"cadres: {len(users):,}")

    today = timezone.localdate()
    start = (today.replace(day=1) - datetime.timedelta(days=330)).replace(day=1)
    span = (today - start).days + 1
    visit_sql = (
        "INSERT INTO visits_visit (id, cadre_id, village_id, region_path, visited_on, days, nights, stay_place,"
        " heard, client_key, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    link_sql = "INSERT INTO visits_visithousehold (visit_id, household_id, cadre_id, visited_on) VALUES (%s, %s, %s, %s)"
    n_visits = n_links = 0
    with transaction.atomic(), connection.cursor() as cur:
        next_id = 0
        pending: list[tuple] = []
        plan: list[tuple[int, datetime.date, list[int]]] = []

        def flush() -> None:
            nonlocal n_visits, n_links
            if not pending:
                return
            cur.executemany(visit_sql, pending)
            links = [
                (row[0], hh, cadre, on)
                for row, (cadre, on, hhs) in zip(pending, plan, strict=True)
                for hh in hhs
            ]
            cur.executemany(link_sql, links)
            n_visits += len(pending)
            n_links += len(links)
            pending.clear()
            plan.clear()

        for n, (cadre_id, home) in enumerate(homes):
            for _k in range(rng.randint(80, 140)):
                v = rng.choice(home)
                on = start + datetime.timedelta(days=rng.randrange(span))
                days = 1 if rng.random() < 0.9 else rng.randint(2, 4)
                on = min(on, today - datetime.timedelta(days=days - 1))
                nights = 0 if rng.random() < 0.8 else rng.randint(1, days)
                pool = by_village.get(v.path) or []
                hhs = rng.sample(pool, min(len(pool), rng.randint(2, 5)))
                key = f"b{cadre_id}-{_k}"
                next_id += 1
                pending.append((next_id, cadre_id, v.pk, v.path, on, days, nights, "", "", key, now, now))
                plan.append((cadre_id, on, hhs))
            if len(pending) >= BATCH:
                flush()
            if n % 1000 == 999:
                print(f"  diaries for {n + 1:,} cadres…", flush=True)
        flush()
    print(f"visits: {n_visits:,}, household links: {n_links:,}; built in {time.perf_counter() - t0:.0f} s")


CPU: list[float] = []


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Median and worst wall time; the median CPU time of this process goes to CPU (on SQLite all the work is
    in-process, so CPU time is what the case costs even when other work shares the machine)."""
    runs, cpu = [], []
    result = None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        runs.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU.append(statistics.median(cpu))
    return statistics.median(runs), max(runs), result


def run(repeat: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from minqing.accounts.models import User
    from minqing.households.models import Household
    from minqing.regions.models import Level, Region
    from minqing.visits import selectors
    from minqing.visits.models import Visit, VisitHousehold

    actor = User.objects.get(username="bench_supervisor")
    county = Region.objects.get(code="410225000000")
    township = Region.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("path").first()
    village = Region.objects.filter(parent=township, level=Level.VILLAGE).order_by("path").first()
    assert township is not None and village is not None
    print(
        f"\n{connection.vendor}: {Household.objects.count():,} households, {Visit.objects.count():,} visits, "
        f"{VisitHousehold.objects.count():,} household links; load {'/'.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    today = timezone.localdate()
    months = []
    m = today.replace(day=1)
    for _ in range(12):
        months.append(m)
        m = (m - datetime.timedelta(days=1)).replace(day=1)
    per_month, per_month_cpu = [], []
    rows = 0
    walk_in = 0
    for month in reversed(months):
        med, worst, table = timed(functools.partial(selectors.compliance, actor, county, month), repeat)
        per_month.append(med)
        per_month_cpu.append(CPU[-1])
        rows = len(table.rows)  # type: ignore[attr-defined]
        walk_in = table.walk_in_count  # type: ignore[attr-defined]
    print(
        f"compliance, county, one month ({rows:,} cadres × rules): median {statistics.median(per_month):.3f} s, "
        f"slowest month {max(per_month):.3f} s, all 12 months {sum(per_month):.2f} s; "
        f"CPU median {statistics.median(per_month_cpu):.3f} s, slowest {max(per_month_cpu):.3f} s "
        f"(goal < {GOAL_S:.0f} s a month; {walk_in:,} 走读 in the last)"
    )
    med, worst, cov = timed(lambda: selectors.coverage(actor, county, 90), repeat)
    total = sum(r.total for r in cov)  # type: ignore[attr-defined]
    print(
        f"coverage, county, 90 days ({total:,} households, {len(cov):,} villages): median {med:.3f} s, "  # type: ignore[arg-type]
        f"max {worst:.3f} s; CPU {CPU[-1]:.3f} s"
    )
    med, worst, _r = timed(lambda: selectors.coverage(actor, township, 90), repeat)
    print(f"coverage, one township: median {med:.3f} s, max {worst:.3f} s; CPU {CPU[-1]:.3f} s")
    med, worst, _r = timed(lambda: selectors.unvisited_households(actor, village, 90), repeat)
    print(f"unvisited households of one village: median {med:.3f} s, max {worst:.3f} s; CPU {CPU[-1]:.3f} s")


if __name__ == "__main__":
    main()
