"""A small fixed-window rate limiter over Django's cache.

Counts live in the default cache: per process with locmem, shared between app servers with Redis
(MINQING_REDIS_URL). `cache.add` + `cache.incr` are atomic on both, so two requests at once cannot both slip
under the limit. Keys are keyed hashes of what is counted (an IP, a phone number): the cache never holds the
raw value.
"""

import contextlib
import time

from django.core.cache import cache
from django.utils.crypto import salted_hmac

PREFIX = "mq-rl"


def cache_key(scope: str, key: str, window_seconds: int, now: float | None = None) -> str:
    """The cache key of the current window for (scope, key): scope in clear, the counted value hashed."""
    window = int((time.time() if now is None else now) // window_seconds)
    digest = salted_hmac("minqing.core.ratelimit", f"{scope}\x00{key}", algorithm="sha256").hexdigest()[:32]
    return f"{PREFIX}:{scope}:{window_seconds}:{window}:{digest}"


def count(scope: str, key: str, window_seconds: int) -> int:
    """Count one event for `key` in `scope` and return the count in the current window, this one included."""
    k = cache_key(scope, key, window_seconds)
    # The entry outlives its window a little so a clock edge never resets a count early; the window index in
    # the key starts a fresh count in the next window.
    timeout = window_seconds + 60
    if cache.add(k, 1, timeout):
        return 1
    try:
        return int(cache.incr(k))
    except ValueError:  # expired between add and incr: start again
        if cache.add(k, 1, timeout):
            return 1
        return int(cache.incr(k))


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
    with contextlib.suppress(ValueError):  # the window ended meanwhile: nothing left to take back
        cache.decr(cache_key(scope, key, window_seconds))
