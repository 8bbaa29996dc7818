"""矛盾纠纷 at county scale: the dispute list, a village's open disputes, a household's disputes and a campaign's
progress, timed on SQLite (or PostgreSQL).

Builds (once) a scratch database: the regions of 兰考县, H households (default 50,000) over its villages, D
disputes (default 100,000; statuses and risk levels mixed, ten years of dates) with two parties each drawn from
the registry, and one 大排查 per township. Rows are written in bulk.

Then times, p50/p95 over the runs:
  * the list page's query (first page of 30 and its capped count) for a county supervisor and a township officer,
    unfiltered and filtered by risk 高 and by status 调解中;
  * dispute_list_open_in_region for one village; dispute_list_for_household for one household;
  * campaign_progress of one township's campaign.

    .venv/bin/python bench/bench_mediation.py [--postgres] [--households 50000] [--disputes 100000] [--rebuild]

SQLite: var/bench-mediation; PostgreSQL: postgres://postgres@127.0.0.1:5432/minqing_bench_mediation.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRATCH = ROOT / "var" / "bench-mediation"
PG_DB = "minqing_bench_mediation"
BATCH = 10_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--disputes", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per case")
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
    from minqing.mediation.models import Dispute

    if not Dispute.objects.exists():
        started = time.perf_counter()
        build(args.households, args.disputes)
        print(f"built in {time.perf_counter() - started:.1f} s")
        from django.db import connection

        if connection.vendor == "postgresql":
            # Bulk-loaded tables have no statistics until autovacuum gets to them; plan as production would.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    run(args.repeat)


def build(n_households: int, n_disputes: int) -> None:
    from django.conf import settings
    from django.db import transaction

    from minqing.accounts.models import RoleAssignment, User
    from minqing.accounts.roles import Role
    from minqing.households.models import Household
    from minqing.mediation.models import (
        DEFAULT_CHECKLIST,
        Campaign,
        CampaignVillage,
        Dispute,
        DisputeKind,
        DisputeParty,
        DisputeStatus,
        RiskLevel,
        Side,
        VillageOutcome,
    )
    from minqing.regions.models import Level, Region
    from minqing.regions.services import regions_load

    rng = random.Random(7)
    regions_load(prefix="410225", data_dir=settings.MINQING_DIVISIONS_DIR)
    county = Region.objects.get(code="410225000000")
    villages = list(Region.objects.filter(level=Level.VILLAGE, path__startswith="410225").order_by("path"))
    townships = list(Region.objects.filter(level=Level.TOWNSHIP, path__startswith="410225").order_by("path"))
    supervisor, _ = User.objects.get_or_create(username="bench_supervisor")
    officer, _ = User.objects.get_or_create(username="bench_officer")
    RoleAssignment.objects.get_or_create(user=supervisor, role=Role.COUNTY_SUPERVISOR, region=county)
    RoleAssignment.objects.get_or_create(user=officer, role=Role.PETITION_OFFICER, region=townships[0])
    with transaction.atomic():
        rows = []
        for i in range(n_households):
            v = villages[i % len(villages)]
            rows.append(Household(code=f"{v.path}{i:07d}", region=v, region_path=v.path, head_name=f"户{i}"))
        Household.objects.bulk_create(rows, batch_size=BATCH)
    by_village: dict[int, list[int]] = {}
    for pk, region_id in Household.objects.values_list("pk", "region_id"):
        by_village.setdefault(region_id, []).append(pk)
    campaigns = {}
    with transaction.atomic():
        for t in townships:
            c = Campaign.objects.create(
                region=t,
                region_path=t.path,
                title=f"{t.name}大排查",
                starts_on=datetime.date(2026, 11, 1),
                ends_on=datetime.date(2026, 11, 30),
                checklist=list(DEFAULT_CHECKLIST),
            )
            campaigns[t.path] = c
            CampaignVillage.objects.bulk_create(
                CampaignVillage(
                    campaign=c,
                    village=v,
                    region_path=v.path,
                    outcome=rng.choice(list(VillageOutcome.values)),
                )
                for v in villages
                if v.path.startswith(t.path)
            )
    statuses = list(DisputeStatus.values)
    kinds = list(DisputeKind.values)
    start = datetime.date(2016, 12, 1)
    with transaction.atomic():
        for offset in range(0, n_disputes, BATCH):
            batch = []
            for i in range(offset, min(n_disputes, offset + BATCH)):
                v = villages[rng.randrange(len(villages))]
                found = start + datetime.timedelta(days=rng.randrange(3650))
                batch.append(
                    Dispute(
                        code=f"MDB{i:08d}",
                        region=v,
                        region_path=v.path,
                        kind=rng.choice(kinds),
                        title=f"纠纷{i}",
                        facts="事实",
                        risk_level=rng.choice([RiskLevel.LOW] * 5 + [RiskLevel.MEDIUM] * 3 + [3, 4]),
                        status=rng.choice(statuses),
                        found_on=found,
                        campaign=campaigns[v.path[:9]] if found.year == 2026 and found.month == 11 else None,
                    )
                )
            made = Dispute.objects.bulk_create(batch)
            parties = []
            for d in made:
                pool: list[int | None] = list(by_village.get(d.region_id, ())) or [None]
                for side in (Side.A, Side.B):
                    hid = rng.choice(pool)
                    parties.append(DisputeParty(dispute=d, side=side, household_id=hid, name=f"当事人{side}"))
            DisputeParty.objects.bulk_create(parties)


def timed(label: str, fn: Callable[[], Any], repeat: int) -> None:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    print(f"{label:<58} p50 {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms")


def run(repeat: int) -> None:
    from django.db import connection

    from minqing.accounts.models import User
    from minqing.core.paging import capped_page
    from minqing.households.models import Household
    from minqing.mediation import selectors
    from minqing.mediation.models import Campaign, Dispute
    from minqing.regions.models import Level, Region

    supervisor = User.objects.get(username="bench_supervisor")
    officer = User.objects.get(username="bench_officer")
    print(
        f"{connection.vendor}: {Dispute.objects.count():,} disputes, {Household.objects.count():,} households"
    )

    def page(actor: User, **filters: Any) -> Callable[[], Any]:
        def go() -> Any:
            p = capped_page(
                selectors.dispute_list(actor=actor, filters=selectors.DisputeFilters(**filters)), 30, 1
            )
            return list(p.object_list), p.paginator.count

        return go

    for name, actor in (("county supervisor", supervisor), ("township officer", officer)):
        timed(f"list, {name}", page(actor), repeat)
        timed(f"list, {name}, risk 高", page(actor, risk=3), repeat)
        timed(f"list, {name}, status 调解中", page(actor, status="mediating"), repeat)
    village = Region.objects.filter(
        level=Level.VILLAGE, path__startswith=officer.role_assignments.get().region.path
    )[0]
    timed(
        "dispute_list_open_in_region(village), officer",
        lambda: selectors.dispute_list_open_in_region(actor=officer, region=village),
        repeat,
    )
    household = Household.objects.filter(region=village).first()
    assert household is not None
    timed(
        "dispute_list_for_household, officer",
        lambda: selectors.dispute_list_for_household(actor=officer, household=household),
        repeat,
    )
    campaign = Campaign.objects.get(region_path=village.path[:9])
    timed(
        "campaign_progress(township), officer",
        lambda: selectors.campaign_progress(actor=officer, campaign=campaign),
        repeat,
    )


if __name__ == "__main__":
    main()
