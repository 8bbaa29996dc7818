"""The per-process reference cache: answers are reused within the time limit and recomputed after it."""

import time

from minqing.core.ttl import clear_all, ttl_cache


def test_answers_are_reused_until_they_expire():
    calls: list[int] = []

    @ttl_cache(0.2)
    def square(n: int) -> int:
        calls.append(n)
        return n * n

    assert square(3) == 9 and square(3) == 9
    assert calls == [3]
    time.sleep(0.25)
    assert square(3) == 9
    assert calls == [3, 3]
    clear_all()
    square(3)
    assert calls == [3, 3, 3]


def test_capped_paginator_stops_counting_at_the_cap(db):
    from minqing.core.paging import CappedPaginator
    from minqing.regions.models import Level, Region

    for n in range(5):
        Region.objects.create(code=f"4102251{n:02d}000", name=f"镇{n}", level=Level.TOWNSHIP)
    paginator = CappedPaginator(Region.objects.order_by("code"), 2)
    paginator.cap = 3
    assert paginator.count == 4 and paginator.capped
    assert [r.name for r in paginator.page(2)] == ["镇2", "镇3"]
    paginator = CappedPaginator(Region.objects.order_by("code"), 2)
    assert paginator.count == 5 and not paginator.capped
