"""Writes of the text-intelligence app: training and switching model versions, recording officers' choices."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max

from minqing.audit.models import Action
from minqing.audit.services import audit_record, snapshot
from minqing.core.errors import ServiceError
from minqing.petitions.models import Category, Petition, Status

from . import classifier, engine
from .models import ModelKind, SuggestionLog, TextModel

logger = logging.getLogger(__name__)

# A category with fewer confirmed examples than this is left out of a model trained from the deployment's history:
# the model could not learn it and would only add noise to the others.
MIN_PER_LABEL = 5
# Requests whose category an officer has confirmed: anything past registration, where the category was checked.
CONFIRMED_STATUSES = (Status.ACCEPTED, Status.REPLIED, Status.CLOSED)


def _label_categories_by_name(labels: list[str]) -> dict[str, int | None]:
    """Labels of a CSV (the shared data set uses the top-level category names) → this deployment's categories."""
    by_name: dict[str, int] = {}
    # Top-level categories win over a leaf of the same name, as the shared labels are the first-level ones.
    for cat in Category.objects.filter(is_active=True).order_by("-parent_id", "sort_order", "pk"):
        if cat.parent_id is None or cat.name not in by_name:
            by_name[cat.name] = cat.pk
    return {label: by_name.get(label) for label in labels}


def history_dataset() -> tuple[classifier.Dataset, dict[str, int | None]]:
    """The deployment's own requests with confirmed categories, labelled by category code."""
    rows = Petition.objects.filter(status__in=CONFIRMED_STATUSES).values_list(
        "title", "content", "category__code", "category_id"
    )
    ds = classifier.Dataset([], [], [])
    mapping: dict[str, int | None] = {}
    for title, content, code, cat_id in rows.iterator(chunk_size=2000):
        ds.titles.append(title or "")
        ds.bodies.append(content or "")
        ds.labels.append(code)
        mapping[code] = cat_id
    counts = Counter(ds.labels)
    keep = [i for i, lab in enumerate(ds.labels) if counts[lab] >= MIN_PER_LABEL]
    ds = ds.subset(keep)
    return ds, {lab: mapping[lab] for lab in set(ds.labels)}


@dataclass
class TrainResult:
    model: TextModel
    seconds: float


def _holdout_metrics(ds: classifier.Dataset, params: classifier.Params) -> dict[str, Any]:
    """Figures for the version list: a stratified 20 % hold-out, trained on the rest (seed fixed)."""
    counts = Counter(ds.labels)
    if len(ds) < 50 or min(counts.values()) < 5:
        return {"n_train": len(ds), "note": "too few examples for a hold-out"}
    train, test = classifier.split(ds)
    m = classifier.fit(train.titles, train.bodies, train.labels, params, calibrate=False)
    scores = classifier.evaluate(m, test)
    return {"holdout": scores.as_dict(), "split": "stratified 20% hold-out, seed 20200"}


def textmodel_train(
    *,
    actor: Any,
    dataset: classifier.Dataset | None = None,
    source: str = "",
    label_categories: dict[str, int | None] | None = None,
    activate: bool = True,
    with_metrics: bool = True,
    params: classifier.Params | None = None,
) -> TrainResult:
    """Train a new version (from `dataset`, or from the deployment's confirmed requests) and by default activate it."""
    start = time.perf_counter()
    if dataset is None:
        dataset, label_categories = history_dataset()
        source = source or "本系统已确认分类的诉求"
    elif label_categories is None:
        label_categories = _label_categories_by_name(sorted(set(dataset.labels)))
    labels = sorted(set(dataset.labels))
    if len(labels) < 2 or len(dataset) < 10:
        raise ServiceError(
            f"训练数据不足：{len(dataset)} 条、{len(labels)} 个分类（至少需 10 条、2 个分类）。"
        )
    params = params or classifier.Params()
    metrics = _holdout_metrics(dataset, params) if with_metrics else {}
    fitted = classifier.fit(dataset.titles, dataset.bodies, dataset.labels, params)
    blob = classifier.dumps(fitted)
    metrics.update(
        n_train=len(dataset),
        label_counts=dict(Counter(dataset.labels)),
        train_seconds=round(time.perf_counter() - start, 1),
        peak_rss_mb=round(classifier.peak_rss_mb(), 1),
        temperature=round(fitted.temperature, 4),
    )
    with transaction.atomic():
        kind = ModelKind.CATEGORY
        # Lock the kind's rows so two trainings cannot take the same version number.
        list(TextModel.objects.select_for_update().filter(kind=kind).values_list("pk", flat=True))
        version = (TextModel.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0) + 1
        tm = TextModel.objects.create(
            kind=kind,
            version=version,
            trained_by=actor if getattr(actor, "pk", None) else None,
            source=source[:300],
            labels=labels,
            label_categories=label_categories or {},
            metrics=metrics,
            data=blob,
            size=len(blob),
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=tm,
            after={k: v for k, v in snapshot(tm).items() if k != "data"},
            note=f"训练文本模型 v{version}",
        )
        if activate:
            _activate(actor, tm)
    return TrainResult(tm, time.perf_counter() - start)


def _activate(actor: Any, tm: TextModel) -> None:
    previous = list(TextModel.objects.filter(kind=tm.kind, is_active=True).exclude(pk=tm.pk))
    TextModel.objects.filter(kind=tm.kind, is_active=True).exclude(pk=tm.pk).update(is_active=False)
    TextModel.objects.filter(pk=tm.pk).update(is_active=True)
    tm.is_active = True
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=tm,
        before={"active_version": previous[0].version if previous else None},
        after={"active_version": tm.version},
        note=f"启用文本模型 v{tm.version}",
    )


def textmodel_activate(*, actor: Any, model: TextModel) -> TextModel:
    """Make `model` the active version of its kind (also to switch back to an earlier one)."""
    with transaction.atomic():
        tm = TextModel.objects.select_for_update().get(pk=model.pk)
        try:
            classifier.loads(tm.data)
        except classifier.ModelFormatError as exc:
            raise ServiceError(f"模型 v{tm.version} 已损坏，不能启用：{exc}") from exc
        _activate(actor, tm)
    engine.clear()
    return tm


def textmodel_deactivate(*, actor: Any, kind: str = ModelKind.CATEGORY) -> None:
    """Turn suggestions off without deleting any version."""
    with transaction.atomic():
        for tm in TextModel.objects.select_for_update().filter(kind=kind, is_active=True):
            TextModel.objects.filter(pk=tm.pk).update(is_active=False)
            audit_record(actor=actor, action=Action.UPDATE, obj=tm, note=f"停用文本模型 v{tm.version}")
    engine.clear()


def suggestion_record(
    *,
    actor: Any,
    petition: Petition,
    model_version: int,
    suggested: list[engine.Suggestion],
    channel: str = "",
) -> SuggestionLog:
    """Record what the model suggested for a registered request and which category the officer chose.

    The chosen category may be a leaf under the suggested top-level category; both count as accepted.
    """
    chosen = petition.category
    chosen_ids = {chosen.pk, chosen.parent_id}
    top_ids = [s.category_id for s in suggested]
    label = next((s.label for s in suggested if s.category_id in chosen_ids), chosen.name)
    with transaction.atomic():
        log = SuggestionLog.objects.create(
            model=TextModel.objects.filter(kind=ModelKind.CATEGORY, version=model_version).first(),
            model_version=model_version,
            petition=petition,
            region_path=petition.region_path,
            suggested=[[s.label, s.category_id, round(s.confidence, 4)] for s in suggested],
            chosen_category=chosen,
            chosen_label=label,
            accepted=bool(top_ids) and top_ids[0] in chosen_ids,
            in_top=any(cid in chosen_ids for cid in top_ids if cid is not None),
            channel=channel,
        )
        audit_record(actor=actor, action=Action.CREATE, obj=log, after=snapshot(log), note="分类建议记录")
    return log


def suggestion_record_for(*, actor: Any, petition: Petition, channel: str = "") -> SuggestionLog | None:
    """After a request is registered: record what the active model suggests for it against the chosen category.

    The suggestion is recomputed from the saved text with the active version (deterministic, so it is what the
    officer saw unless the text changed after the last hint). Never fails the registration it follows.
    """
    try:
        suggested = engine.suggest(petition.title, petition.content)
        version = engine.active_version()
        if not suggested or version is None:
            return None
        return suggestion_record(
            actor=actor, petition=petition, model_version=version[1], suggested=suggested, channel=channel
        )
    except Exception:  # the record is statistics; the registration it follows has already succeeded
        logger.exception("could not record the category suggestion for request %s", petition.pk)
        return None
