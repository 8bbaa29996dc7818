"""The policy library's search (selectors.policy_search) and the public list page, timed on SQLite (or PostgreSQL).

Builds (once) a scratch database: the regions of 兰考县, the demo library (20 policies) entered by the demo
民政所, and L more local policies (default 2,000: each township's own, with summaries drawn from the demo texts)
so the library is larger than any county's real one. Then times, p50/p95 over the runs:
  * policy_search and its first page of 20 (as the list pages show it) for a township officer and for the
    public, for 低保, 残疾 护理, a 文号 and no words;
  * GET /p/policies/?q=低保 through the test client (DEBUG off);
and, as the floor, one primary-key read of a policy, so the ratio to the machine's speed is printed too.

    .venv/bin/python bench/bench_policies.py [--postgres] [--local 2000] [--rebuild] [--repeat 50]

SQLite: var/bench-policies; PostgreSQL: postgres://postgres@127.0.0.1:5432/minqing_bench_policies.
"""

import argparse
import datetime
import functools
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRATCH = ROOT / "var" / "bench-policies"
PG_DB = "minqing_bench_policies"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--local", type=int, default=2000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per case")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["MINQING_DEBUG"] = "0"
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
    from minqing.policies.models import Policy

    if not Policy.objects.exists():
        started = time.perf_counter()
        build(args.local)
        print(f"built in {time.perf_counter() - started:.1f} s")
    run(args.repeat)


def build(local: int) -> None:
    from django.conf import settings

    from minqing.accounts.demo import demo_staff_create
    from minqing.accounts.models import RoleAssignment, User
    from minqing.accounts.roles import Role
    from minqing.policies import services
    from minqing.policies.demo import demo_policies
    from minqing.policies.demo_library import LIBRARY
    from minqing.regions.models import Level, Region
    from minqing.regions.services import regions_load

    regions_load(prefix="410225", data_dir=Path(settings.MINQING_DIVISIONS_DIR))
    county = Region.objects.get(code="410225000000")
    township = Region.objects.get(code="410225106000")
    demo_staff_create(county=county, township=township)
    demo_policies(county=county, township=township)
    keeper = User.objects.get(username="civil_county")
    townships = list(Region.objects.filter(level=Level.TOWNSHIP, path__startswith="410225").order_by("path"))
    for i in range(local):
        base = LIBRARY[i % len(LIBRARY)]
        v = base.versions[-1]
        where = townships[i % len(townships)]
        RoleAssignment.objects.get_or_create(user=keeper, role=Role.CIVIL_AFFAIRS, region=where)
        services.policy_create(
            actor=keeper,
            policy=services.PolicyData(
                name=f"{where.name}{base.name}实施细则（{i}）",
                issuer=f"{where.name}人民政府",
                level="township",
                category=base.category,
                target_groups=list(base.targets),
                region=where,
            ),
            version=services.VersionData(
                effective_from=datetime.date(2024, 1, 1),
                beneficiaries=v.beneficiaries,
                summary=v.summary,
                conditions=v.conditions,
            ),
        )


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm the caches, as a running server has them
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def run(repeat: int) -> None:
    from django.db import connection
    from django.test import Client

    from minqing.accounts.models import User
    from minqing.policies.models import Policy, PolicyVersion
    from minqing.policies.selectors import policy_search

    officer = User.objects.get(username="officer")
    first = Policy.objects.order_by("pk").values_list("pk", flat=True).first()
    assert first is not None, "the library is empty"
    pk: int = first
    load = os.getloadavg()[0]
    print(
        f"{connection.vendor}: {Policy.objects.count()} policies, {PolicyVersion.objects.count()} versions; "
        f"load average {load:.2f}"
    )
    floor, floor95 = _time(lambda: Policy.objects.filter(pk=pk).first(), repeat)
    print(f"{'floor: one policy by primary key':<44} p50 {floor:7.2f} ms  p95 {floor95:7.2f} ms")
    client = Client()
    cases: list[tuple[str, Callable[[], object]]] = []

    def first_page(actor: object, q: str, public: bool) -> object:
        return policy_search(actor=actor, q=q, public=public)[0:20]  # type: ignore[arg-type]

    for q in ("低保", "残疾 护理", "民发〔2021〕57号", ""):
        cases.append((f"officer  q={q or '(none)'}", functools.partial(first_page, officer, q, False)))
        cases.append((f"public   q={q or '(none)'}", functools.partial(first_page, None, q, True)))
    cases.append(("GET /p/policies/?q=低保", lambda: client.get("/p/policies/", {"q": "低保"})))
    for label, fn in cases:
        p50, p95 = _time(fn, repeat)
        print(f"{label:<44} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  ({p95 / floor95:.0f}× floor)")


if __name__ == "__main__":
    main()
