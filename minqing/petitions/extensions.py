"""Extension points of the petitions practice: how the apps above it take part in its work, called by name.

Text intelligence and hot spots sit above petitions, so petitions cannot import them. Each subscribes here in
its `AppConfig.ready()`; the petitions code calls the lists by name at the one place they belong, so
`grep -rn "extensions\\."` shows every subscriber and every call. These are plain lists, not model signals: the
order is the subscription order, a hook's exception propagates to its caller, and nothing runs implicitly.
"""

from collections.abc import Callable
from dataclasses import dataclass

from minqing.accounts.models import User

from .models import Petition


@dataclass(frozen=True)
class TypedRequest:
    """What the intake form holds while the officer types: the object of the "petition_intake" panels."""

    title: str
    content: str
    region_path: str  # empty until a village is chosen


@dataclass(frozen=True)
class TextMatch:
    petition: Petition
    score: float  # 0–100, how nearly the text repeats the one asked about


# Finders of requests whose text nearly repeats a typed or shown one, among those `actor` may see, without the
# request `exclude` (the one shown): hot spots' near-duplicate index. selectors.petition_list_similar merges
# their answers with its own, so the intake hint and the request page give the same answer.
similar_text: list[Callable[[User, TypedRequest, int | None], list[TextMatch]]] = []

# Called inside petition_register's transaction for every new request, whatever the channel: a hook's writes
# commit or roll back with the request (the duplicate index: the next intake of the same matter must already
# find this one).
after_register: list[Callable[[Petition], None]] = []

# Called after the staff intake form has registered a request (not for Open311 or the public form): what the
# officer saw while typing, e.g. the category suggestion to compare with the category chosen.
after_intake_form: list[Callable[[User, Petition], None]] = []


def subscribe[F](hooks: list[F], hook: F) -> None:
    """Add `hook` once: `ready()` may run again (tests, reloads) without calling a hook twice."""
    if hook not in hooks:
        hooks.append(hook)
