"""The shared public message sets (teddy2020: a city's online 问政 messages) used by the benchmarks and a few tests.

They live beside the checkout, never inside it: settings.MINQING_SHARED_DATA, or the environment variable of that
name, or ../shared/data relative to the repository.
"""

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from django.conf import settings

from .text import normalize

FILES = ("messages_labeled.csv", "messages_with_votes.csv", "messages_with_replies.csv")


def data_dir() -> Path:
    configured = getattr(settings, "MINQING_SHARED_DATA", None) or os.environ.get("MINQING_SHARED_DATA")
    base = Path(configured) if configured else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return base / "teddy2020"


def available() -> bool:
    return all((data_dir() / name).is_file() for name in FILES)


@dataclass(frozen=True)
class Message:
    file: str
    id: str
    user: str
    title: str
    time: str
    detail: str
    likes: int = 0
    dislikes: int = 0
    label: str = ""

    @property
    def key(self) -> str:
        return f"{self.file}:{self.id}"


def _int(raw: str | None) -> int:
    try:
        return int(float(raw or 0))
    except ValueError:
        return 0


def messages(name: str, limit: int | None = None) -> Iterator[Message]:
    with open(data_dir() / name, encoding="utf-8-sig", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            if limit is not None and i >= limit:
                return
            yield Message(
                file=name.removeprefix("messages_").removesuffix(".csv"),
                id=(row.get("留言编号") or "").strip().removesuffix(".0"),
                user=(row.get("留言用户") or "").strip(),
                title=(row.get("留言主题") or "").strip(),
                time=(row.get("留言时间") or "").strip(),
                detail=(row.get("留言详情") or "").strip(),
                likes=_int(row.get("点赞数")),
                dislikes=_int(row.get("反对数")),
                label=(row.get("一级标签") or "").strip(),
            )


def all_messages(limit_per_file: int | None = None) -> list[Message]:
    return [m for name in FILES for m in messages(name, limit_per_file)]


def repost_pairs(msgs: list[Message]) -> dict[tuple[int, int], str]:
    """The ground truth of re-posts among `msgs` (index pairs i < j), from the data alone, without the detector:

    * "exact": the same message text after normalisation (width, case, punctuation, whitespace, Excel's _x000D_),
      whoever posted it, in whichever file — the same message posted again or exported twice;
    * "same user+title": the same (non-empty) user posting under the same subject again — a re-post of the same
      matter, often with the text edited (a changed salutation, an added paragraph), sometimes rewritten.
    """

    pairs: dict[tuple[int, int], str] = {}
    by_text: dict[str, list[int]] = {}
    by_user_title: dict[tuple[str, str], list[int]] = {}
    for i, m in enumerate(msgs):
        norm = normalize(m.detail)
        if len(norm) >= 8:
            by_text.setdefault(norm, []).append(i)
        if m.user and normalize(m.title):
            by_user_title.setdefault((m.user, normalize(m.title)), []).append(i)
    for group in by_user_title.values():
        for pair in combinations(group, 2):
            pairs[pair] = "same user+title"
    for group in by_text.values():
        for pair in combinations(group, 2):
            pairs[pair] = "exact"
    return pairs
