"""Category suggestion (minqing/textintel/classifier.py) on the shared data set: quality, speed, load time, memory.

Split: a fixed stratified 20 % hold-out of messages_labeled.csv (scikit-learn train_test_split, random_state=20200,
stratified by 一级标签: 4,936 training / 1,234 held-out messages). Model choices were made by 5-fold stratified
cross-validation on the training part only (`--cv` repeats it); the hold-out is scored once, here.

Prints, for the character TF-IDF + LinearSVC baseline and for the model minqing ships:
  * macro-F1, accuracy and per-class precision/recall/F1 on the hold-out (and the CV mean ± sd with --cv);
  * messages/s on one core (this process pinned to one CPU): the hold-out classified in one batch, and one
    message at a time through `suggest()` as the intake form does;
  * model load time (bytes → model) and, in a fresh process, import + load + classifying the hold-out, with that
    process's peak RSS (what an app server adds), and the training process's peak RSS.

    .venv/bin/python bench/bench_textintel.py [--csv FILE] [--cv] [--no-baseline]

The data set is read from $MINQING_SHARED_DATA/teddy2020/messages_labeled.csv (default ../shared/data).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minqing.textintel import classifier  # noqa: E402

DEFAULT_CSV = (
    Path(os.environ.get("MINQING_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    / "teddy2020"
    / "messages_labeled.csv"
)
SEED = 20200


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load}"


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def baseline_fit(train: classifier.Dataset):  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    pipe = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC())
    return pipe.fit([f"{t} {b}" for t, b in zip(train.titles, train.bodies, strict=True)], train.labels)


def baseline_scores(model, test: classifier.Dataset) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    from sklearn.metrics import accuracy_score, f1_score

    pred = model.predict([f"{t} {b}" for t, b in zip(test.titles, test.bodies, strict=True)])
    return f1_score(test.labels, pred, average="macro"), accuracy_score(test.labels, pred)


def cross_validate(train: classifier.Dataset, folds: int = 5) -> tuple[list[float], list[float]]:
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    ours, base = [], []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=1)
    for a, b in splitter.split(np.zeros(len(train)), train.labels):
        tr, te = train.subset(a), train.subset(b)
        m = classifier.fit(tr.titles, tr.bodies, tr.labels, calibrate=False)
        ours.append(classifier.evaluate(m, te).macro_f1)
        base.append(baseline_scores(baseline_fit(tr), te)[0])
    return ours, base


_CHILD = """
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from minqing.textintel import classifier
t1 = time.perf_counter()
data = open({blob!r}, "rb").read()
t2 = time.perf_counter()
model = classifier.loads(data)
t3 = time.perf_counter()
ds = classifier.read_csv({test!r})
scores = classifier.evaluate(model, ds)
print(f"{{t1 - t0:.3f}} {{t3 - t2:.3f}} {{scores.per_second:.0f}} "
      f"{{classifier.peak_rss_mb():.0f}} {{scores.macro_f1:.4f}}")
"""


def fresh_process(model: classifier.Classifier, test: classifier.Dataset) -> list[str]:
    import csv

    with tempfile.TemporaryDirectory() as tmp:
        blob = Path(tmp) / "model.bin"
        blob.write_bytes(classifier.dumps(model))
        test_csv = Path(tmp) / "test.csv"
        with test_csv.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([classifier.TITLE_COL, classifier.BODY_COL, classifier.LABEL_COL])
            w.writerows(zip(test.titles, test.bodies, test.labels, strict=True))
        code = _CHILD.format(root=str(ROOT), blob=str(blob), test=str(test_csv))
        cmd = [sys.executable, "-c", code]
        if hasattr(os, "sched_getaffinity"):
            cmd = ["taskset", "-c", str(sorted(os.sched_getaffinity(0))[0]), *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--csv", default=str(DEFAULT_CSV))
    parser.add_argument("--cv", action="store_true", help="also 5-fold CV on the training part (slow)")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    if not Path(args.csv).is_file():
        sys.exit(f"data set not found: {args.csv} (set MINQING_SHARED_DATA or pass --csv)")
    pin_to_one_core()
    print(f"machine: {machine()}")
    ds = classifier.read_csv(args.csv)
    train, test = classifier.split(ds, test_size=0.2, seed=SEED)
    print(
        f"split: stratified 20 % hold-out, seed {SEED}: {len(train)} training, {len(test)} held-out messages"
    )

    if args.cv:
        ours_cv, base_cv = cross_validate(train)
        import statistics

        for name, vals in (("baseline", base_cv), ("minqing", ours_cv)):
            print(
                f"CV (5-fold, training part) {name}: macro_f1 {statistics.mean(vals):.4f} ± {statistics.stdev(vals):.4f}"
            )

    if not args.no_baseline:
        t = time.perf_counter()
        base = baseline_fit(train)
        f1, acc = baseline_scores(base, test)
        print(f"baseline char 1-3 TF-IDF + LinearSVC: macro_f1={f1:.4f} accuracy={acc:.4f} "
              f"(trained in {time.perf_counter() - t:.1f} s)")  # fmt: skip

    t = time.perf_counter()
    model = classifier.fit(train.titles, train.bodies, train.labels)
    train_seconds = time.perf_counter() - t
    train_rss = classifier.peak_rss_mb()
    scores = classifier.evaluate(model, test)
    print(
        f"minqing model: trained in {train_seconds:.1f} s, {len(classifier.dumps(model)) / 1e6:.1f} MB serialised"
    )
    print(f"accuracy={scores.accuracy:.4f}")
    print(f"{'class':<12} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>7}")
    for label, c in scores.per_class.items():
        print(f"{label:<12} {c['precision']:>9.4f} {c['recall']:>7.4f} {c['f1']:>7.4f} {c['support']:>7}")

    titles = [classifier.normalise(t) for t in test.titles]
    bodies = [classifier.normalise(b) for b in test.bodies]
    proba = model.predict_proba(titles, bodies)
    top = proba.argmax(axis=1)
    right = [model.labels[i] == label for i, label in zip(top, test.labels, strict=True)]
    in3 = [
        label in {model.labels[j] for j in (-p).argsort()[:3]}
        for p, label in zip(proba, test.labels, strict=True)
    ]
    print(f"true label among the three suggestions: {sum(in3) / len(in3):.1%}")
    for threshold in (0.5, 0.8, 0.9):
        sure = [r for r, p in zip(right, proba.max(axis=1), strict=True) if p >= threshold]
        if sure:
            print(f"confidence ≥ {threshold}: {len(sure) / len(right):.1%} of messages, "
                  f"{sum(sure) / len(sure):.1%} of them right")  # fmt: skip

    scores = classifier.evaluate(model, test)  # warm: the first call also builds the code-point table
    print(f"batch: {scores.per_second:.0f} messages/s on one core")
    t = time.perf_counter()
    for title, body in zip(test.titles, test.bodies, strict=True):
        model.suggest(title, body)
    one = len(test) / (time.perf_counter() - t)
    print(f"one at a time (suggest, as the intake form): {one:.0f} messages/s on one core")
    blob = classifier.dumps(model)
    t = time.perf_counter()
    classifier.loads(blob)
    print(f"model load (bytes → model, in process): {time.perf_counter() - t:.3f} s")
    import_s, load_s, fresh_rate, fresh_rss, fresh_f1 = fresh_process(model, test)
    print(f"fresh process: import {import_s} s, load {load_s} s, {fresh_rate} messages/s, "
          f"peak RSS {fresh_rss} MB, macro_f1 {fresh_f1}")  # fmt: skip
    print(f"training process peak RSS: {train_rss:.0f} MB")
    print(f"macro_f1={scores.macro_f1:.4f}")


if __name__ == "__main__":
    main()
