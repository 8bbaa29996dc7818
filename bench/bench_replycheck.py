"""Calibration figures of the reply check (minqing/textintel/replycheck.py) on real government replies.

Reads messages_with_replies.csv (留言主题, 留言详情, 答复意见; 2,784 rows) from $MINQING_SHARED_DATA/teddy2020 (default
../shared/data beside the checkout) and prints

1. how many real replies the check flags, and for which first reason (short / forward_only / off_topic);
2. how many replies it flags when each request is given another request's reply: a random one, and the one whose
   request title is most similar (a reply about a related matter: the hard case);
3. the coverage AUC of real vs mismatched replies (how well "mentions the request's key terms" separates them),
   replies checked per second (one core) and peak RSS;
4. with --examples N, N flagged real replies per reason, to read what the check catches.

    .venv/bin/python bench/bench_replycheck.py [--csv FILE] [--examples 5]
"""

import argparse
import csv
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


def default_csv() -> Path:
    shared = os.environ.get("MINQING_SHARED_DATA") or str(ROOT.parent / "shared" / "data")
    return Path(shared) / "teddy2020" / "messages_with_replies.csv"


def auc(pos: list[float], neg: list[float]) -> float:
    """Probability that a real reply covers more of its request than a mismatched one (ties count half)."""
    from bisect import bisect_left, bisect_right

    neg_sorted = sorted(neg)
    total = 0.0
    for p in pos:
        total += bisect_left(neg_sorted, p) + 0.5 * (bisect_right(neg_sorted, p) - bisect_left(neg_sorted, p))
    return total / (len(pos) * len(neg))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--csv", type=Path, default=default_csv())
    parser.add_argument("--examples", type=int, default=0)
    args = parser.parse_args()
    if not args.csv.exists():
        sys.exit(f"{args.csv} not found (set MINQING_SHARED_DATA or pass --csv)")

    import django

    django.setup()
    from minqing.textintel import replycheck as rc

    with open(args.csv, encoding="utf-8-sig", newline="") as fh:
        rows = [(r["留言主题"] or "", r["留言详情"] or "", r["答复意见"] or "") for r in csv.DictReader(fh)]
    print(f"data: {args.csv} ({len(rows)} request/reply pairs)")
    print(
        f"thresholds: substance < {rc.MIN_SUBSTANCE_CHARS} chars → short; forwarding with < "
        f"{rc.FORWARD_MAX_SUBSTANCE} other chars → forward_only; key-term coverage < {rc.MIN_COVERAGE} → off_topic"
    )

    rc.check_reply("路灯坏了", "村口路灯坏了", "已修复")  # load jieba and its IDF table outside the timing
    start = time.perf_counter()
    cpu = time.process_time()
    report = rc.calibrate(rows)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    n = report["n"]
    print()
    print(f"real replies flagged: {report['real_flagged']} / {n} ({report['real_flagged_rate']:.1%})")
    for code, count in sorted(report["real_first_reason"].items(), key=lambda kv: -kv[1]):
        print(f"  {code:13s} {count:5d} ({count / n:.1%})")
    print(f"  (forward_only replies also off_topic: {report['real_forward_only_also_off_topic']})")
    print(f"random other reply flagged:        {report['random_reply_flagged_rate']:.1%}")
    print(f"similar-title request's reply flagged: {report['similar_title_reply_flagged_rate']:.1%}")
    print(f"substance chars p5/p10/p50 of real replies: {report['substance_p05_p10_p50']}")
    print(f"coverage p10/p50 of real replies with substance: {report['coverage_p10_p50_substantive']}")

    # Separation by coverage alone, on real replies that say something (≥ the short threshold).
    real = [rc.measure(t, c, r) for t, c, r in rows]
    keep = [m.coverage for m in real if m.substance_chars >= rc.MIN_SUBSTANCE_CHARS]
    rng = random.Random(7)
    partner = list(range(n))
    rng.shuffle(partner)
    wrong = [rc.measure(rows[i][0], rows[i][1], rows[j][2]).coverage for i, j in enumerate(partner) if i != j]
    similar = rc.similar_title_partners([r[0] for r in rows])
    near = [rc.measure(rows[i][0], rows[i][1], rows[j][2]).coverage for i, j in enumerate(similar)]
    print(
        f"coverage AUC, real vs random reply: {auc(keep, wrong):.3f}; vs similar-title reply: {auc(keep, near):.3f}"
    )
    print("coverage threshold sweep (share below it: real replies with substance / random / similar-title):")
    for threshold in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3):
        shares = [sum(1 for c in xs if c < threshold) / len(xs) for xs in (keep, wrong, near)]
        mark = "  ← in use" if threshold == rc.MIN_COVERAGE else ""
        print(f"  < {threshold:.2f}: {shares[0]:6.1%} {shares[1]:6.1%} {shares[2]:6.1%}{mark}")
    print(f"checks/s (one core): {3 * n / wall:.0f} wall, {3 * n / cpu:.0f} CPU")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    if args.examples:
        by_code: dict[str, list[int]] = {}
        for i, m in enumerate(real):
            codes = rc.judge(m, empty=not rows[i][2].strip())
            if codes:
                by_code.setdefault(codes[0], []).append(i)
        for code, idx in by_code.items():
            print(f"\n--- {code}")
            for i in random.Random(1).sample(idx, min(args.examples, len(idx))):
                print(f"* {rows[i][0][:40]} | coverage {real[i].coverage} | {rows[i][2][:120]!r}")


if __name__ == "__main__":
    main()
