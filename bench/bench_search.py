"""Search latency at county scale: p50/p95 for name, pinyin initials, ID tail and phone tail queries.

Builds (once) a county data set of ≈300,000 households with `demo_county` in a scratch database, then times
selectors.registry_search() for a county supervisor (every township) and a township officer (one township).

    .venv/bin/python bench/bench_search.py [--postgres] [--households 300000] [--queries 300]
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--postgres", action="store_true", help="use postgres://postgres@127.0.0.1:5432/minqing_bench"
    )
    parser.add_argument("--households", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["MINQING_LOG_LEVEL"] = "ERROR"
    if args.postgres:
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/minqing_bench"
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            if not conn.execute("select 1 from pg_database where datname='minqing_bench'").fetchone():
                conn.execute("create database minqing_bench")
    else:
        os.environ["MINQING_VAR_DIR"] = str(ROOT / "var" / "bench-search")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from minqing.accounts.models import RoleAssignment, User
    from minqing.accounts.roles import Role
    from minqing.households.models import Household, Resident
    from minqing.households.selectors import registry_search
    from minqing.regions.models import Region
    from minqing.site.demo import demo_county

    call_command("migrate", verbosity=0)
    have = Household.objects.count()
    if have < args.households * 0.9:
        print(f"building county data set ({args.households:,} households) …", flush=True)
        t0 = time.perf_counter()
        demo_county(households=args.households)
        print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    households, residents = Household.objects.count(), Resident.objects.count()
    print(f"{connection.vendor}: {households:,} households, {residents:,} residents")

    county = Region.objects.get(code="410225000000")
    township = Region.objects.get(code="410225106000")
    actors = {}
    for name, role, region in [
        ("bench_supervisor", Role.COUNTY_SUPERVISOR, county),
        ("bench_officer", Role.PETITION_OFFICER, township),
    ]:
        user, _ = User.objects.get_or_create(username=name)
        RoleAssignment.objects.get_or_create(user=user, role=role, region=region)
        actors[name] = user

    rng = random.Random(7)
    max_id = Resident.objects.order_by("-id").values_list("id", flat=True).first() or 0
    sample: list[Resident] = []
    while len(sample) < args.queries:
        r = Resident.objects.filter(id__gte=rng.randint(1, max_id)).order_by("id").first()
        if r is not None and r.id_number and r.phone:
            sample.append(r)
    kinds = {
        "name (surname+1)": lambda r: r.name[:2],
        "pinyin initials": lambda r: r.name_initials,
        "ID tail (6)": lambda r: r.id_number[-6:],
        "phone tail (4)": lambda r: r.phone[-4:],
    }
    print(f"{'actor':18} {'query':18} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'hits':>6}")
    for actor_name, actor in actors.items():
        for label, make in kinds.items():
            times, hits = [], 0
            for r in sample:
                q = make(r)
                # A fresh user object per query: grants are cached per request, as in a real request.
                actor = User.objects.get(pk=actor.pk)
                t0 = time.perf_counter()
                result = registry_search(actor=actor, query=q)
                times.append((time.perf_counter() - t0) * 1000)
                hits += len(result.residents) + len(result.households)
            times.sort()
            p50 = statistics.median(times)
            p95 = times[int(len(times) * 0.95) - 1]
            print(
                f"{actor_name:18} {label:18} {p50:8.1f} {p95:8.1f} {times[-1]:8.1f} {hits / len(times):6.1f}"
            )


if __name__ == "__main__":
    main()
