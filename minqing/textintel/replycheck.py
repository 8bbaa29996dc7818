"""Does a reply answer the request? Transparent signals, shown to the officer before the reply is sent.

A reply is flagged when

* ``short``        – once greetings, "留言已收悉", "现答复如下", thanks, dates and quotes of the request's own
                     title are removed, fewer than ``MIN_SUBSTANCE_CHARS`` letters or digits remain;
* ``forward_only`` – what remains only says that the matter was passed on, is "being handled", or that the person
                     should ask elsewhere (已转…处理 / 请咨询… / 请联系…), without what was done or decided;
* ``off_topic``    – the reply mentions too few of the request's key terms (its places, objects, the matter).

Key terms are the request's TF-IDF keywords by the IDF table that ships inside the jieba package (nothing is
downloaded), without the words every request uses to ask (咨询, 希望, 反映…). A term counts as mentioned when it,
or at least half of its two-character pieces, occurs in the reply: replies shorten "景蓉华苑小区" to "该小区" or
mistype it as "景蓉花苑".

The thresholds were calibrated on messages_with_replies.csv (2,784 real government replies) against the same
requests paired with another request's reply — a random one, and the one whose request has the most similar
title, which is the hard case. `bench/bench_replycheck.py` prints the figures; bench/README.md quotes them. The
check only warns: the officer decides.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

# Calibrated on messages_with_replies.csv; see the module docstring and bench/README.md.
MIN_SUBSTANCE_CHARS = 12
FORWARD_MAX_SUBSTANCE = 45  # what a forwarding reply may say besides the forwarding and still be "only" that
MIN_COVERAGE = 0.15  # weighted share of the request's key terms the reply mentions
KEY_TERMS = 10
# Beyond this the text adds nothing to the judgement and would only cost time.
MAX_CHARS = 20_000
MAX_BODY_FOR_TERMS = 1500

_BOILERPLATE = [
    r"网友[“\"]?[A-Za-z0-9]*[”\"]?",
    r"(尊敬的|亲爱的)?(网友|市民|群众)(同志|朋友)?",
    r"[您你]好",
    r"[您你]的(留言|来信|帖文)(已)?收悉",
    r"(留言|来信|来电|来件|信件|帖文|反映|情况)?(已)?(收悉|获悉|知悉)",
    r"现(将|就)?[^。！，,]{0,40}?(答复|回复|回应|函复)如下",
    r"[^。！]{0,30}调查核实情况[^。！]{0,10}答复如下",
    r"(非常|十分)?(感谢|谢谢)[您你]?(对|的)?[^。！]{0,20}?(关心|关注|支持|信任|理解|监督|参与|来信|留言)"
    r"[^。！]{0,20}",
    r"(谢谢|感谢)[您你]?[！!。]?",
    r"祝[您你]?[^。！]{0,10}(愉快|顺利|顺心|健康|如意)",
    r"(此复|特此(答复|回复))",
    r"\d{2,4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日",
    r"[（(]?(联系|咨询|举报)(人|电话)[:：]?[^。]{0,30}",
]
_BOILERPLATE_RE = re.compile("|".join(f"(?:{p})" for p in _BOILERPLATE))
# Passing the matter on, "being handled", or sending the person elsewhere: not yet an answer of one's own.
_FORWARD_RE = re.compile(
    r"(已|将|已经|正在)(转交|转至|转到|转给|转办|转送|转|移交|交办|交由|报送|上报)[^。！]{0,40}"
    r"|(请|建议)[您你]?(具体|直接|自行)?(向|到|前往)?[^。！]{0,20}?(咨询|询问|联系|致电|拨打|反映)[^。！]{0,20}"
    r"|(敬请|请)(关注|留意|耐心等待)[^。！]{0,20}"
    r"|(正在|已在)(调查|处理|核实|办理|审批)[^。！]{0,6}"
)
_QUOTE_RE = re.compile(r"[“\"「『]([^”\"」』]{2,80})[”\"」』]")
_LATIN_GAP_RE = re.compile(r"(?<=[A-Za-z0-9])\s+(?=[A-Za-z0-9])")
_LAYOUT_SPACE_RE = re.compile(r"(?<![A-Za-z0-9])\s+|\s+(?![A-Za-z0-9])")

# Words every request uses to ask: they say nothing about the matter, so a reply need not repeat them.
_ASKING_WORDS = (
    "咨询 希望 请求 问题 反映 领导 尊敬 请问 投诉 建议 举报 关于 相关 部门 政府 情况 解决 要求 强烈 呼吁 恳请 "
    "谢谢 感谢 您好 你好 我们 他们 现在 目前 已经 没有 什么 为什么 怎么 如何 是否 能否 可以 应该 一下 一直 "
    "市民 网友 群众 老百姓 书记 市长 县长 乡长 镇长 有关 有关部门 处理 办理 是不是 能不能 请问一下 "
    "但是 之前 之后 以后 以前 因为 所以 然后 而且 并且 可是 虽然 如果 这个 那个 这些 那些 时候 行为 本人"
)
_ASKING = frozenset(_ASKING_WORDS.split())

_jieba_lock = threading.Lock()
_jieba_ready = False


def _keyword_extractor() -> Any:
    """jieba's TF-IDF keyword extractor, set up on first use only (its dictionary and IDF take ~1 s to load)."""
    global _jieba_ready
    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                import jieba

                jieba.dt.tmp_dir = (
                    getattr(settings, "TEXTINTEL_JIEBA_CACHE_DIR", "")
                    or os.environ.get("MINQING_JIEBA_CACHE_DIR")
                    or tempfile.gettempdir()
                )
                jieba.setLogLevel(60)
                _jieba_ready = True
    import jieba.analyse

    return jieba.analyse


def normalise(text: str | None) -> str:
    """NFKC, no layout spaces (kept as one space between Latin words and digits), capped length."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)[: MAX_CHARS * 2]).replace("_x000D_", "")
    text = _LATIN_GAP_RE.sub(" ", text)
    return _LAYOUT_SPACE_RE.sub("", text)[:MAX_CHARS]


def _letters(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch)[0] in "LN")


def _bigram_share(a: str, b: str) -> float:
    grams = {a[i : i + 2] for i in range(len(a) - 1)}
    if not grams:
        return 0.0
    return sum(1 for g in grams if g in b) / len(grams)


def strip_boilerplate(reply: str, title: str = "") -> str:
    """The reply without greetings, acknowledgements, thanks, dates and quotes of the request's own title."""
    text = normalise(reply)
    title_n = normalise(title)
    if len(title_n) >= 4:
        text = text.replace(title_n, "")

    def drop_echo(m: re.Match[str]) -> str:
        quoted = m.group(1)
        # Quoting the request back ("您反映的“…”已收悉") is not an answer to it.
        if title_n and (quoted in title_n or _bigram_share(quoted, title_n) > 0.6):
            return ""
        return m.group(0)

    return _BOILERPLATE_RE.sub("", _QUOTE_RE.sub(drop_echo, text))


def weighted_terms(title: str, content: str, k: int = KEY_TERMS) -> list[tuple[str, float]]:
    """The request's most telling terms with their TF-IDF weights; years, bare numbers and asking words left out."""
    title_n = normalise(title)[:200]
    body = normalise(content)[:MAX_BODY_FOR_TERMS]
    # The title states the matter in a few words: count it twice.
    text = (title_n + "。") * 2 + body if title_n else body
    if _letters(text) == 0:
        return []
    terms = _keyword_extractor().extract_tags(text, topK=k * 2, withWeight=True)
    out = [(str(t), float(w)) for t, w in terms if _is_key(str(t))]
    return out[:k]


def _is_key(term: str) -> bool:
    # Codes such as "A2" stay: in this data they stand for district names, which replies do repeat.
    return term not in _ASKING and not term.isdigit() and _letters(term) >= 2


def key_terms(title: str, content: str, k: int = KEY_TERMS) -> list[str]:
    return [t for t, _w in weighted_terms(title, content, k)]


def mentions(term: str, text: str) -> bool:
    if term in text:
        return True
    if len(term) >= 3 and any("\u4e00" <= ch <= "\u9fff" for ch in term):
        pieces = [term[i : i + 2] for i in range(len(term) - 1)]
        return sum(1 for p in pieces if p in text) * 2 >= len(pieces)
    return False


@dataclass
class ReplyCheck:
    flags: list[tuple[str, str]] = field(default_factory=list)  # (code, message shown to the officer)
    substance_chars: int = 0
    coverage: float = 1.0
    key_terms: list[str] = field(default_factory=list)
    missing_terms: list[str] = field(default_factory=list)
    forward_only: bool = False

    @property
    def ok(self) -> bool:
        return not self.flags

    @property
    def codes(self) -> list[str]:
        return [code for code, _message in self.flags]


def measure(title: str, content: str, reply: str) -> ReplyCheck:
    """The signals, without judging them."""
    core = strip_boilerplate(reply, title)
    chars = _letters(core)
    forward_only = (
        bool(_FORWARD_RE.search(core)) and _letters(_FORWARD_RE.sub("", core)) < FORWARD_MAX_SUBSTANCE
    )
    terms = weighted_terms(title, content)
    whole = normalise(reply)  # an echo of the request is allowed here: a bare echo is already "short"
    total = sum(w for _t, w in terms)
    got = sum(w for t, w in terms if mentions(t, whole))
    return ReplyCheck(
        substance_chars=chars,
        coverage=round(got / total, 3) if total else 1.0,
        key_terms=[t for t, _w in terms],
        missing_terms=[t for t, _w in terms if not mentions(t, whole)],
        forward_only=forward_only,
    )


def judge(m: ReplyCheck, *, empty: bool = False) -> list[str]:
    """Codes of the thresholds a measured reply falls under (shared by the check and its calibration)."""
    if empty:
        return ["empty"]
    codes = []
    if m.substance_chars < MIN_SUBSTANCE_CHARS:
        codes.append("short")
    elif m.forward_only:
        codes.append("forward_only")
    if m.key_terms and m.coverage < MIN_COVERAGE and "short" not in codes:
        codes.append("off_topic")
    return codes


def check_reply(title: str, content: str, reply: str) -> ReplyCheck:
    """Flags for a reply that may not answer the request; no flags when nothing stands out. Never raises on text."""
    empty = _letters(normalise(reply)) == 0
    result = measure(title, content, reply) if not empty else ReplyCheck(substance_chars=0)
    for code in judge(result, empty=empty):
        result.flags.append((code, _message(code, result)))
    return result


def _message(code: str, m: ReplyCheck) -> str:
    if code == "empty":
        return _("答复为空。")
    if code == "short":
        if m.substance_chars == 0:
            return _("答复只有问候、收悉、致谢等客套话，未见具体处理情况或结论。")
        return _("答复除客套话外只有 %(n)d 个字，未见具体处理情况或结论。") % {"n": m.substance_chars}
    if code == "forward_only":
        return _("答复只说明已转交、正在处理或请对方另行咨询，未写明办理结果或答复意见。")
    return _("答复未提及诉求中的要点（如：%(terms)s），请确认是否答复了所问事项。") % {
        "terms": "、".join(m.missing_terms[:5])
    }


# --- calibration ----------------------------------------------------------------------------------------------


def similar_title_partners(titles: Sequence[str]) -> list[int]:
    """For each request, the other request whose title shares the most character pairs (Jaccard): its reply is
    about a related matter, so telling it apart is the hard case for the check."""
    grams = [{t[i : i + 2] for i in range(len(t) - 1)} for t in (normalise(x) for x in titles)]
    index: dict[str, set[int]] = defaultdict(set)
    for i, g in enumerate(grams):
        for x in g:
            index[x].add(i)
    common_cap = max(50, len(titles) // 10)  # pairs as common as "问题" find everything and mean nothing
    out = []
    for i, g in enumerate(grams):
        shared: Counter[int] = Counter()
        for x in g:
            if len(index[x]) <= common_cap:
                shared.update(j for j in index[x] if j != i)
        if shared:
            out.append(max(shared, key=lambda j: (shared[j] / max(1, len(grams[j] | g)), -j)))
        else:
            out.append((i + 1) % len(titles))
    return out


def calibrate(rows: Sequence[tuple[str, str, str]], seed: int = 7) -> dict[str, Any]:
    """How the thresholds fall on real (title, content, reply) rows, and on the same requests given another
    request's reply: a random one, and the one whose request title is most similar."""
    n = len(rows)
    if n < 2:
        raise ValueError("need at least two rows to calibrate")
    rng = random.Random(seed)
    shuffled = list(range(n))
    rng.shuffle(shuffled)
    shuffled = [j if j != i else (i + 1) % n for i, j in enumerate(shuffled)]
    similar = similar_title_partners([r[0] for r in rows])

    def run(partner: Sequence[int]) -> tuple[list[ReplyCheck], list[list[str]]]:
        measured, codes = [], []
        for i, j in enumerate(partner):
            reply = rows[j][2]
            empty = _letters(normalise(reply)) == 0
            m = measure(rows[i][0], rows[i][1], reply) if not empty else ReplyCheck()
            measured.append(m)
            codes.append(judge(m, empty=empty))
        return measured, codes

    real, real_codes = run(range(n))
    _wrong, wrong_codes = run(shuffled)
    _near, near_codes = run(similar)

    def rate(codes: list[list[str]]) -> float:
        return round(sum(1 for c in codes if c) / len(codes), 4)

    reasons = Counter(c[0] for c in real_codes if c)
    also_off_topic = sum(1 for c in real_codes if len(c) > 1)
    coverages = sorted(m.coverage for m, c in zip(real, real_codes, strict=True) if "short" not in c)
    substance = sorted(m.substance_chars for m in real)
    return {
        "n": n,
        "real_flagged": sum(1 for c in real_codes if c),
        "real_flagged_rate": rate(real_codes),
        "real_first_reason": dict(reasons),
        "real_forward_only_also_off_topic": also_off_topic,
        "random_reply_flagged_rate": rate(wrong_codes),
        "similar_title_reply_flagged_rate": rate(near_codes),
        "substance_p05_p10_p50": [_pct(substance, 5), _pct(substance, 10), _pct(substance, 50)],
        "coverage_p10_p50_substantive": [_pct(coverages, 10), _pct(coverages, 50)],
    }


def _pct(values: Sequence[float], p: int) -> float:
    if not values:
        return 0.0
    return round(float(values[min(len(values) - 1, int(len(values) * p / 100))]), 3)
