"""Category classifier for requests: numpy/scipy/scikit-learn, no Django.

Features are TF-IDF weights (sublinear tf, l2-normalised) of the character 1–3-grams of the whole text plus, as a
second block with a lower weight, those of the title (or, without one, the first 40 characters, where people state
their matter). Character n-grams need no word segmentation, so unknown place names, typos and mixed English cost
nothing, and traditional characters are folded to simplified first. A linear SVM scores the classes; confidences
are a softmax over those scores with a temperature fitted on out-of-fold scores of the training data.

The n-grams are computed for a whole batch at once with numpy: each text becomes an array of code points, and
an n-gram is the exact integer packing its code points (21 bits each), so there is no hashing collision and no
Python loop per character — this is what makes thousands of messages a second on one core possible.
"""

from __future__ import annotations

import csv
import io
import os
import pickle
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

FORMAT_VERSION = 2
# Long texts add little beyond their first few thousand characters and would dominate the cost per message.
MAX_CHARS = 3000
HEAD_CHARS = 40
# Texts per batch when building features: bounds the memory of training on a large history.
CHUNK = 1000
TITLE_COL = "留言主题"
BODY_COL = "留言详情"
LABEL_COL = "一级标签"

# A small folding table: the common traditional forms in requests, mapped to simplified, so a message typed in
# traditional characters still meets the features learnt from simplified text.
_T2S_TABLE = str.maketrans(
    "學校醫療衛環護境汙車輛橋費資養險補貼業勞動僱傭鄉鎮區縣場價貨買賣飯聲機關辦證書"
    "樓層電話網絡線處罰違規劃廠礦煙塵廢氣圾發項遷徵還禮請問題經營執照"
    "藥診計劃獎懲師課考試報補習兒園讀書運體館圖齡職稱編製視頻聯繫務員傷亂噪響糧補償農"
    "導師這個們來說對時會後裡麼為與從現實應當認識開關門東會長產業戶參與驗檢測條規範",
    "学校医疗卫环护境污车辆桥费资养险补贴业劳动雇佣乡镇区县场价货买卖饭声机关办证书"
    "楼层电话网络线处罚违规划厂矿烟尘废气圾发项迁征还礼请问题经营执照"
    "药诊计划奖惩师课考试报补习儿园读书运体馆图龄职称编制视频联系务员伤乱噪响粮补偿农"
    "导师这个们来说对时会后里么为与从现实应当认识开关门东会长产业户参与验检测条规范",
)
_T2S = {chr(k): chr(v) for k, v in _T2S_TABLE.items() if k != v}
_SPACE = re.compile(r"\s+")
_code_table: np.ndarray | None = None


def _table() -> np.ndarray:
    """Code point → code point used for n-grams, for the Basic Multilingual Plane.

    Letters and digits are NFKC-folded (full-width → ASCII), lower-cased and traditional forms mapped to simplified;
    everything else (punctuation, symbols, spaces) becomes 32, a break no n-gram spans. Built once, on first use,
    so that folding costs one array lookup per character instead of Python work per message.
    """
    global _code_table
    if _code_table is None:
        table = np.full(0x10000, 32, dtype=np.uint32)
        table[0] = 0
        for cp in range(1, 0x10000):
            ch = chr(cp)
            if unicodedata.category(ch)[0] not in "LN":
                continue
            folded = _T2S.get(ch) or unicodedata.normalize("NFKC", ch).lower()
            if len(folded) == 1 and unicodedata.category(folded)[0] in "LN":
                table[cp] = ord(_T2S.get(folded, folded))
            else:
                table[cp] = cp
        _code_table = table
    return _code_table


def normalise(text: str | None) -> str:
    """The text as the model reads it: capped in length, spaces collapsed (folding happens per code point)."""
    if not text:
        return ""
    text = str(text)[: MAX_CHARS * 2].replace("\x00", " ")
    return _SPACE.sub(" ", text).strip()[:MAX_CHARS]


def _has_content(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in text[:MAX_CHARS])


class CharNgrams:
    """TF-IDF of character n-grams (orders 1..max_n) over runs of letters and digits."""

    def __init__(self, max_n: int = 3, min_df: int = 2, max_df: float = 0.9) -> None:
        self.max_n = max_n
        self.min_df = min_df
        self.max_df = max_df
        self.vocab = np.zeros(0, dtype=np.uint64)  # sorted n-gram keys
        self.idf = np.zeros(0, dtype=np.float32)

    def _keys(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(document index, n-gram key) of every n-gram in `texts`."""
        # Punctuation and spaces become breaks (32); documents are separated by 0. No n-gram spans either.
        joined = "\x00".join(texts) + "\x00"
        raw = np.frombuffer(joined.encode("utf-32-le", "replace"), dtype=np.uint32)
        # Outside the BMP are emoji and rare ideographs: breaks.
        codes = _table()[np.minimum(raw, 0xFFFF)]
        codes[raw > 0xFFFF] = 32
        codes = codes.astype(np.uint64)
        is_sep = codes == 0
        breaks = is_sep | (codes == 32)
        doc_of = np.cumsum(is_sep) - is_sep
        keys, docs = [], []
        n_codes = len(codes)
        ok = ~breaks
        key = codes.copy()
        for n in range(1, self.max_n + 1):
            if n > 3:
                # 4-grams and longer no longer fit 64 bits exactly: mix (collisions are vanishingly rare)
                key = key[: n_codes - n + 1] * np.uint64(0x9E3779B97F4A7C15) + codes[n - 1 :]
            elif n > 1:
                # key of the n-gram starting at i = key of the (n-1)-gram at i, shifted, plus code i+n-1
                key = (key[: n_codes - n + 1] << np.uint64(21)) | codes[n - 1 :]
            if n > 1:
                ok = ok[: n_codes - n + 1] & ~breaks[n - 1 :]
            keys.append(key[ok])
            docs.append(doc_of[: len(ok)][ok])
        return np.concatenate(docs), np.concatenate(keys)

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        # Document frequencies chunk by chunk: each chunk contributes its distinct (document, n-gram) pairs only,
        # so memory follows the vocabulary, not the raw n-gram stream of the whole corpus.
        distinct = []
        for i in range(0, len(texts), CHUNK):
            docs, keys = self._keys(texts[i : i + CHUNK])
            order = np.lexsort((keys, docs))
            docs, keys = docs[order], keys[order]
            first = np.ones(len(keys), dtype=bool)
            first[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
            distinct.append(keys[first])
        uniq, df = np.unique(np.concatenate(distinct), return_counts=True)
        del distinct
        n = len(texts)
        keep = (df >= self.min_df) & (df <= max(1.0, self.max_df * n))
        self.vocab = uniq[keep]
        self.idf = (np.log((1 + n) / (1 + df[keep])) + 1).astype(np.float32)
        return self.transform(texts)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        parts = []
        for i in range(0, len(texts), CHUNK):
            chunk = texts[i : i + CHUNK]
            d, c, w = self.weights(chunk)
            parts.append(
                sparse.csr_matrix((w, (d, c)), shape=(len(chunk), len(self.vocab)), dtype=np.float32)
            )
        if not parts:
            return sparse.csr_matrix((0, len(self.vocab)), dtype=np.float32)
        return sparse.vstack(parts, format="csr", dtype=np.float32)

    def weights(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(document, column, weight) of every non-zero TF-IDF entry, rows l2-normalised, sorted by document.

        Plain arrays rather than a sparse matrix: for one message at a time (the intake form) the bookkeeping of
        scipy.sparse would cost more than the arithmetic.
        """
        empty = np.zeros(0, dtype=np.int64)
        if len(self.vocab) == 0:
            return empty, empty, np.zeros(0, dtype=np.float32)
        docs, keys = self._keys(texts)
        cols = np.searchsorted(self.vocab, keys)
        cols[cols == len(self.vocab)] = 0
        found = self.vocab[cols] == keys
        size = len(self.vocab)
        uniq, counts = np.unique(docs[found].astype(np.int64) * size + cols[found], return_counts=True)
        d, c = uniq // size, uniq % size
        w = (1.0 + np.log(counts)) * self.idf[c]  # sublinear tf × idf
        norms = np.sqrt(np.bincount(d, weights=w * w, minlength=len(texts)))
        w = w / norms[d]
        return d, c, w.astype(np.float32)


@dataclass
class Params:
    c: float = 1.0
    title_weight: float = 0.5
    max_n: int = 3
    min_df: int = 2
    max_df: float = 0.9
    class_weight: str | None = "balanced"


@dataclass
class Classifier:
    """A fitted model: n-gram tables, linear weights and the label list; picklable and small."""

    labels: list[str]
    params: Params
    vectorizers: dict[str, CharNgrams]
    coef: np.ndarray
    intercept: np.ndarray
    temperature: float = 1.0
    format_version: int = FORMAT_VERSION
    meta: dict[str, Any] = field(default_factory=dict)

    def transform(self, titles: Sequence[str], bodies: Sequence[str]) -> sparse.csr_matrix:
        return _features(self.vectorizers, self.params, titles, bodies)

    def decision(self, titles: Sequence[str], bodies: Sequence[str]) -> np.ndarray:
        """Class scores: Σ weight × coefficient per document, gathered straight from the n-gram arrays."""
        n = len(titles)
        scores = np.tile(self.intercept.astype(np.float64), (n, 1))
        offset = 0
        for name, vec, docs in _blocks(self.vectorizers, titles, bodies):
            d, c, w = vec.weights(docs)
            if name == "title":
                w = w * self.params.title_weight
            coef = self.coef[:, offset + c]  # (classes, entries)
            for k in range(coef.shape[0]):
                scores[:, k] += np.bincount(d, weights=coef[k] * w, minlength=n)
            offset += len(vec.vocab)
        return scores

    def predict_proba(self, titles: Sequence[str], bodies: Sequence[str]) -> np.ndarray:
        return _softmax(self.decision(titles, bodies), self.temperature)

    def predict(self, titles: Sequence[str], bodies: Sequence[str]) -> list[str]:
        """Labels for already normalised texts."""
        scores = self.decision(titles, bodies)
        return [self.labels[i] for i in scores.argmax(axis=1)]

    def suggest(self, title: str, body: str, k: int = 3) -> list[tuple[str, float]]:
        """Top k (label, confidence) for raw text; empty when it carries nothing to classify."""
        title_n, body_n = normalise(title), normalise(body)
        if not _has_content(title_n + body_n):
            return []
        proba = self.predict_proba([title_n], [body_n])[0]
        order = np.argsort(-proba)[:k]
        return [(self.labels[i], float(proba[i])) for i in order]


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / max(temperature, 1e-6)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _make_vectorizers(params: Params) -> dict[str, CharNgrams]:
    vs = {"text": CharNgrams(params.max_n, params.min_df, params.max_df)}
    if params.title_weight > 0:
        vs["title"] = CharNgrams(params.max_n, params.min_df, params.max_df)
    return vs


def _blocks(
    vectorizers: dict[str, CharNgrams], titles: Sequence[str], bodies: Sequence[str]
) -> list[tuple[str, CharNgrams, list[str]]]:
    full = [t + " " + b if t else b for t, b in zip(titles, bodies, strict=True)]
    heads = [t if t else b[:HEAD_CHARS] for t, b in zip(titles, bodies, strict=True)]
    return [(name, vec, heads if name == "title" else full) for name, vec in vectorizers.items()]


def _features(
    vectorizers: dict[str, CharNgrams],
    params: Params,
    titles: Sequence[str],
    bodies: Sequence[str],
    fit: bool = False,
) -> sparse.csr_matrix:
    blocks = []
    for name, vec, docs in _blocks(vectorizers, titles, bodies):
        m = vec.fit_transform(docs) if fit else vec.transform(docs)
        if name == "title":
            m = m * np.float32(params.title_weight)
        blocks.append(m)
    return sparse.hstack(blocks, format="csr", dtype=np.float32)


def fit(
    titles: Sequence[str],
    bodies: Sequence[str],
    labels: Sequence[str],
    params: Params | None = None,
    calibrate: bool = True,
) -> Classifier:
    from sklearn.svm import LinearSVC

    params = params or Params()
    titles = [normalise(t) for t in titles]
    bodies = [normalise(b) for b in bodies]
    label_list = sorted(set(labels))
    if len(label_list) < 2:
        raise ValueError("need at least two categories to train")
    y = np.array([label_list.index(lab) for lab in labels])
    vectorizers = _make_vectorizers(params)
    x = _features(vectorizers, params, titles, bodies, fit=True)
    svm = LinearSVC(C=params.c, class_weight=params.class_weight)
    svm.fit(x, y)
    coef = svm.coef_.astype(np.float32)
    intercept = svm.intercept_.astype(np.float32)
    if coef.shape[0] == 1:  # binary: LinearSVC returns one row; make it two so the softmax has both classes
        coef = np.vstack([-coef, coef]) / 2
        intercept = np.concatenate([-intercept, intercept]) / 2
    temperature = _fit_temperature(x, y, params) if calibrate else 1.0
    return Classifier(
        labels=label_list,
        params=params,
        vectorizers=vectorizers,
        coef=coef,
        intercept=intercept,
        temperature=temperature,
    )


def _fit_temperature(x: sparse.csr_matrix, y: np.ndarray, params: Params) -> float:
    """Temperature minimising log-loss of out-of-fold SVM scores (vectorizers shared; a small optimism only)."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    n_splits = min(3, int(np.bincount(y).min()))
    if n_splits < 2:
        return 1.0
    scores = np.zeros((x.shape[0], int(y.max()) + 1))
    for train, test in StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0).split(x, y):
        svm = LinearSVC(C=params.c, class_weight=params.class_weight).fit(x[train], y[train])
        s = svm.decision_function(x[test])
        if s.ndim == 1:
            s = np.vstack([-s, s]).T / 2
        scores[test] = s
    best_t, best_loss = 1.0, float("inf")
    for t in np.geomspace(0.02, 5.0, 60):
        p = _softmax(scores, float(t))
        loss = float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    return best_t


# --- serialisation ----------------------------------------------------------------------------------------


class ModelFormatError(Exception):
    """The stored bytes are not a model this code can use."""


# Models live in the database; unpickling may construct only what a model is made of. numpy's array helpers are
# listed under both module names (numpy 1.x "core", 2.x "_core").
_ALLOWED_GLOBALS = {
    ("minqing.textintel.classifier", "Classifier"),
    ("minqing.textintel.classifier", "Params"),
    ("minqing.textintel.classifier", "CharNgrams"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "scalar"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise ModelFormatError(f"forbidden in a model: {module}.{name}")
        return super().find_class(module, name)


def dumps(model: Classifier) -> bytes:
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def loads(data: bytes | memoryview | None) -> Classifier:
    if not data:
        raise ModelFormatError("empty model data")
    try:
        obj = _Unpickler(io.BytesIO(bytes(data))).load()
    except ModelFormatError:
        raise
    except Exception as exc:  # any unpickling failure means the bytes are damaged
        raise ModelFormatError(f"cannot read model: {exc.__class__.__name__}: {exc}") from exc
    if not isinstance(obj, Classifier) or obj.format_version != FORMAT_VERSION:
        raise ModelFormatError("not a category model of this format")
    return obj


# --- CSV and evaluation -----------------------------------------------------------------------------------


@dataclass
class Dataset:
    titles: list[str]
    bodies: list[str]
    labels: list[str]

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, idx: Iterable[int]) -> Dataset:
        ids = list(idx)
        return Dataset(
            [self.titles[i] for i in ids], [self.bodies[i] for i in ids], [self.labels[i] for i in ids]
        )


def read_csv(path: str | os.PathLike[str]) -> Dataset:
    """Rows of a CSV shaped like messages_labeled.csv; rows without a label or without any text are skipped.

    UTF-8 (with or without BOM) or, as Excel in Chinese saves it, GB18030.
    """
    try:
        return _read_csv(path, "utf-8-sig")
    except UnicodeDecodeError:
        return _read_csv(path, "gb18030")


def _read_csv(path: str | os.PathLike[str], encoding: str) -> Dataset:
    csv.field_size_limit(10_000_000)  # one long message must not stop a whole import
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.DictReader(fh)
        cols = {c.strip() for c in reader.fieldnames or []}
        missing = {BODY_COL, LABEL_COL} - cols
        if missing:
            raise ValueError(f"CSV lacks column(s): {', '.join(sorted(missing))}")
        ds = Dataset([], [], [])
        for raw in reader:
            row = {(k or "").strip(): v for k, v in raw.items()}
            label = (row.get(LABEL_COL) or "").strip()
            title = (row.get(TITLE_COL) or "").strip()
            body = (row.get(BODY_COL) or "").strip()
            if not label or not (title or body):
                continue
            ds.titles.append(title)
            ds.bodies.append(body)
            ds.labels.append(label)
    return ds


def split(ds: Dataset, test_size: float = 0.2, seed: int = 20200) -> tuple[Dataset, Dataset]:
    """The fixed stratified hold-out split used for the published figures."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(ds))
    train, test = train_test_split(idx, test_size=test_size, random_state=seed, stratify=ds.labels)
    return ds.subset(sorted(train)), ds.subset(sorted(test))


@dataclass
class Scores:
    n: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    seconds: float
    unknown_labels: int = 0

    @property
    def per_second(self) -> float:
        return self.n / self.seconds if self.seconds > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "per_class": self.per_class,
            "messages_per_second": round(self.per_second, 1),
            "unknown_labels": self.unknown_labels,
        }


EVAL_BATCH = 500


def evaluate(model: Classifier, ds: Dataset) -> Scores:
    """Accuracy and per-class precision/recall/F1; macro-F1 over the labels that occur in truth or predictions
    (as scikit-learn's f1_score does). Classified in batches so memory stays flat on a large file."""
    start = time.perf_counter()
    pred: list[str] = []
    for i in range(0, len(ds), EVAL_BATCH):
        titles = [normalise(t) for t in ds.titles[i : i + EVAL_BATCH]]
        bodies = [normalise(b) for b in ds.bodies[i : i + EVAL_BATCH]]
        pred.extend(model.predict(titles, bodies))
    seconds = time.perf_counter() - start
    truth = ds.labels
    per_class: dict[str, dict[str, float]] = {}
    f1s = []
    for label in sorted(set(truth) | set(pred)):
        tp = sum(1 for t, p in zip(truth, pred, strict=True) if t == label and p == label)
        n_pred = sum(1 for p in pred if p == label)
        n_true = sum(1 for t in truth if t == label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_true if n_true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        per_class[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": n_true,
        }
    macro = float(np.mean(f1s)) if f1s else 0.0
    acc = sum(1 for t, p in zip(truth, pred, strict=True) if t == p) / len(ds) if len(ds) else 0.0
    unknown = sum(1 for lab in truth if lab not in model.labels)
    return Scores(len(ds), acc, macro, per_class, seconds, unknown)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    /proc's VmHWM belongs to the running program only; getrusage's ru_maxrss survives exec and so can report the
    peak of the parent that started us (a test runner, a benchmark).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
