"""A small fixed-window rate limiter, shared by every process of the deployment.

Counts live where all app-server processes see them: by default in the database (core.RateCounter: one office PC
with several gunicorn workers, or a worker restarted, still counts once), in Redis when MINQING_REDIS_URL is set
(MINQING_RATELIMIT_STORE = "cache": several app servers). Process memory is never the store: with several
processes the limits would multiply, and a restart would reset them.

Both stores count atomically: the database with one upsert that returns the new count, the cache with
`add` + `incr`, so two requests at once cannot both slip under the limit. Keys are keyed hashes of what is
counted (an IP, a phone number): neither store holds the raw value.
"""

import contextlib
import datetime
import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import RateCounter

PREFIX = "mq-rl"
# A window's count outlives the window a little, so a clock edge never resets a count early; the window index
# in the key starts a fresh count in the next window.
GRACE_SECONDS = 60
PURGE_EVERY_SECONDS = 60
_next_purge = [0.0]  # per process: when this process may next drop ended windows


def cache_key(scope: str, key: str, window_seconds: int, now: float | None = None) -> str:
    """The key of the current window for (scope, key): scope in clear, the counted value hashed."""
    window = int((time.time() if now is None else now) // window_seconds)
    digest = salted_hmac("minqing.core.ratelimit", f"{scope}\x00{key}", algorithm="sha256").hexdigest()[:32]
    return f"{PREFIX}:{scope}:{window_seconds}:{window}:{digest}"


def _in_database() -> bool:
    return getattr(settings, "MINQING_RATELIMIT_STORE", "database") != "cache"


@functools.cache
def _upsert_sql(vendor: str) -> str:
    del vendor  # the cache key: quoting depends on the backend
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    # The same statement on SQLite (3.35+) and PostgreSQL: the row is created or its count raised in one
    # statement, under the unique index, and the new count comes back.
    return (
        f"INSERT INTO {table} (bucket, hits, expires_at) VALUES (%s, 1, %s) "
        f"ON CONFLICT (bucket) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits"
    )


def _db_count(k: str, window_seconds: int) -> int:
    now = timezone.now()
    expires = connection.ops.adapt_datetimefield_value(
        now + datetime.timedelta(seconds=window_seconds + GRACE_SECONDS)
    )
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(connection.vendor), [k, expires])
        hits = int(cursor.fetchone()[0])
    if hits == 1 and time.monotonic() >= _next_purge[0]:
        # A new window began for this key: a good moment to drop the windows that have ended, so the table
        # holds about one row per key counted in the last hour. At most once a minute per process: most keys
        # (a resident's phone) are new, and a purge per request would be a second write on every submission.
        _next_purge[0] = time.monotonic() + PURGE_EVERY_SECONDS
        RateCounter.objects.filter(expires_at__lt=now).delete()
    return hits


def _cache_count(k: str, window_seconds: int) -> int:
    timeout = window_seconds + GRACE_SECONDS
    if cache.add(k, 1, timeout):
        return 1
    try:
        return int(cache.incr(k))
    except ValueError:  # expired between add and incr: start again
        if cache.add(k, 1, timeout):
            return 1
        return int(cache.incr(k))


def count(scope: str, key: str, window_seconds: int) -> int:
    """Count one event for `key` in `scope` and return the count in the current window, this one included."""
    k = cache_key(scope, key, window_seconds)
    return _db_count(k, window_seconds) if _in_database() else _cache_count(k, window_seconds)


def hit(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one event for `key` in `scope`; True while the count in the current window is within `limit`.

    Every call counts, allowed or not, so hammering past the limit keeps the key blocked until the window ends.
    """
    if limit <= 0:
        return False
    return count(scope, key, window_seconds) <= limit


def forgive(scope: str, key: str, window_seconds: int) -> None:
    """Take back one counted event (one that turned out not to count: a right answer where only wrong ones
    should). Counting first and forgiving after keeps the check atomic: concurrent guesses cannot all pass."""
    k = cache_key(scope, key, window_seconds)
    if _in_database():
        RateCounter.objects.filter(bucket=k, hits__gt=0).update(hits=F("hits") - 1)
        return
    with contextlib.suppress(ValueError):  # the window ended meanwhile: nothing left to take back
        cache.decr(k)
