"""Database helpers shared by the apps."""

import contextlib
import threading
from collections.abc import Iterator

from django.db import connection

# SQLite lets one connection write at a time. Threads of one app server that meet at the write lock otherwise wait
# in SQLite's busy handler, which sleeps 1 ms, then 2, 5 …, while the write they wait for takes a tenth of that;
# queueing on a lock in the process hands the turn over as soon as it is free.
_sqlite_writer = threading.Lock()


@contextlib.contextmanager
def one_writer() -> Iterator[None]:
    """Around a short autocommit write on a hot path: on SQLite, this process's threads take turns; elsewhere
    (PostgreSQL locks rows, not the database) nothing."""
    if connection.vendor != "sqlite":
        yield
        return
    with _sqlite_writer:
        yield
