"""A small per-process cache with a time limit, for reference data read on every request of a hot path
(Open311 services, a jurisdiction's villages). Use it only where a stale answer for `seconds` is harmless
because the write path checks again."""

import functools
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

_stores: list[dict[Hashable, tuple[float, Any]]] = []


def clear_all() -> None:
    """Forget every cached answer (tests call this between tests; their databases differ)."""
    for store in _stores:
        store.clear()


def ttl_cache[F: Callable[..., Any]](seconds: float, maxsize: int = 1024) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        store: dict[Hashable, tuple[float, Any]] = {}
        _stores.append(store)
        lock = threading.Lock()

        @functools.wraps(fn)
        def wrapper(*args: Hashable) -> Any:
            now = time.monotonic()
            with lock:
                hit = store.get(args)
            if hit is not None and now - hit[0] < seconds:
                return hit[1]
            value = fn(*args)
            with lock:
                if len(store) >= maxsize:
                    store.clear()
                store[args] = (now, value)
            return value

        wrapper.cache_clear = store.clear  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
