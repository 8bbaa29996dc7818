"""What validation read and matched, kept in the worker for applying the same file soon after."""

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from ..models import (
    DifficultyTag,
    Household,
    ImportJob,
    Membership,
    Resident,
)
from .match import Analysis
from .parse import Parsed, _scope_regions

# --------------------------------------------------------------------------------------------------
# Keeping the rows read while validating, for applying in the same worker


@dataclass
class _Remembered:
    key: str
    parsed: Parsed
    at: float
    # The validation's own analysis, and the registry's fingerprint taken just before it (SQLite only).
    analysis: "Analysis | None" = None
    fingerprint: tuple[Any, ...] | None = None


_REMEMBER_SECONDS = 3600
_remembered: _Remembered | None = None
_remember_lock = threading.Lock()


def _parse_key(job: ImportJob, content: bytes, paths: list[str]) -> str:
    """Everything the parsed rows depend on besides the file: the user's regions, the region tree under
    them, the tags, and today's date (birth dates after it are refused)."""
    digest = hashlib.sha256(content)
    digest.update(repr((job.pk, paths, timezone.localdate().isoformat())).encode())
    for tag in DifficultyTag.objects.order_by("pk").values_list("pk", "name", "applies_to", "is_active"):
        digest.update(repr(tag).encode())
    for region in _scope_regions(paths).values_list("pk", "code", "name", "level", "parent_id"):
        digest.update(repr(region).encode())
    return digest.hexdigest()


def _remember(
    key: str,
    parsed: Parsed,
    analysis: "Analysis | None" = None,
    fingerprint: tuple[Any, ...] | None = None,
) -> None:
    global _remembered
    with _remember_lock:
        _remembered = _Remembered(key, parsed, time.monotonic(), analysis, fingerprint)


def _recall(key: str) -> _Remembered | None:
    """What was remembered for `key`, used once; anything else remembered is dropped."""
    global _remembered
    with _remember_lock:
        found, _remembered = _remembered, None
    if found is None or found.key != key or time.monotonic() - found.at > _REMEMBER_SECONDS:
        return None
    return found


# Every table the matching reads besides the regions and tags (which _parse_key covers). Rows are only
# ever added with a new id (AUTOINCREMENT: ids are not reused), removed, or saved with a new updated_at;
# the through tables and memberships have no timestamps, but their rows are only added and removed.
def _fingerprint_sql() -> str:
    qn = connection.ops.quote_name
    parts = []
    for model, stamped in (
        (Household, True),
        (Resident, True),
        (Membership, False),
        (Household.tags.through, False),
        (Resident.tags.through, False),
    ):
        table, pk = qn(model._meta.db_table), qn(str(model._meta.pk.column))
        parts += [f"(SELECT COUNT(*) FROM {table})", f"(SELECT MAX({pk}) FROM {table})"]
        if stamped:
            parts.append(f"(SELECT MAX({qn('updated_at')}) FROM {table})")
    return "SELECT " + ", ".join(parts)


def registry_fingerprint() -> tuple[Any, ...] | None:
    """A few aggregates of the whole registry that change whenever anything the matching reads changes,
    or None where they cannot stand for it.

    Only on SQLite: there apply's transaction holds the database's write lock from BEGIN (IMMEDIATE), so
    an equal fingerprint inside it proves the registry is still what validation matched against, and
    stays so until commit. On PostgreSQL others may commit meanwhile; apply matches again under row
    locks. The whole registry, not the actor's regions: matching also reads ID numbers and codes
    registered anywhere. A change elsewhere merely costs the full re-analysis.
    """
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        return tuple(cursor.fetchone())


def forget_parsed() -> None:
    global _remembered
    with _remember_lock:
        _remembered = None
