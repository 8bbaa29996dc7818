"""责任清单: each person's duties, contributed by the practices that record them, without the page importing them.

Responsibility is recorded where the work is: a request's 承办人, a dispute's 稳控/化解 responsibles, an
agreement's mediators, a cadre's visit quota, a leader's reception days. Each owning app registers a provider in
its `AppConfig.ready()` (`duties.register(Provider(...))`, see `<app>/duties.py`); the site's pages collect them
for one person or for everyone a leader oversees. `grep -rn "duties.register("` lists them all.

A provider answers for many people at once (a county supervisor's overview covers thousands of cadres: one query
per provider, not one per person). Its records are read through the owning app's own scoped selectors as the
*viewer* may see them, so a leader sees of a person's duties only what lies in the leader's regions.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class DutyKind:
    key: str  # unique over all providers
    label: str | Promise
    order: int  # the order of the kind's group on the page


@dataclass(frozen=True)
class DutyItem:
    person_id: int  # whose duty it is
    kind: str  # a DutyKind key
    title: str
    due: datetime.date | None  # None: an ongoing duty without a deadline (a dispute kept stable)
    overdue: bool
    url: str
    region_path: str
    region_name: str = ""
    note: str = ""  # what is due: "办结", "回访", "下村天数 3/8"…
    rank: int = 0  # among items due the same day (or undated), lower first: a dispute's risk, negated

    # The same duty of several people (a request of a department without a named handler is every member's):
    # a department's or a leader's count takes it once.
    shared: bool = False

    @property
    def key(self) -> tuple[Any, ...]:
        """One duty, however many ways it was reached."""
        return (self.kind, self.url, self.title, self.note, 0 if self.shared else self.person_id)


@dataclass(frozen=True)
class DutyQuery:
    viewer: Any  # whose eyes: records are scoped to what the viewer may see
    people: Sequence[Any]  # whose duties (users)
    today: datetime.date

    @cached_property
    def person_ids(self) -> set[int]:
        return {p.pk for p in self.people}


@dataclass(frozen=True)
class Provider:
    key: str  # unique; registering the same key again replaces the provider
    kinds: tuple[DutyKind, ...]
    collect: Callable[[DutyQuery], Iterable[DutyItem]]


_registry: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    _registry[provider.key] = provider


def registered() -> list[Provider]:
    return sorted(_registry.values(), key=lambda p: p.key)


def kinds() -> dict[str, DutyKind]:
    """Every kind of duty the providers know, in display order."""
    found = [k for p in registered() for k in p.kinds]
    return {k.key: k for k in sorted(found, key=lambda k: (k.order, k.key))}


def sort_key(item: DutyItem, order: dict[str, int] | None = None) -> tuple[Any, ...]:
    """Overdue first, then by deadline (none last), then by kind and title."""
    order = order or {}
    return (
        not item.overdue,
        item.due is None,
        item.due or datetime.date.max,
        order.get(item.kind, 999),
        item.rank,
        item.title,
        item.url,
    )


def collect(query: DutyQuery) -> dict[int, list[DutyItem]]:
    """Each person's duties (person id → items, sorted by `sort_key`); a person without any has an empty list."""
    out: dict[int, list[DutyItem]] = defaultdict(list)
    wanted = query.person_ids
    for provider in registered():
        for item in provider.collect(query):
            if item.person_id in wanted:
                out[item.person_id].append(item)
    order = {k: kind.order for k, kind in kinds().items()}
    result: dict[int, list[DutyItem]] = {}
    for pid in wanted:
        seen: set[tuple[Any, ...]] = set()
        items = []
        for item in sorted(out.get(pid, []), key=lambda i: sort_key(i, order)):
            key = item.key
            if key not in seen:
                seen.add(key)
                items.append(item)
        result[pid] = items
    return result


def url_maker(url_name: str) -> Callable[[int], str]:
    """A record's address from its id without resolving the route for each of thousands of items."""
    marker = 987654321
    pattern = reverse(url_name, args=[marker])
    head, _sep, tail = pattern.partition(str(marker))
    return lambda pk: f"{head}{pk}{tail}"
