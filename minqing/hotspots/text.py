"""Text primitives for near-duplicates, clustering and keywords: normalisation, character shingles, MinHash with
LSH bands, jieba keywords and watched-phrase matching.

Everything here is pure (no database) and deterministic across processes: the band hashes are stored, so a
signature computed by one app server must equal the one computed by another (no Python `hash()`).
"""

import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

# 3-character shingles: long enough that unrelated Chinese texts share few, short enough that one changed
# character breaks only three of them.
SHINGLE = 3
NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS  # 4 rows per band: a pair with Jaccard 0.5 shares a band with probability 0.64
# Only the head of a very long text is indexed: re-posts repeat their opening, and the cost stays bounded.
INDEX_CHARS = 3000
# Fewer shingles than this and the text says too little to call anything a duplicate of it.
MIN_CHARS = 8

_PRIME = np.uint64(4294967311)  # the first prime above 2**32
_rng = np.random.default_rng(20200101)  # fixed: stored band hashes depend on these
_A = _rng.integers(1, 2**31, size=NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, 2**31, size=NUM_PERM, dtype=np.uint64)
_MIX1 = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_MASK32 = np.uint64(0xFFFFFFFF)

# Traditional forms that appear in requests typed on other input methods, mapped so that 上訪 matches 上访 and a
# re-post in traditional characters still shingles like the original. Small on purpose: the characters of the
# watched phrases and the commonest ones in complaints.
_TRAD = str.maketrans(
    "訪體討樓殺圍靜橫羣群氣賠償區縣鄉鎮村農錢資補貼險醫費權會國車門證書說問請幫領導們來這為時間長還沒對於與個處電話區裡裏後發現實從應該經過開關"
    "辦業壞難點報紙單號碼頭歲親環汙污騙傷癒遷築樹務員條規將過與總務",
    "访体讨楼杀围静横群群气赔偿区县乡镇村农钱资补贴险医费权会国车门证书说问请帮领导们来这为时间长还没对于与个处电话区里里后发现实从应该经过开关"
    "办业坏难点报纸单号码头岁亲环污污骗伤愈迁筑树务员条规将过与总务",
)


def normalize(text: str) -> str:
    """Comparable form of a request's text: full-width to half-width, lower case, traditional to simplified
    for common characters, and only letters, digits and CJK kept (punctuation, spaces and emoji go)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).lower().translate(_TRAD)
    # Carriage returns escaped by Excel (_x000D_) survive many exports of petition systems.
    text = text.replace("_x000d_", "")
    return "".join(ch for ch in text if ch.isalnum())


def shingle_hashes(norm: str) -> np.ndarray:
    """64-bit hashes of the text's character 3-grams, vectorised (no Python loop over characters)."""
    if len(norm) < SHINGLE:
        return np.empty(0, dtype=np.uint64)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = cps[:-2] * _MIX1 ^ (cps[1:-1] * _MIX2) ^ (cps[2:] * np.uint64(0x94D049BB133111EB))
    h ^= h >> np.uint64(31)
    h *= _MIX2
    h ^= h >> np.uint64(29)
    return np.unique(h)


def minhash(norm: str) -> np.ndarray | None:
    """NUM_PERM minimum hash values of the text's shingles, or None when the text is too short to compare."""
    if len(norm) < MIN_CHARS:
        return None
    h = shingle_hashes(norm[:INDEX_CHARS]) & _MASK32
    # (a*h + b) mod p with a, b < 2**31 and h < 2**32: the product stays below 2**63, no overflow.
    values = (_A[:, None] * h[None, :] + _B[:, None]) % _PRIME
    result: np.ndarray = values.min(axis=1)
    return result


def band_hashes(signature: np.ndarray) -> list[int]:
    """One signed 64-bit integer per LSH band (what the index table stores). The band number is mixed in so
    equal values in different bands do not collide."""
    rows = signature.reshape(BANDS, ROWS).astype(np.uint64)
    acc = np.arange(1, BANDS + 1, dtype=np.uint64) * _MIX1
    for r in range(ROWS):
        acc = (acc ^ rows[:, r]) * _MIX2
        acc ^= acc >> np.uint64(32)
    return [int(x) for x in acc.astype(np.int64)]


def text_bands(text: str) -> list[int]:
    sig = minhash(normalize(text))
    return [] if sig is None else band_hashes(sig)


def similarity(a: str, b: str) -> float:
    """The exact confirmation of an LSH candidate, 0–100 on normalised text: the plain edit-distance ratio, or a
    little less than the best partial alignment when one text is mostly contained in the other (a re-post that
    added or dropped a paragraph)."""
    from rapidfuzz import fuzz

    a, b = a[:INDEX_CHARS], b[:INDEX_CHARS]
    if not a or not b:
        return 0.0
    score = fuzz.ratio(a, b)
    short, long_ = sorted((len(a), len(b)))
    if short >= 30 and short < 0.8 * long_:
        score = max(score, 0.95 * fuzz.partial_ratio(a, b))
    return float(round(score, 1))


# --- Keywords -----------------------------------------------------------------------------------------------

# Bureaucratic filler that TF-IDF would otherwise rank high in letters to the government.
STOP_WORDS = frozenset(
    [
        "您好",
        "你好",
        "尊敬",
        "尊敬的",
        "领导",
        "各位",
        "书记",
        "县长",
        "镇长",
        "乡长",
        "市长",
        "局长",
        "厅长",
        "主任",
        "同志",
        "政府",
        "部门",
        "相关",
        "有关",
        "反映",
        "反应",
        "问题",
        "情况",
        "希望",
        "请求",
        "要求",
        "恳请",
        "请问",
        "谢谢",
        "感谢",
        "麻烦",
        "能否",
        "能不能",
        "是否",
        "为什么",
        "怎么",
        "如何",
        "什么",
        "现在",
        "目前",
        "一直",
        "已经",
        "没有",
        "不能",
        "可以",
        "我们",
        "你们",
        "他们",
        "本人",
        "我家",
        "自己",
        "这个",
        "那个",
        "这些",
        "那些",
        "一个",
        "一下",
        "非常",
        "严重",
        "多次",
        "至今",
        "解决",
        "处理",
        "帮助",
        "百忙",
        "百忙之中",
        "之中",
        "给予",
        "答复",
        "回复",
        "关注",
        "重视",
        "时候",
        "今年",
        "去年",
        "明年",
        "年月",
        "万元",
        "元",
        "一些",
        "进行",
        "存在",
        "导致",
        "造成",
        "由于",
        "因为",
        "所以",
        "但是",
        "而且",
        "如果",
        "还是",
        "以及",
        "或者",
        "并且",
        "关于",
        "对于",
        "市",
        "区",
        "县",
        "镇",
        "乡",
        "村",
        "组",
        "号",
        "年",
        "月",
        "日",
        "的",
        "了",
        "和",
        "是",
        "在",
        "有",
        "也",
        "都",
        "就",
        "不",
        "人",
        "我",
        "你",
        "他",
        "她",
        "它",
    ]
)

_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba() -> Any:
    """jieba, initialised once per process with its dictionary cache in a known, writable place (its default is
    the system temp dir, which a hardened server may not share between workers or may clean)."""
    global _jieba_ready
    import jieba
    import jieba.analyse

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                cache_dir = Path(
                    getattr(settings, "HOTSPOTS_JIEBA_CACHE_DIR", None)
                    or os.environ.get("MINQING_JIEBA_CACHE_DIR")
                    or Path(getattr(settings, "VAR_DIR", Path(tempfile.gettempdir()))) / "jieba"
                )
                cache_dir.mkdir(parents=True, exist_ok=True)
                jieba.dt.tmp_dir = str(cache_dir)
                jieba.dt.cache_file = str(cache_dir / "jieba.cache")
                jieba.setLogLevel(60)
                jieba.initialize()
                _jieba_ready = True
    return jieba


_KEEP = re.compile(r"^[\u4e00-\u9fffa-z][\u4e00-\u9fffa-z0-9]*$")


def _good(word: str) -> bool:
    return len(word) >= 2 and word not in STOP_WORDS and bool(_KEEP.match(word))


def keywords(text: str, top: int = 6) -> list[str]:
    """The request's keywords by jieba's TF-IDF, filler words and numbers removed."""
    text = unicodedata.normalize("NFKC", text or "")[:INDEX_CHARS].lower()
    if not any(ch.isalnum() for ch in text):
        return []
    jieba = _jieba()
    words = jieba.analyse.extract_tags(text, topK=top * 3)
    return [w for w in words if _good(w)][:top]


def tokens(text: str) -> list[str]:
    """Words for clustering (TF-IDF vectors): jieba's segmentation without filler and single characters."""
    jieba = _jieba()
    text = unicodedata.normalize("NFKC", text or "")[:INDEX_CHARS].lower().translate(_TRAD)
    # Search mode also yields the parts of compound words (拖欠工资 → 拖欠, 工资, 拖欠工资), so two people who
    # word the same complaint differently still share terms.
    return [w for w in jieba.cut_for_search(text) if _good(w)]


def cluster_keywords(texts: Sequence[str], top: int = 6) -> list[str]:
    """Keywords of a group of requests: words that recur across its members, ranked by how many members carry
    them among their own keywords, then by overall TF-IDF weight."""
    counts: dict[str, int] = {}
    for t in texts:
        for w in keywords(t, top=10):
            counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [w for w, _n in ranked[:top]]


# --- Watched phrases ----------------------------------------------------------------------------------------

# Longer words that contain a watched phrase without meaning it: 马上访问 is no 上访, 村集体/集体经济 is land tenure,
# 特殊群体 is welfare vocabulary. A match inside one of these is ignored.
DEFAULT_EXCLUSIONS: dict[str, tuple[str, ...]] = {
    "上访": ("马上访", "晚上访", "早上访"),  # not 上访问: 上访问题 is a real hit
    "集体": (
        "村集体",
        "集体经济",
        "集体土地",
        "集体所有",
        "集体资产",
        "集体组织",
        "集体户",
        "集体林",
        "小集体",
        "集体企业",
        "集体用地",
        "集体建设",
    ),
    "群体": (
        "特殊群体",
        "困难群体",
        "弱势群体",
        "群体性",
    ),  # 群体性事件 is matched by its own phrase if watched
    "静坐": ("安静坐",),
    "自杀": (),
    "跳楼": ("跳楼价", "跳楼甩卖", "跳楼大甩卖"),
    "围堵": (),
}


@dataclass(frozen=True)
class Phrase:
    pk: int
    phrase: str
    exclusions: tuple[str, ...]


def phrase_hits(text: str, phrases: Iterable[Phrase]) -> list[Phrase]:
    """Watched phrases present in the text, ignoring occurrences inside an exclusion word. Plain substring
    search (C speed); the list is short, so one pass per phrase costs microseconds on a normal request."""
    norm = normalize(text)
    hits: list[Phrase] = []
    for p in phrases:
        needle = normalize(p.phrase)
        if not needle or needle not in norm:
            continue
        covered: list[tuple[int, int]] = []
        for ex in p.exclusions:
            ex_n = normalize(ex)
            if not ex_n:
                continue
            start = norm.find(ex_n)
            while start != -1:
                covered.append((start, start + len(ex_n)))
                start = norm.find(ex_n, start + 1)
        pos = norm.find(needle)
        while pos != -1:
            end = pos + len(needle)
            if not any(s <= pos and end <= e for s, e in covered):
                hits.append(p)
                break
            pos = norm.find(needle, pos + 1)
    return hits
