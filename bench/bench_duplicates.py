"""Near-duplicate check: latency at 1,000,000 indexed requests, and precision/recall on the shared files' re-posts.

Builds (once; --rebuild to redo) a scratch database with the shared messages (13,253 rows of teddy2020, in one
township of their own) plus synthetic requests up to --requests (default 1,000,000) in 20 other townships, and
their LSH band rows (16 per request). Synthetic texts come from the shared messages: a tenth are lightly edited
copies of one message (changed characters, a dropped or added sentence), the rest splice sentences of three or
four random messages, so unrelated requests share sentences and collide in some bands as real ones do. Rows are
bulk-inserted (executemany) from a template request registered through the service.

Then:
1. times `hotspots.selectors.similar_text` (what the intake form and the request page call: LSH lookup, the
   actor's access filter, exact confirmation) for a township officer, p50/p95 over --samples queries, half of them
   edited copies of indexed requests and half fresh texts;
2. queries every shared message against the others (its own row excluded) and compares the pairs found with the
   ground truth of `hotspots.shared_data.repost_pairs` at several score thresholds.

    .venv/bin/python bench/bench_duplicates.py [--requests 1000000] [--rebuild] [--samples 400] [--postgres]
        [--show-fp 20]

SQLite: var/bench-duplicates; PostgreSQL: postgres://postgres@127.0.0.1:5432/minqing_bench_duplicates.
"""

import argparse
import datetime
import os
import random
import re
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRATCH = ROOT / "var" / "bench-duplicates"
PG_DB = "minqing_bench_duplicates"
COUNTY = "410225"
TEDDY_TOWNSHIP = "410225900"  # the shared messages' own township
SYNTH_TOWNSHIPS = [f"410225{n:03d}" for n in range(101, 121)]
BATCH = 20_000
GOAL_MS = 20.0


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument(
        "--show-fp", type=int, default=0, help="print this many pairs found outside the truth"
    )
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["MINQING_LOG_LEVEL"] = "ERROR"
    os.environ["MINQING_DEBUG"] = "0"
    if args.postgres:
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            exists = conn.execute("select 1 from pg_database where datname=%s", (PG_DB,)).fetchone()
            if exists and args.rebuild:
                conn.execute(f"drop database {PG_DB} with (force)")
                exists = None
            if not exists:
                conn.execute(f"create database {PG_DB}")
    else:
        if args.rebuild and SCRATCH.exists():
            shutil.rmtree(SCRATCH)
        SCRATCH.mkdir(parents=True, exist_ok=True)
        os.environ["MINQING_VAR_DIR"] = str(SCRATCH)
        os.environ.setdefault("MINQING_SQLITE_CACHE_MB", "512")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from minqing.hotspots import shared_data
    from minqing.hotspots.models import DupBand
    from minqing.petitions.models import Petition

    if not shared_data.available():
        sys.exit(f"shared data not found in {shared_data.data_dir()} (set MINQING_SHARED_DATA)")
    call_command("migrate", verbosity=0)
    msgs = shared_data.all_messages()
    if Petition.objects.count() < args.requests * 0.9:
        print(f"building {args.requests:,} requests (load {load()}) …", flush=True)
        t0 = time.perf_counter()
        build(args.requests, msgs)
        print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"{connection.vendor}: {Petition.objects.count():,} requests, {DupBand.objects.count():,} band rows; "
        f"load {load()}",
        flush=True,
    )
    latency(args, msgs)
    if not args.skip_quality:
        quality(args, msgs)


# --- Build ------------------------------------------------------------------------------------------------------

_SENT = re.compile(r"(?<=[。！？!?；;])")


def sentences(text: str) -> list[str]:
    return [s for s in _SENT.split(text) if s.strip()]


def edit(text: str, rng: random.Random) -> str:
    """A light edit as people make when posting again: a few characters changed, a sentence dropped or added."""
    chars = list(text)
    for _ in range(max(1, len(chars) // 60)):
        if chars:
            chars[rng.randrange(len(chars))] = rng.choice("的了我们村镇你好请问希望尽快解决")
    out = "".join(chars)
    parts = sentences(out)
    r = rng.random()
    if r < 0.3 and len(parts) > 3:
        parts.pop(rng.randrange(1, len(parts)))
    elif r < 0.6:
        parts.append(rng.choice(["请领导重视。", "盼复！", "谢谢！", "此事已反映多次，至今没有结果。"]))
    return "".join(parts)


def splice(pool: list[str], rng: random.Random) -> str:
    parts: list[str] = []
    for src in rng.sample(pool, rng.randint(3, 4)):
        s = sentences(src)
        if s:
            k = rng.randrange(len(s))
            parts.extend(s[k : k + rng.randint(1, 3)])
    return "".join(parts)[:1500] or rng.choice(pool)


def build(total: int, msgs: list[Any]) -> None:
    from django.db import connection, transaction

    from minqing.accounts.models import User
    from minqing.accounts.roles import Role
    from minqing.core.tests.factories import grant
    from minqing.hotspots.text import band_hashes, minhash, normalize
    from minqing.petitions import services
    from minqing.petitions.models import Category, Channel, Petition
    from minqing.regions.models import Level, Region

    county, _created = Region.objects.get_or_create(
        code=f"{COUNTY}000000", defaults={"name": "兰考县", "level": Level.COUNTY}
    )
    villages: list[Region] = []
    for path in [TEDDY_TOWNSHIP, *SYNTH_TOWNSHIPS]:
        town_region, _created = Region.objects.get_or_create(
            code=f"{path}000", defaults={"name": f"镇{path[-3:]}", "level": Level.TOWNSHIP, "parent": county}
        )
        for num in range(200, 220):
            village, _created = Region.objects.get_or_create(
                code=f"{path}{num:03d}",
                defaults={"name": f"村{num}", "level": Level.VILLAGE, "parent": town_region},
            )
            villages.append(village)
    officer, created = User.objects.get_or_create(username="bench_officer")
    if created:
        grant(officer, Role.PETITION_OFFICER, Region.objects.get(code=f"{SYNTH_TOWNSHIPS[0]}000"))
        grant(officer, Role.PETITION_OFFICER, Region.objects.get(code=f"{TEDDY_TOWNSHIP}000"))
    category = Category.objects.filter(children__isnull=True).first()
    assert category is not None
    template = services.petition_register(
        actor=None,
        data=services.Intake(
            channel=Channel.ONLINE,
            category=category,
            region=villages[0],
            title="模板",
            content="模板诉求内容，仅用于生成基准数据。",
            submitter_name="基准",
            submitter_phone="13800000000",
        ),
    )
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {Petition._meta.db_table} WHERE id = %s", [template.pk])
        columns = [c[0] for c in cur.description]
        row = list(cur.fetchone())
    Petition.objects.filter(pk=template.pk).delete()
    col = {name: i for i, name in enumerate(columns)}
    by_town: dict[str, list[Region]] = {}
    for v in villages:
        by_town.setdefault(v.path[:9], []).append(v)

    rng = random.Random(20200101)
    pool = [m.detail for m in msgs if len(m.detail) >= 20]
    today = datetime.date.today()
    band_table = "hotspots_dupband"
    with connection.cursor() as cur:
        cur.execute("DROP INDEX IF EXISTS dupband_band_petition")
        cur.execute("DROP INDEX IF EXISTS dupband_petition")
    placeholders = ", ".join(["%s"] * len(columns))
    insert_p = f"INSERT INTO {Petition._meta.db_table} ({', '.join(columns)}) VALUES ({placeholders})"
    insert_b = f"INSERT INTO {band_table} (petition_id, band, region_path) VALUES (%s, %s, %s)"
    next_id = (Petition.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    made = 0
    t0 = time.perf_counter()
    while made < total:
        p_rows: list[list[Any]] = []
        b_rows: list[tuple[int, int, str]] = []
        for _n in range(min(BATCH, total - made)):
            if made < len(msgs):
                m = msgs[made]
                town_path, title, content = TEDDY_TOWNSHIP, m.title[:100], m.detail
            else:
                town_path = rng.choice(SYNTH_TOWNSHIPS)
                src = rng.randrange(len(msgs))
                if rng.random() < 0.1:
                    title, content = msgs[src].title[:100], edit(msgs[src].detail, rng)
                else:
                    title, content = msgs[src].title[:100], splice(pool, rng)
            village = rng.choice(by_town[town_path])
            r = list(row)
            r[col["id"]] = next_id
            r[col["tracking_code"]] = f"B{next_id:011d}"
            r[col["title"]] = title or "无标题"
            r[col["content"]] = content
            r[col["region_id"]] = village.pk
            r[col["region_path"]] = village.path
            r[col["handler_path"]] = village.path
            r[col["registered_on"]] = today - datetime.timedelta(days=rng.randint(0, 300))
            p_rows.append(r)
            sig = minhash(normalize(f"{r[col['title']]}。{content}"))
            if sig is not None:
                b_rows.extend((next_id, b, village.path) for b in band_hashes(sig))
            next_id += 1
            made += 1
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(insert_p, p_rows)
            cur.executemany(insert_b, b_rows)
        rate = made / (time.perf_counter() - t0)
        print(f"  {made:,} requests ({rate:,.0f}/s)", flush=True)
    with connection.cursor() as cur:
        t1 = time.perf_counter()
        cur.execute(f"CREATE INDEX dupband_band_petition ON {band_table} (band, petition_id)")
        cur.execute(f"CREATE INDEX dupband_petition ON {band_table} (petition_id)")
        print(f"  band indexes in {time.perf_counter() - t1:.0f} s", flush=True)


# --- Latency ----------------------------------------------------------------------------------------------------


def latency(args: argparse.Namespace, msgs: list[Any]) -> None:
    from minqing.accounts.models import User
    from minqing.hotspots.selectors import similar_text
    from minqing.petitions.models import Petition

    officer = User.objects.get(username="bench_officer")
    rng = random.Random(7)
    indexed = list(
        Petition.objects.filter(region_path__startswith=SYNTH_TOWNSHIPS[0]).values_list(
            "title", "content", "region_path"
        )[:5000]
    )
    queries = []
    for i in range(args.samples):
        if i % 2 == 0:
            title, content, path = rng.choice(indexed)
            queries.append(("copy", title, edit(content, rng), path))
        else:
            queries.append(
                ("fresh", "新诉求", splice([m.detail for m in rng.sample(msgs, 50)], rng), indexed[0][2])
            )
    similar_text(
        officer, title="预热", content=queries[0][2], region_path=queries[0][3]
    )  # jieba-free; warm caches
    times: dict[str, list[float]] = {"copy": [], "fresh": []}
    found = {"copy": 0, "fresh": 0}
    for kind, title, content, path in queries:
        t0 = time.perf_counter()
        hits = similar_text(officer, title=title, content=content, region_path=path)
        times[kind].append((time.perf_counter() - t0) * 1000)
        found[kind] += bool(hits)
    every = times["copy"] + times["fresh"]
    print(f"\nduplicate check (similar_text, township officer), load {load()}; goal p95 < {GOAL_MS:.0f} ms")
    for kind, values in [*times.items(), ("all", every)]:
        q = statistics.quantiles(values, n=100)
        hit = f"{found[kind]}/{len(values)} with a hit" if kind in found else ""
        print(
            f"  {kind:6} n={len(values):4}  p50 {q[49]:6.1f} ms  p95 {q[94]:6.1f} ms  max {max(values):6.1f}  {hit}"
        )


# --- Quality ----------------------------------------------------------------------------------------------------


def quality(args: argparse.Namespace, msgs: list[Any]) -> None:
    from minqing.hotspots import shared_data
    from minqing.hotspots.services import near_duplicates
    from minqing.petitions.models import Petition

    truth = shared_data.repost_pairs(msgs)
    ids = list(
        Petition.objects.filter(region_path__startswith=TEDDY_TOWNSHIP)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert len(ids) == len(msgs), "the shared messages are the first rows of the scratch database"
    index_of = {pk: i for i, pk in enumerate(ids)}
    found: dict[tuple[int, int], float] = {}
    t0 = time.perf_counter()
    for i, m in enumerate(msgs):
        for hit in near_duplicates(
            f"{m.title[:100] or '无标题'}。{m.detail}",
            region_path=TEDDY_TOWNSHIP,
            exclude=[ids[i]],
            min_score=50,
            limit=100,
            candidates=100,
        ):
            j = index_of[hit.petition.pk]
            pair = (min(i, j), max(i, j))
            found[pair] = max(found.get(pair, 0), hit.score)
    elapsed = time.perf_counter() - t0
    kinds = {k: sum(1 for v in truth.values() if v == k) for k in ("exact", "same user+title")}
    print(
        f"\nre-posts in the shared files: {len(msgs):,} messages, {len(truth)} true pairs "
        f"({kinds['exact']} exact text, {kinds['same user+title']} same user and subject, text edited or not); "
        f"{len(msgs):,} checks in {elapsed:.0f} s"
    )
    print("  threshold  found  true+  precision  recall  recall(exact)  recall(user+title)")
    for threshold in (50, 60, 70, 80, 90):
        hits = {p for p, s in found.items() if s >= threshold}
        tp = hits & set(truth)
        rec = {k: sum(1 for p in tp if truth[p] == k) / max(1, kinds[k]) for k in kinds}
        print(
            f"  {threshold:9}  {len(hits):5}  {len(tp):5}  {len(tp) / max(1, len(hits)):9.3f}  "
            f"{len(tp) / max(1, len(truth)):6.3f}  {rec['exact']:13.3f}  {rec['same user+title']:18.3f}"
        )
    from minqing.hotspots.text import normalize, similarity

    missed = [p for p in truth if p not in found or found[p] < 70]
    if missed:
        sims = sorted(similarity(normalize(msgs[a].detail), normalize(msgs[b].detail)) for a, b in missed)
        print(f"  missed at 70: {len(missed)}; their text similarity p50 {statistics.median(sims):.0f}")
    if args.show_fp:
        rng = random.Random(1)
        extra = [p for p, s in found.items() if s >= 70 and p not in truth]
        for a, b in rng.sample(extra, min(args.show_fp, len(extra))):
            ma, mb = msgs[a], msgs[b]
            print(
                f"  FP? {found[(a, b)]:.0f} [{ma.user or '-'}|{mb.user or '-'}] {ma.title[:30]} ‖ {mb.title[:30]}"
            )
            print(f"      {ma.detail[:70]}\n      {mb.detail[:70]}")


if __name__ == "__main__":
    main()
