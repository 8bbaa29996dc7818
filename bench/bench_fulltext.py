"""Full-text search of requests at county scale: p50/p95 of the county supervisor's ?q= and the plain list.

Reuses bench_petitions' builder (兰考县, demo staff, N generated requests) in a scratch database of its own, indexed
by migration petitions 0008 (timed when it runs on rows already there) or, for a fresh build, by
search.PETITIONS.rebuild(). Then times, for the county supervisor (and the township officer), each search
through the selector the view uses (petition_list + the capped paginator + highlighting of the page) and through
the whole view (Django test client, DEBUG off), against the plain list as the floor.

    .venv/bin/python bench/bench_fulltext.py [--postgres] [--requests 1000000] [--samples 100]

SQLite: var/bench-search-1m (var/bench-search-<N> otherwise); PostgreSQL: minqing_bench_search (…_<N>).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
GOAL_MS = 100.0


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def suffix(n: int) -> str:
    return "1m" if n == 1_000_000 else str(n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--only", default="")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["MINQING_LOG_LEVEL"] = "ERROR"
    os.environ["MINQING_DEBUG"] = "0"
    if args.postgres:
        name = "minqing_bench_search" + ("" if args.requests == 1_000_000 else f"_{args.requests}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            if not conn.execute("select 1 from pg_database where datname=%s", (name,)).fetchone():
                conn.execute(f"create database {name}")
    else:
        os.environ["MINQING_VAR_DIR"] = str(ROOT / "var" / f"bench-search-{suffix(args.requests)}")
        os.environ.setdefault("MINQING_SQLITE_CACHE_MB", "512")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from minqing.petitions.models import Petition
    from minqing.petitions.search import PETITIONS

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)  # petitions 0008 indexes the rows already there
    migrate_s = time.perf_counter() - t0
    have = Petition.objects.count()
    if have < args.requests * 0.9:
        import bench_petitions

        print(f"building {args.requests:,} requests …", flush=True)
        t0 = time.perf_counter()
        bench_petitions.build(args.requests)
        print(f"  built (and indexed) in {time.perf_counter() - t0:.0f} s", flush=True)
    elif migrate_s > 5:
        print(f"migrate (indexing {have:,} requests) {migrate_s:.0f} s", flush=True)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        table = PETITIONS.table
        if connection.vendor == "postgresql":
            cur.execute(
                f"select pg_total_relation_size('{table}'), pg_total_relation_size('petitions_petition')"
            )
            idx_b, tab_b = cur.fetchone()
        else:
            cur.execute("select sum(pgsize) from dbstat where name like %s", [f"{table}%"])
            idx_b = cur.fetchone()[0]
            cur.execute("select sum(pgsize) from dbstat where name = 'petitions_petition'")
            tab_b = cur.fetchone()[0]
    n_p = Petition.objects.count()
    print(
        f"{connection.vendor}: {n_p:,} requests; index {idx_b / 2**20:,.0f} MiB "
        f"(requests table {tab_b / 2**20:,.0f} MiB); load {load()}",
        flush=True,
    )
    measure(args)


def measure(args: argparse.Namespace) -> None:
    from django.test import Client

    from minqing.accounts.models import User
    from minqing.core.paging import capped_page
    from minqing.petitions import selectors
    from minqing.petitions.models import Petition
    from minqing.petitions.views.worklist import _highlight_rows

    supervisor = User.objects.get(username="supervisor")
    officer = User.objects.get(username="officer")
    rng = random.Random(11)
    max_id = Petition.objects.order_by("-id").values_list("id", flat=True)[0]
    phones: list[str] = []
    while len(phones) < 30:
        p = (
            Petition.objects.filter(id__gte=rng.randint(1, max_id))
            .order_by("id")
            .only("submitter_phone")
            .first()
        )
        if p is not None and p.submitter_phone:
            phones.append(p.submitter_phone[-8:])

    def page(actor: User, q: str) -> int:
        filters = selectors.ListFilters(q=q)
        qs = selectors.petition_list(actor=actor, filters=filters)
        count_from = (
            None if q else selectors.petition_list(actor=actor, filters=filters, for_sorted_page=False)
        )
        pg = capped_page(qs, 30, 1, count_from=count_from)
        rows = list(pg.object_list)
        if q:
            _highlight_rows(rows, q)
        return pg.paginator.count

    clients = {"supervisor": Client(), "officer": Client()}
    clients["supervisor"].force_login(supervisor)
    clients["officer"].force_login(officer)

    def http(who: str, q: str) -> int:
        r = clients[who].get("/petitions/", {"q": q} if q else {})
        assert r.status_code == 200, r.status_code
        return 0

    queries: list[tuple[str, Any]] = [
        ("plain list", lambda i: ""),
        ("?q=路灯", lambda i: "路灯"),
        ("?q=低保", lambda i: "低保"),
        ("?q=申请低保 (phrase)", lambda i: "申请低保"),
        ('?q="电压 很低" (quoted)', lambda i: '"电压很低"'),
        ("?q=路灯 小桥 (AND)", lambda i: "路灯 小桥"),
        ("?q=<phone 8 digits> (rare)", lambda i: phones[i % len(phones)]),
        ("?q=火箭发射 (none)", lambda i: "火箭发射"),
        ("?q=灯 (one character)", lambda i: "灯"),
    ]
    print(f"{'case':44} {'p50 ms':>8} {'p95 ms':>8} {'max':>8} {'n':>4} {'rows':>6}  load")
    floors: dict[str, float] = {}
    for who, actor in (("supervisor", supervisor), ("officer", officer)):
        for how in ("selector", "view"):
            for label, make in queries:
                full = f"{who} {how} {label}"
                if args.only and args.only not in full:
                    continue
                call = (
                    (lambda i, m=make, a=actor: page(a, m(i)))
                    if how == "selector"
                    else (lambda i, m=make, w=who: http(w, m(i)))
                )
                for i in range(2):
                    call(i)
                times = []
                rows = 0
                for i in range(args.samples):
                    t0 = time.perf_counter()
                    rows = call(i)
                    times.append((time.perf_counter() - t0) * 1000)
                times.sort()
                p50, p95 = statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]
                if label == "plain list":
                    floors[f"{who} {how}"] = p95
                ratio = p95 / floors.get(f"{who} {how}", p95)
                flag = "" if p95 < GOAL_MS else "  > goal"
                print(
                    f"{full:44} {p50:8.1f} {p95:8.1f} {times[-1]:8.1f} {len(times):4d} {rows:6d}  {load()}"
                    f"  ×{ratio:.1f}{flag}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
