"""Writes of the text-intelligence app: training and switching model versions, recording officers' choices."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from minqing.audit.models import Action
from minqing.audit.services import audit_record, snapshot
from minqing.core.errors import ServiceError
from minqing.petitions.models import Category, Petition, Status

from . import classifier, combine, engine, selectors
from .models import ModelKind, SuggestionLog, TextModel

logger = logging.getLogger(__name__)

# A category with fewer confirmed examples than this is left out of a model trained from the deployment's history:
# the model could not learn it and would only add noise to the others.
MIN_PER_LABEL = 5
# Requests whose category an officer has confirmed: anything past registration, where the category was checked.
CONFIRMED_STATUSES = (Status.ACCEPTED, Status.REPLIED, Status.CLOSED)
# The latest confirmed requests a threshold is fitted on besides the township set: enough for a stable figure.
CALIBRATION_HISTORY = 5000


def _label_categories_by_name(labels: list[str]) -> dict[str, int | None]:
    """Labels of a CSV (the shared data set uses the top-level category names) → this deployment's categories."""
    by_name: dict[str, int] = {}
    # Top-level categories win over a leaf of the same name, as the shared labels are the first-level ones.
    for cat in Category.objects.filter(is_active=True).order_by("-parent_id", "sort_order", "pk"):
        if cat.parent_id is None or cat.name not in by_name:
            by_name[cat.name] = cat.pk
    return {label: by_name.get(label) for label in labels}


def history_dataset() -> tuple[classifier.Dataset, dict[str, int | None]]:
    """The deployment's own requests with confirmed categories, labelled by category code.

    A category gets its own class once it has MIN_PER_LABEL confirmed requests: this is how leaves the public data
    never had (低保, 征地, 承包…) enter the model as the deployment confirms requests of them.
    """
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


def _merge(
    base: classifier.Dataset, mapping: dict[str, int | None]
) -> tuple[classifier.Dataset, dict[str, int | None]]:
    """`base` (labelled by category name) plus the confirmed history (labelled by leaf code)."""
    history, history_map = history_dataset()
    merged = classifier.Dataset(
        base.titles + history.titles, base.bodies + history.bodies, base.labels + history.labels
    )
    return merged, {**mapping, **history_map}


def _last_confirmed() -> str | None:
    last = Petition.objects.filter(status__in=CONFIRMED_STATUSES).aggregate(m=Max("created_at"))["m"]
    return last.isoformat() if last else None


def calibration_requests(*, trained_until: str | None = None) -> list[tuple[str, str, str]]:
    """Held-out requests with a known leaf: the township set, and the deployment's confirmed requests the model
    did not learn from (all of them for a model trained without history; newer ones otherwise)."""
    rows = combine.read_requests()
    qs = Petition.objects.filter(status__in=CONFIRMED_STATUSES)
    if trained_until:
        qs = qs.filter(created_at__gt=trained_until)
    latest = qs.order_by("-created_at").values_list("category__code", "title", "content")[
        :CALIBRATION_HISTORY
    ]
    return rows + [(code, title or "", content or "") for code, title, content in latest]


def calibration_rows(
    fitted: classifier.Classifier, label_leaves: dict[str, list[int]], requests: list[tuple[str, str, str]]
) -> list[tuple[str, str, float]]:
    """(true leaf code, first suggested leaf code, its confidence) for requests whose leaf is in the tree now."""
    leaves = selectors.category_leaves()
    codes = {leaf.code for leaf in leaves}
    usable = [r for r in requests if r[0] in codes]
    ranked = combine.rank_many(fitted, label_leaves, leaves, [r[1] for r in usable], [r[2] for r in usable])
    return [
        (code, r[0].code if r else "", r[0].confidence if r else 0.0)
        for (code, _t, _c), r in zip(usable, ranked, strict=True)
    ]


def _calibrate(
    fitted: classifier.Classifier,
    label_leaves: dict[str, list[int]],
    trained_until: str | None,
    target: float,
) -> tuple[float | None, dict[str, Any]]:
    rows = calibration_rows(fitted, label_leaves, calibration_requests(trained_until=trained_until))
    cal = combine.fit_threshold([(conf, truth == guess) for truth, guess, conf in rows], target)
    return cal.threshold, {**cal.as_dict(), "data": "township set + held-out confirmed requests"}


def target_precision() -> float:
    return float(getattr(settings, "TEXTINTEL_TARGET_PRECISION", 0.9))


def textmodel_train(
    *,
    actor: Any,
    dataset: classifier.Dataset | None = None,
    source: str = "",
    label_categories: dict[str, int | None] | None = None,
    activate: bool = True,
    with_metrics: bool = True,
    params: classifier.Params | None = None,
    with_history: bool = False,
) -> TrainResult:
    """Train a new version (from `dataset`, or from the deployment's confirmed requests) and by default activate it.

    `with_history` adds the confirmed requests to `dataset`. The version's threshold is fitted right away on
    held-out requests (`calibration_requests`) for the target precision.
    """
    start = time.perf_counter()
    trained_until = None
    if dataset is None:
        dataset, label_categories = history_dataset()
        source = source or "本系统已确认分类的诉求"
        trained_until = _last_confirmed()
    else:
        if label_categories is None:
            label_categories = _label_categories_by_name(sorted(set(dataset.labels)))
        if with_history:
            dataset, label_categories = _merge(dataset, label_categories)
            source = f"{source} + 本系统已确认分类的诉求".strip(" +")
            trained_until = _last_confirmed()
    labels = sorted(set(dataset.labels))
    if len(labels) < 2 or len(dataset) < 10:
        raise ServiceError(
            f"训练数据不足：{len(dataset)} 条、{len(labels)} 个分类（至少需 10 条、2 个分类）。"
        )
    params = params or classifier.Params()
    metrics = _holdout_metrics(dataset, params) if with_metrics else {}
    fitted = classifier.fit(dataset.titles, dataset.bodies, dataset.labels, params)
    blob = classifier.dumps(fitted)
    label_leaves = selectors.label_leaves_from(label_categories or {})
    target = target_precision()
    threshold, calibration = _calibrate(fitted, label_leaves, trained_until, target)
    metrics.update(
        calibration=calibration,
        trained_until=trained_until,
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
            label_leaves={k: v for k, v in label_leaves.items()},
            threshold=threshold,
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


def textmodel_calibrate(*, actor: Any, model: TextModel, target: float | None = None) -> TextModel:
    """Fit `model`'s threshold again on the held-out requests: after keywords changed, or once the deployment has
    confirmed requests the model did not learn from."""
    target = target_precision() if target is None else target
    if not 0.5 <= target < 1:
        raise ServiceError(_("目标准确率应在 0.5 到 1 之间。"))
    with transaction.atomic():
        tm = TextModel.objects.select_for_update().get(pk=model.pk)
        try:
            fitted = classifier.loads(tm.data)
        except classifier.ModelFormatError as exc:
            raise ServiceError(
                _("模型 v%(version)s 已损坏，不能校准：%(error)s") % {"version": tm.version, "error": exc}
            ) from exc
        label_leaves = tm.label_leaves or selectors.label_leaves_from(tm.label_categories)
        before = {"threshold": tm.threshold}
        tm.threshold, calibration = _calibrate(fitted, label_leaves, tm.metrics.get("trained_until"), target)
        tm.label_leaves = label_leaves
        tm.metrics = {**tm.metrics, "calibration": calibration}
        tm.save(update_fields=["threshold", "label_leaves", "metrics", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=tm,
            before=before,
            after={"threshold": tm.threshold, "target_precision": target},
            note=f"校准文本模型 v{tm.version} 的建议阈值",
        )
    engine.clear()
    return tm


def suggestion_record(
    *,
    actor: Any,
    petition: Petition,
    model_version: int,
    suggested: list[selectors.CategorySuggestion],
    shown: int,
    channel: str = "",
) -> SuggestionLog:
    """Record what was suggested for a registered request and which category the officer chose.

    `suggested` are the ranked leaves, the first `shown` of them above the threshold (0: the form asked for a
    manual choice). Only a shown first suggestion can be accepted.
    """
    chosen = petition.category
    chosen_ids = {chosen.pk, chosen.parent_id}
    visible = [s.leaf.pk for s in suggested[:shown]]
    # The label a retraining from the confirmed requests gives this request (history_dataset labels by code).
    label = chosen.code
    with transaction.atomic():
        log = SuggestionLog.objects.create(
            model=TextModel.objects.filter(kind=ModelKind.CATEGORY, version=model_version).first(),
            model_version=model_version,
            petition=petition,
            region_path=petition.region_path,
            suggested=[
                [s.label, s.leaf.pk, round(s.confidence, 4), i < shown] for i, s in enumerate(suggested)
            ],
            chosen_category=chosen,
            chosen_label=label,
            accepted=bool(visible) and visible[0] in chosen_ids,
            in_top=any(pk in chosen_ids for pk in visible),
            channel=channel,
        )
        audit_record(actor=actor, action=Action.CREATE, obj=log, after=snapshot(log), note="分类建议记录")
    return log


def suggestion_record_for(*, actor: Any, petition: Petition, channel: str = "") -> SuggestionLog | None:
    """After a request is registered: record what the active model suggests for it against the chosen category.

    The suggestion is recomputed from the saved text with the active version (deterministic, so it is what the
    officer saw unless the text or the keywords changed after the last hint). Never fails the registration.
    """
    try:
        result = selectors.category_suggest(petition.title, petition.content)
        if not result.ranked or result.model_version is None:
            return None
        return suggestion_record(
            actor=actor,
            petition=petition,
            model_version=result.model_version,
            suggested=result.ranked,
            shown=len(result.shown),
            channel=channel,
        )
    except Exception:  # the record is statistics; the registration it follows has already succeeded
        logger.exception("could not record the category suggestion for request %s", petition.pk)
        return None
