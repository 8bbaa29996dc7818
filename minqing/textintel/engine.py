"""The active category model of this process, loaded once and swapped when another version becomes active.

Every call checks the active version with one indexed query of (id, version) — cheap next to classifying — and
reloads only when it changed, so activating an earlier version on one app server reaches all of them. A model that
cannot be loaded turns suggestions off for that version (logged once); the platform keeps working.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError

from . import classifier
from .models import ModelKind, TextModel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    label: str
    confidence: float
    category_id: int | None


@dataclass
class _Loaded:
    pk: int
    version: int
    model: classifier.Classifier | None
    label_categories: dict[str, int | None]
    created_at: Any = None
    error: str = ""
    load_seconds: float = 0.0
    label_leaves: dict[str, list[int]] = field(default_factory=dict)
    threshold: float | None = None


_lock = threading.Lock()
_cache: dict[str, _Loaded] = {}


def _active_row(kind: str) -> tuple[int, int, Any] | None:
    # created_at as well: a key that a restored or rebuilt database cannot hand to a different model
    try:
        row = (
            TextModel.objects.filter(kind=kind, is_active=True)
            .values_list("pk", "version", "created_at", "updated_at")
            .first()
        )
    except DatabaseError:  # e.g. before migrations ran; suggestions are an extra, never a failure
        logger.exception("cannot read the active text model")
        return None
    # updated_at too: a recalibrated threshold reaches every process like a new version does
    return (row[0], row[1], (row[2], row[3])) if row else None


def _load(pk: int, version: int, created_at: Any) -> _Loaded:
    start = time.perf_counter()
    row = (
        TextModel.objects.filter(pk=pk)
        .values_list("data", "label_categories", "label_leaves", "threshold")
        .first()
    )
    if row is None:
        return _Loaded(pk, version, None, {}, created_at, error="missing")
    data, mapping, leaves, threshold = row
    try:
        model = classifier.loads(data)
    except classifier.ModelFormatError as exc:
        logger.error("text model %s v%s cannot be loaded, suggestions are off: %s", pk, version, exc)
        return _Loaded(pk, version, None, {}, created_at, error=str(exc))
    return _Loaded(
        pk,
        version,
        model,
        dict(mapping or {}),
        created_at,
        load_seconds=time.perf_counter() - start,
        label_leaves={k: [int(x) for x in v] for k, v in (leaves or {}).items()},
        threshold=threshold,
    )


def loaded(kind: str = ModelKind.CATEGORY) -> _Loaded | None:
    """The active model of `kind` for this process, or None when there is none; `.model` is None when broken."""
    active = _active_row(kind)
    if active is None:
        _cache.pop(kind, None)
        return None
    current = _cache.get(kind)
    if current is not None and (current.pk, current.version, current.created_at) == active:
        return current
    with _lock:
        current = _cache.get(kind)
        if current is None or (current.pk, current.version, current.created_at) != active:
            current = _load(*active)
            _cache[kind] = current
    return current


def clear() -> None:
    _cache.clear()


def status(kind: str = ModelKind.CATEGORY) -> tuple[str, str]:
    """("ok" | "none" | "broken", message) for the admin and the system check."""
    state = loaded(kind)
    if state is None:
        return "none", "no active model"
    if state.model is None:
        return "broken", f"version {state.version}: {state.error}"
    return "ok", f"version {state.version}"


def suggest(title: str, content: str, k: int = 3, kind: str = ModelKind.CATEGORY) -> list[Suggestion]:
    """Top k categories for a text; [] when suggestions are off or the text carries nothing to classify."""
    state = loaded(kind)
    if state is None or state.model is None:
        return []
    try:
        ranked = state.model.suggest(title or "", content or "", k=k)
    except Exception:  # a model that loads but fails on use must not break the form it helps with
        logger.exception("text model v%s failed on input", state.version)
        return []
    return [Suggestion(label, conf, state.label_categories.get(label)) for label, conf in ranked]


def probabilities(title: str, content: str, kind: str = ModelKind.CATEGORY) -> dict[str, float] | None:
    """Every class of the active model with its probability; None when suggestions are off or the text carries
    nothing to classify."""
    state = loaded(kind)
    if state is None or state.model is None:
        return None
    try:
        ranked = state.model.suggest(title or "", content or "", k=len(state.model.labels))
    except Exception:  # a model that loads but fails on use must not break the form it helps with
        logger.exception("text model v%s failed on input", state.version)
        return None
    return dict(ranked) if ranked else None


def active_version(kind: str = ModelKind.CATEGORY) -> tuple[int, int] | None:
    state = loaded(kind)
    if state is None or state.model is None:
        return None
    return state.pk, state.version


def describe(state: _Loaded | None) -> dict[str, Any]:
    if state is None:
        return {}
    return {"version": state.version, "ok": state.model is not None, "error": state.error}
