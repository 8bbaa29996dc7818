"""minqing textintel train|eval|list|activate|schedule|status — the category model from the command line."""

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from minqing.core import schedule
from minqing.core.errors import ServiceError

from ... import classifier, engine, selectors, services
from ...tasks import retrain_category_model


def _read(path: str) -> classifier.Dataset:
    if not Path(path).is_file():
        raise CommandError(f"找不到文件：{path}")
    try:
        return classifier.read_csv(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CommandError(f"无法读取 {path}：{exc}") from exc


class Command(BaseCommand):
    help = "诉求分类模型：训练（train）、评估（eval）、版本列表（list）、切换版本（activate）、定期训练（schedule）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="训练新版本并启用")
        train.add_argument("--csv", help="形如 messages_labeled.csv 的文件；不给则用本系统已确认分类的诉求")
        train.add_argument("--no-activate", action="store_true", help="只训练，不启用")
        train.add_argument("--no-metrics", action="store_true", help="不做留出集评估（训练更快）")
        ev = sub.add_parser("eval", help="用 CSV 评估在用模型")
        ev.add_argument("--csv", required=True)
        sub.add_parser("list", help="列出版本")
        act = sub.add_parser("activate", help="启用某一版本（也用于切回旧版本）")
        act.add_argument("version", type=int)
        sub.add_parser("off", help="停用分类建议（保留所有版本）")
        sub.add_parser("schedule", help="把定期训练放入任务队列（minqing schedule 一并排入所有定期任务）")
        sub.add_parser("status", help="在用模型的状态")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"])(**options)

    def _train(self, **options: Any) -> None:
        dataset = None
        source = ""
        if options.get("csv"):
            dataset = _read(options["csv"])
            source = f"CSV {Path(options['csv']).name}（{len(dataset)} 条）"
        try:
            run = services.textmodel_train(
                actor=None,
                dataset=dataset,
                source=source,
                activate=not options["no_activate"],
                with_metrics=not options["no_metrics"],
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        tm = run.model
        self.stdout.write(f"trained {tm} on {tm.metrics.get('n_train')} messages in {run.seconds:.1f}s")
        hold = tm.metrics.get("holdout")
        if hold:
            self.stdout.write(f"hold-out (stratified 20%, seed 20200) macro_f1={hold['macro_f1']:.4f}")
        unmapped = [label for label, cid in tm.label_categories.items() if cid is None]
        if unmapped:
            self.stdout.write(f"labels without a category here (not suggested): {', '.join(unmapped)}")
        self.stdout.write("active" if tm.is_active else "not activated")

    def _eval(self, **options: Any) -> None:
        dataset = _read(options["csv"])
        if not len(dataset):
            raise CommandError("CSV 中没有带标签的留言。")
        engine.clear()
        start = time.perf_counter()
        state = engine.loaded()
        load_seconds = time.perf_counter() - start
        if state is None:
            raise CommandError("没有在用的分类模型：先运行 minqing textintel train --csv FILE。")
        if state.model is None:
            raise CommandError(f"在用的模型 v{state.version} 无法加载：{state.error}")
        scores = classifier.evaluate(state.model, dataset)
        w = self.stdout.write
        w(f"model v{state.version}, {scores.n} messages from {options['csv']}")
        if scores.unknown_labels:
            w(f"{scores.unknown_labels} messages carry labels the model does not know (counted as errors)")
        w(f"accuracy={scores.accuracy:.4f}")
        w(f"{'class':<12} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>7}")
        for label, c in scores.per_class.items():
            w(f"{label:<12} {c['precision']:>9.4f} {c['recall']:>7.4f} {c['f1']:>7.4f} {c['support']:>7}")
        w(f"messages_per_second={scores.per_second:.0f}")
        w(f"model_load_seconds={load_seconds:.3f}")
        w(f"peak_rss_mb={classifier.peak_rss_mb():.0f}")
        w(f"macro_f1={scores.macro_f1:.4f}")

    def _list(self, **options: Any) -> None:
        rates = {a.model_version: a for a in selectors.acceptance_by_version()}
        for tm in selectors.model_versions():
            f1 = (tm.metrics.get("holdout") or {}).get("macro_f1", "-")
            a = rates.get(tm.version)
            acc = f"{a.rate:.0%} of {a.shown}" if a else "-"
            mark = "*" if tm.is_active else " "
            self.stdout.write(
                f"{mark} v{tm.version:<4} {tm.created_at:%Y-%m-%d %H:%M}  macro_f1={f1}  accepted={acc}  {tm.source}"
            )

    def _activate(self, **options: Any) -> None:
        tm = selectors.model_by_version(options["version"])
        if tm is None:
            raise CommandError(f"没有版本 v{options['version']}。")
        try:
            services.textmodel_activate(actor=None, model=tm)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"active: v{tm.version}")

    def _off(self, **options: Any) -> None:
        services.textmodel_deactivate(actor=None)
        self.stdout.write("category suggestions off")

    def _schedule(self, **options: Any) -> None:
        if not schedule.start(retrain_category_model):
            self.stdout.write("定期训练已在队列中。")
            return
        self.stdout.write("已排入定期训练。")

    def _status(self, **options: Any) -> None:
        state, message = engine.status()
        self.stdout.write(f"{state}: {message}")
