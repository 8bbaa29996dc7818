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
