"""Periodic retraining of the category model from this deployment's own confirmed requests.

`retrain_category_model(reschedule=True)` queues its own next run (core.schedule), so one `minqing schedule` (or
`minqing textintel schedule`) starts a cycle on a backend that can defer (the database backend can). A new version is activated only when it has enough
examples and scores no worse on its hold-out than the active one, so a quiet month cannot replace a good model
with a weak one; every version stays in the list and can be switched to by hand. With TEXTINTEL_BASE_CSV set (the
public messages), each run trains on that file plus the confirmed requests, so the public classes stay and the
deployment's own leaves join them once they have enough confirmed examples.
"""

import datetime
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.tasks import task

from minqing.core import schedule
from minqing.core.errors import ServiceError

from . import classifier, services
from .models import ModelKind, TextModel

logger = logging.getLogger(__name__)

RUN_AT = datetime.time(2, 30)


def next_run(now: datetime.datetime | None = None) -> datetime.datetime:
    return schedule.next_every(int(getattr(settings, "TEXTINTEL_RETRAIN_DAYS", 7)), RUN_AT, now)


def _holdout_f1(tm: TextModel | None) -> float:
    if tm is None:
        return -1.0
    return float((tm.metrics.get("holdout") or {}).get("macro_f1", -1.0))


@task
def retrain_category_model(reschedule: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {"trained": False}
    try:
        result.update(retrain_from_history())
    except ServiceError as exc:
        logger.warning("category model not retrained: %s", exc.message)
        result["reason"] = exc.message
    if reschedule:
        schedule.queue_next(retrain_category_model)
    return result


def retrain_from_history() -> dict[str, Any]:
    dataset, mapping = services.history_dataset()
    minimum = int(getattr(settings, "TEXTINTEL_RETRAIN_MIN_EXAMPLES", 500))
    if len(dataset) < minimum:
        raise ServiceError(f"已确认分类的诉求只有 {len(dataset)} 条（至少 {minimum} 条）。")
    active = TextModel.objects.filter(kind=ModelKind.CATEGORY, is_active=True).defer("data").first()
    base = str(getattr(settings, "TEXTINTEL_BASE_CSV", "") or "")
    if base and Path(base).is_file():
        # The public messages stay the base; the confirmed requests add the classes they have enough of.
        run = services.textmodel_train(
            actor=None,
            dataset=classifier.read_csv(base),
            source=f"CSV {Path(base).name}（定期训练）",
            with_history=True,
            activate=False,
        )
    else:
        run = services.textmodel_train(
            actor=None,
            dataset=dataset,
            label_categories=mapping,
            source="本系统已确认分类的诉求（定期训练）",
            activate=False,
        )
    new_f1 = _holdout_f1(run.model)
    activate = active is None or new_f1 >= _holdout_f1(active)
    if activate:
        services.textmodel_activate(actor=None, model=run.model)
    logger.info(
        "category model v%s trained (macro-F1 %.4f), activated=%s", run.model.version, new_f1, activate
    )
    return {"trained": True, "version": run.model.version, "macro_f1": new_f1, "activated": activate}
