"""Model + category tree → leaf suggestions with an honest confidence, and the threshold below which none is shown.

No Django here: the tree comes in as plain `Leaf` rows (from the database, or from `petitions.seed` in the
benchmark), the model as its class probabilities.

Why a mixture. The model's probabilities are conditional on the request being one of the classes it was trained
on: trained on the public messages, it has no class for 低保, 征地 or 承包, so it is 98 % sure a 低保 request is
"劳动和社会保障". So a request is either about a leaf some model class covers ("covered") or about one no class
covers ("uncovered"), and

    P(leaf) = (1 − u) · P(leaf | covered) + u · P(leaf | uncovered)

* P(leaf | covered): each model class spreads its probability over the leaves it was explicitly mapped to
  (`label_leaves`); a leaf whose keywords occur in the text takes more of it (× e^(β·hits)), which is also how
  keywords move a suggestion from one model class to another. A leaf no class maps to gets nothing from the model.
* P(leaf | uncovered): only keyword evidence; leaves without any hit keep a small share.
* u, how likely the request is about something the model never learnt, grows with the keyword hits of uncovered
  leaves over those of covered ones (a logistic in the difference). Keyword evidence for a matter the model cannot
  know thus vetoes the model's confident guess; a keyword written "-词" vetoes its own leaf outright.

The result ranks leaves; whether the first is shown is decided by a threshold fitted on held-out requests so that
shown suggestions are right at a target precision (`fit_threshold`). Below it the form asks for a manual choice.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import classifier

# Township-style requests written for this project (synthetic, ≥ 10 per leaf of the seeded tree): what the
# threshold is fitted on and what `minqing textintel eval` reports on.
TOWNSHIP_SET = Path(__file__).resolve().parent / "data" / "township_requests.csv"

# Chosen by hand before fitting any threshold (a keyword hit ≈ ×4.5 on a leaf; one more uncovered hit than covered
# makes u ≈ 0.6, two ≈ 0.9); the township set then decides only the threshold.
BETA = 1.5
GAMMA = 2.0
BIAS = -1.5
# Share of a leaf without keyword hits among the uncovered ones: present, never enough to be shown.
NO_HIT_WEIGHT = 0.05
# Too few shown suggestions on the calibration set make any precision figure noise; below this count no
# threshold is trusted and suggestions stay off.
MIN_SHOWN = 20
# Never show a suggestion that is less likely than not, whatever a small calibration set says.
FLOOR = 0.5


@dataclass(frozen=True)
class Leaf:
    pk: int
    code: str
    keywords: tuple[str, ...] = ()
    vetoes: tuple[str, ...] = ()
    # Keywords of the leaf's ancestors: they count for every leaf below, at half weight.
    inherited: tuple[str, ...] = ()


def parse_keywords(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(keywords, vetoes) of a category's keyword field: words separated by spaces, commas or 、; "-词" vetoes."""
    words = text.replace("，", " ").replace(",", " ").replace("、", " ").replace("；", " ").split()
    pos = tuple(dict.fromkeys(w for w in words if not w.startswith("-")))
    neg = tuple(dict.fromkeys(w[1:] for w in words if w.startswith("-") and len(w) > 1))
    return pos, neg


@dataclass
class Ranked:
    pk: int
    code: str
    confidence: float
    model: float  # what the model part alone gave this leaf (0 for a leaf no class maps to)
    hits: float  # keyword evidence found in the text

    @property
    def source(self) -> str:
        if self.model > 0.05 and self.hits:
            return "model+keywords"
        return "keywords" if self.hits else "model"


def keyword_hits(leaf: Leaf, text: str) -> float:
    return sum(1.0 for w in leaf.keywords if w in text) + sum(0.5 for w in leaf.inherited if w in text)


def rank(
    proba: Mapping[str, float],
    label_leaves: Mapping[str, Sequence[int]],
    leaves: Sequence[Leaf],
    text: str,
) -> list[Ranked]:
    """Every leaf with its confidence, best first; [] when there is no leaf at all."""
    if not leaves:
        return []
    by_pk = {leaf.pk: leaf for leaf in leaves}
    hits = {leaf.pk: keyword_hits(leaf, text) for leaf in leaves}
    vetoed = {leaf.pk for leaf in leaves if any(w in text for w in leaf.vetoes)}
    model: dict[int, float] = dict.fromkeys(by_pk, 0.0)
    for label, p in proba.items():
        targets = [pk for pk in label_leaves.get(label, ()) if pk in by_pk]
        for pk in targets:
            model[pk] += p / len(targets)
    covered = {pk for pk, m in model.items() if m > 0}
    boost = {pk: math.exp(BETA * h) if h else 1.0 for pk, h in hits.items()}

    cov = {pk: model[pk] * boost[pk] for pk in covered if pk not in vetoed}
    unc = {
        pk: (boost[pk] if hits[pk] else NO_HIT_WEIGHT)
        for pk in by_pk
        if pk not in covered and pk not in vetoed
    }
    k_cov = max((hits[pk] for pk in cov), default=0.0)
    k_unc = max((hits[pk] for pk in unc), default=0.0)
    u = 1.0 / (1.0 + math.exp(-(GAMMA * (k_unc - k_cov) + BIAS))) if unc else 0.0
    if not cov:
        u = 1.0 if unc else 0.0
    cov_total, unc_total = sum(cov.values()), sum(unc.values())
    out = []
    for pk, leaf in by_pk.items():
        p = 0.0
        if pk in cov and cov_total > 0:
            p += (1 - u) * cov[pk] / cov_total
        if pk in unc and unc_total > 0:
            p += u * unc[pk] / unc_total
        out.append(Ranked(pk, leaf.code, float(p), float(model[pk]), float(hits[pk])))
    out.sort(key=lambda r: (-r.confidence, r.code))
    return out


def rank_many(
    model: classifier.Classifier,
    label_leaves: Mapping[str, Sequence[int]],
    leaves: Sequence[Leaf],
    titles: Sequence[str],
    bodies: Sequence[str],
) -> list[list[Ranked]]:
    """`rank` for a batch of raw texts, the model run once over all of them."""
    t = [classifier.normalise(x) for x in titles]
    b = [classifier.normalise(x) for x in bodies]
    if not t:
        return []
    proba = model.predict_proba(t, b)
    return [
        rank(
            dict(zip(model.labels, (float(x) for x in row), strict=True)), label_leaves, leaves, f"{ti} {bo}"
        )
        for row, ti, bo in zip(proba, t, b, strict=True)
    ]


def read_requests(path: str | Path = TOWNSHIP_SET) -> list[tuple[str, str, str]]:
    """(category code, title, content) rows of a CSV with columns category, title, content."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [
            (
                (r.get("category") or "").strip(),
                (r.get("title") or "").strip(),
                (r.get("content") or "").strip(),
            )
            for r in csv.DictReader(fh)
            if (r.get("category") or "").strip()
            and ((r.get("title") or "") + (r.get("content") or "")).strip()
        ]


# --- calibration ---------------------------------------------------------------------------------------------


@dataclass
class Calibration:
    threshold: float | None  # None: no threshold reaches the target on this data, suggestions stay off
    target: float
    n: int
    shown: int
    right_when_shown: int

    @property
    def precision(self) -> float:
        return self.right_when_shown / self.shown if self.shown else 0.0

    @property
    def abstention(self) -> float:
        return 1 - self.shown / self.n if self.n else 1.0

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "threshold": None if self.threshold is None else round(self.threshold, 4),
            "target_precision": self.target,
            "n": self.n,
            "shown": self.shown,
            "precision_when_shown": round(self.precision, 4),
            "abstention": round(self.abstention, 4),
        }


def fit_threshold(
    scored: Iterable[tuple[float, bool]], target: float = 0.9, min_shown: int = MIN_SHOWN
) -> Calibration:
    """The lowest confidence at which the suggestions at or above it are right at least `target` of the time.

    `scored` holds (confidence of the first suggestion, whether it was right) for held-out requests. The lowest
    such threshold shows the most suggestions while keeping the shown ones at the target precision.
    """
    pairs = sorted(scored, key=lambda sr: -sr[0])
    best: Calibration | None = None
    right = 0
    for i, (conf, ok) in enumerate(pairs):
        right += bool(ok)
        shown = i + 1
        # Only a cut between two distinct confidences is a threshold one can apply.
        if i + 1 < len(pairs) and pairs[i + 1][0] == conf:
            continue
        if shown >= min_shown and conf >= FLOOR and right / shown >= target:
            best = Calibration(conf, target, len(pairs), shown, right)
    if best is None:
        return Calibration(None, target, len(pairs), 0, 0)
    return best


def apply_threshold(
    scored: Iterable[tuple[float, bool]], threshold: float | None, target: float
) -> Calibration:
    pairs = list(scored)
    shown = [ok for conf, ok in pairs if threshold is not None and conf >= threshold]
    return Calibration(threshold, target, len(pairs), len(shown), sum(shown))


@dataclass
class CategoryReport:
    code: str
    n: int = 0
    shown: int = 0
    right: int = 0
    top_right: int = 0  # the first leaf was right, shown or not

    @property
    def accuracy_when_shown(self) -> float | None:
        return self.right / self.shown if self.shown else None

    @property
    def abstention(self) -> float:
        return 1 - self.shown / self.n if self.n else 1.0


@dataclass
class Report:
    """Suggestions on labelled requests at a threshold, overall and per category."""

    threshold: float | None
    overall: Calibration
    per_category: dict[str, CategoryReport] = field(default_factory=dict)
    cross_fitted: Calibration | None = None  # each fold scored at a threshold fitted on the other folds


def report(
    rows: Sequence[tuple[str, str, float]], threshold: float | None, target: float, folds: int = 5
) -> Report:
    """`rows`: (true leaf code, first suggested leaf code, its confidence) per request."""
    scored = [(conf, truth == guess) for truth, guess, conf in rows]
    rep = Report(threshold, apply_threshold(scored, threshold, target))
    for truth, guess, conf in rows:
        c = rep.per_category.setdefault(truth, CategoryReport(truth))
        c.n += 1
        c.top_right += truth == guess
        if threshold is not None and conf >= threshold:
            c.shown += 1
            c.right += truth == guess
    if len(rows) >= folds * MIN_SHOWN // 2:
        rep.cross_fitted = cross_fit(scored, target, folds)
    return rep


def cross_fit(scored: Sequence[tuple[float, bool]], target: float, folds: int = 5) -> Calibration:
    """What a threshold fitted on other requests does on these: fold i is scored at the threshold of the rest.
    Folds are interleaved (every `folds`-th request), so each holds every category of a file sorted by category."""
    shown = right = 0
    for f in range(folds):
        fit_on = [s for i, s in enumerate(scored) if i % folds != f]
        held = [s for i, s in enumerate(scored) if i % folds == f]
        t = fit_threshold(fit_on, target, min_shown=max(5, MIN_SHOWN * (folds - 1) // folds)).threshold
        if t is None:
            continue
        for conf, ok in held:
            if conf >= t:
                shown += 1
                right += ok
    return Calibration(None, target, len(scored), shown, right)
