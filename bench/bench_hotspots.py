"""Hot spots on real messages: does the clustering find what the public itself marked as hot?

messages_with_votes.csv (4,299 messages of a city's online 问政 board, 2019, with 点赞数/反对数) is clustered with
the same code the daily run uses (`hotspots.services.cluster_texts`: jieba words, TF-IDF, average-linkage
clustering with a cosine threshold) and scored with `hotspot_score` (distinct users stand in for households;
the board has no household or difficulty data). Likes are NOT used for clustering or scoring; they are the
yardstick:

1. the whole year clustered at once: the top clusters by score, with their likes;
2. whether the most-liked messages (likes >= --hot, default 10) land in clusters (versus all messages), and in the
   top 20 clusters; the rank correlation between a cluster's score and its likes;
3. the 30-day windows the daily run would have seen: each window's top hot spots and the growth warnings raised
   (same rule as `hotspots.services`: >= 4 this window, 3 more than the previous window, at least double).

    .venv/bin/python bench/bench_hotspots.py [--similarity 0.3] [--hot 10] [--top 15]
"""

import argparse
import datetime
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_DATE = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})")


def parse_date(raw: str) -> datetime.date | None:
    m = _DATE.match(raw)
    return datetime.date(int(m[1]), int(m[2]), int(m[3])) if m else None


def spearman(a: list[float], b: list[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--similarity", type=float, default=None, help="cosine threshold (default: the app's)"
    )
    parser.add_argument("--hot", type=int, default=10, help="likes that make a message 'hot'")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["MINQING_LOG_LEVEL"] = "ERROR"
    import django

    django.setup()
    from minqing.hotspots import shared_data, text
    from minqing.hotspots.services import (
        CLUSTER_SIMILARITY,
        GROWTH_MIN_DELTA,
        GROWTH_MIN_SIZE,
        cluster_texts,
        hotspot_score,
    )

    if not shared_data.available():
        sys.exit(f"shared data not found in {shared_data.data_dir()} (set MINQING_SHARED_DATA)")
    similarity = args.similarity or CLUSTER_SIMILARITY
    msgs = [m for m in shared_data.messages("messages_with_votes.csv") if parse_date(m.time)]
    texts = [f"{m.title}。{m.detail}" for m in msgs]
    hot = {i for i, m in enumerate(msgs) if m.likes >= args.hot}
    print(
        f"{len(msgs):,} messages, {len(hot)} with >= {args.hot} likes ({100 * len(hot) / len(msgs):.1f} %); "
        f"cosine threshold {similarity}"
    )

    # 1. The whole year at once.
    t0 = time.perf_counter()
    clusters = cluster_texts(texts, similarity=similarity)
    elapsed = time.perf_counter() - t0
    rows = []
    for c in clusters:
        members = [msgs[i] for i in c.members]
        users = len({m.user or m.key for m in members})
        score = hotspot_score(
            size=len(members), growth=0, households=users, vulnerable=0, people=len(members)
        )
        rows.append((score, c, users, sum(m.likes for m in members), max(m.likes for m in members)))
    rows.sort(key=lambda r: -r[0])
    in_cluster = {i for c in clusters for i in c.members}
    print(
        f"\n1. whole year: {len(clusters)} clusters of >= 3 in {elapsed:.1f} s, covering {len(in_cluster)} messages"
    )
    print("   rank score size users likes(sum/max)  keywords — a member's title")
    for rank, (score, c, users, likes, top_like) in enumerate(rows[: args.top], 1):
        kws = text.cluster_keywords([texts[i] for i in c.members[:50]], top=5)
        title = max((msgs[i] for i in c.members), key=lambda m: m.likes).title
        print(
            f"   {rank:4} {score:5.1f} {len(c.members):4} {users:5} {likes:6}/{top_like:<5}  {'、'.join(kws)} — {title[:34]}"
        )

    # 2. Hot messages versus clusters.
    top20 = {i for _s, c, *_r in rows[:20] for i in c.members}
    base = len(in_cluster) / len(msgs)
    print(
        f"\n2. hot messages (>= {args.hot} likes) in a cluster: {len(hot & in_cluster)}/{len(hot)} "
        f"({100 * len(hot & in_cluster) / max(1, len(hot)):.0f} %) vs all messages {100 * base:.0f} %; "
        f"in the top 20 clusters: {len(hot & top20)}/{len(hot)} "
        f"({100 * len(hot & top20) / max(1, len(hot)):.0f} %) vs all messages {100 * len(top20) / len(msgs):.0f} %"
    )
    very_hot = sorted(range(len(msgs)), key=lambda i: -msgs[i].likes)[:10]
    rank_of = {i: rank for rank, (_s, c, *_r) in enumerate(rows, 1) for i in c.members}
    print("   the 10 most-liked messages: likes → rank of their cluster (— = not in a cluster of >= 3)")
    for i in very_hot:
        print(f"   {msgs[i].likes:6} → {rank_of.get(i, '—')!s:>4}  {msgs[i].title[:40]}")
    if len(rows) > 3:
        rho_size = spearman([len(r[1].members) for r in rows], [r[3] for r in rows])
        rho_score = spearman([r[0] for r in rows], [r[3] for r in rows])
        print(f"   Spearman over clusters: size vs likes {rho_size:.2f}, score vs likes {rho_score:.2f}")

    # 3. The daily run's windows.
    dates = [parse_date(m.time) for m in msgs]
    first, last = min(d for d in dates if d), max(d for d in dates if d)
    first = max(first, datetime.date(2019, 1, 1))
    print(
        f"\n3. 30-day windows as the daily run sees them ({first} – {last}), top 3 per window, ⚠ = growth warning"
    )
    end = first + datetime.timedelta(days=59)
    warnings = 0
    sizes = []
    while end <= last:
        start = end - datetime.timedelta(days=29)
        prev_start = start - datetime.timedelta(days=30)
        cur = [i for i, d in enumerate(dates) if d and start <= d <= end]
        prev = [i for i, d in enumerate(dates) if d and prev_start <= d < start]
        found = cluster_texts([texts[i] for i in cur], [texts[i] for i in prev], similarity=similarity)
        ranked = []
        for c in found:
            members = [msgs[cur[k]] for k in c.members]
            size, before = len(members), len(c.previous)
            users = len({m.user or m.key for m in members})
            score = hotspot_score(
                size=size, growth=size - before, households=users, vulnerable=0, people=size
            )
            warn = size >= GROWTH_MIN_SIZE and size - before >= GROWTH_MIN_DELTA and size >= 2 * before
            warnings += warn
            ranked.append((score, size, before, warn, members))
        ranked.sort(key=lambda r: -r[0])
        sizes.append(len(found))
        print(f"   {start:%m-%d}–{end:%m-%d}: {len(cur)} messages, {len(found)} hot spots")
        for score, size, before, warn, members in ranked[:3]:
            likes = sum(m.likes for m in members)
            kws = text.cluster_keywords([f"{m.title}。{m.detail}" for m in members[:30]], top=4)
            flag = "⚠" if warn else " "
            print(f"     {flag} {score:5.1f} {size:3} (prev {before:2}) likes {likes:5}  {'、'.join(kws)}")
        end += datetime.timedelta(days=30)
    print(
        f"   growth warnings over the year: {warnings}; hot spots per window p50 {statistics.median(sizes):.0f}"
    )


if __name__ == "__main__":
    main()
