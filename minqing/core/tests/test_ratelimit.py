"""The fixed-window limiter: counts per scope and key, resets with the window, never stores the raw key, and
counts once for every process of the deployment (the database by default, the cache when Redis is set)."""

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from django.core.cache import cache

from minqing.core import ratelimit
from minqing.core.models import RateCounter
from minqing.core.ratelimit import cache_key, hit

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True, params=["database", "cache"])
def store(request, settings):
    """Every behaviour holds in both stores."""
    settings.MINQING_RATELIMIT_STORE = request.param
    return request.param


@pytest.fixture
def cache_store(store):
    if store != "cache":
        pytest.skip("about the cache store")


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


def test_recovers_when_the_entry_expires_between_add_and_incr(monkeypatch, cache_store):
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


def test_concurrent_hits_never_exceed_the_limit(cache_store):
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


def test_forgive_takes_back_one_count():
    assert ratelimit.count("t", "k", 3600) == 1
    assert ratelimit.count("t", "k", 3600) == 2
    ratelimit.forgive("t", "k", 3600)
    assert ratelimit.count("t", "k", 3600) == 2
    ratelimit.forgive("t", "never-counted", 3600)  # nothing to take back: no error, no count
    assert ratelimit.count("t", "never-counted", 3600) == 1


def test_the_database_store_holds_no_raw_key_and_nothing_in_process_memory(store):
    if store != "database":
        pytest.skip("about the database store")
    hit("phone", "13812345678", 3, 3600)
    (row,) = RateCounter.objects.all()
    assert row.hits == 1 and "13812345678" not in row.bucket
    assert not cache.get(row.bucket)  # nothing in process memory


def test_ended_windows_are_dropped_when_a_new_one_begins(monkeypatch, store):
    if store != "database":
        pytest.skip("about the database store")
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(ratelimit, "_next_purge", [0.0])
    hit("t", "old", 1, 60)
    RateCounter.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    ratelimit._next_purge[0] = 0.0  # a minute later
    hit("t", "new", 1, 60)
    assert list(RateCounter.objects.values_list("bucket", flat=True)) == [cache_key("t", "new", 60)]
    RateCounter.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    hit("t", "newer", 1, 60)  # within the minute: no second purge
    assert RateCounter.objects.count() == 2


_CHILD = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from minqing.core import ratelimit
    print(sum(ratelimit.hit("public-submit-ip", "10.0.0.1", 40, 3600) for _ in range(int(sys.argv[1]))))
    """
)


def _child(tmp_path: Path, arg: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MINQING_REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        MINQING_VAR_DIR=str(tmp_path),
    )
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, arg], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )


def test_two_processes_share_one_limit_and_a_restart_keeps_it(tmp_path, store):
    if store != "database":
        pytest.skip("separate processes with the default settings")
    # The table as the migration makes it (starting Django a third time to migrate would double the test's time).
    with sqlite3.connect(tmp_path / "shared.sqlite3") as db:
        db.execute(
            "CREATE TABLE core_ratecounter (id integer PRIMARY KEY AUTOINCREMENT, bucket varchar(120) NOT NULL"
            " UNIQUE, hits integer unsigned NOT NULL, expires_at datetime NOT NULL)"
        )
    first, second = _child(tmp_path, "30"), _child(tmp_path, "30")
    allowed = [int(p.communicate(timeout=120)[0]) for p in (first, second)]
    assert sum(allowed) == 40 and min(allowed) >= 10  # both counted into one limit
    restarted = _child(tmp_path, "5")
    assert int(restarted.communicate(timeout=120)[0]) == 0
