"""The fixed-window limiter: counts per scope and key, resets with the window, never stores the raw key."""

import threading

from django.core.cache import cache

from minqing.core import ratelimit
from minqing.core.ratelimit import cache_key, hit


def test_allows_up_to_the_limit_then_refuses():
    assert [hit("t", "1.2.3.4", 3, 3600) for _i in range(5)] == [True, True, True, False, False]


def test_scopes_and_keys_count_separately():
    assert hit("submit", "a", 1, 3600)
    assert not hit("submit", "a", 1, 3600)
    assert hit("submit", "b", 1, 3600)
    assert hit("track", "a", 1, 3600)


def test_next_window_starts_a_fresh_count(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    assert hit("t", "k", 1, 60)
    assert not hit("t", "k", 1, 60)
    now[0] += 60
    assert hit("t", "k", 1, 60)


def test_zero_limit_refuses():
    assert not hit("t", "k", 0, 60)


def test_the_raw_key_is_not_in_the_cache_key():
    key = cache_key("phone", "13812345678", 3600)
    assert "13812345678" not in key
    assert key.startswith("mq-rl:phone:3600:")
    assert cache_key("phone", "13812345678", 3600) == key
    assert cache_key("phone", "13812345679", 3600) != key


def test_recovers_when_the_entry_expires_between_add_and_incr(monkeypatch):
    calls = {"add": 0}
    real_add = cache.add

    def add(*args, **kwargs):
        calls["add"] += 1
        if calls["add"] == 1:
            return False  # as if another request had just created it…
        return real_add(*args, **kwargs)

    def incr(*args, **kwargs):
        raise ValueError("gone")  # …and it expired before we counted

    monkeypatch.setattr(ratelimit.cache, "add", add)
    monkeypatch.setattr(ratelimit.cache, "incr", incr)
    assert hit("t", "k", 5, 60)
    assert calls["add"] == 2


def test_concurrent_hits_never_exceed_the_limit():
    allowed = []
    lock = threading.Lock()

    def worker():
        ok = hit("t", "shared", 20, 3600)
        with lock:
            allowed.append(ok)

    threads = [threading.Thread(target=worker) for _i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 20
