"""minqing textintel train|eval|calibrate|list|activate|schedule|status — the category model from the command line."""

import csv
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from minqing.core import schedule
from minqing.core.errors import ServiceError

from ... import classifier, combine, engine, selectors, services
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
        train.add_argument("--with-history", action="store_true", help="CSV 之外加上本系统已确认分类的诉求")
        ev = sub.add_parser(
            "eval", help="评估在用模型：默认用乡镇诉求评估集（显示时的准确率、弃权率、分小类）"
        )
        ev.add_argument("--csv", help="改用形如 messages_labeled.csv 的文件（按一级标签评估模型本身）")
        ev.add_argument("--requests", help="改用形如乡镇评估集的文件（列 category,title,content）")
        cal = sub.add_parser("calibrate", help="重新拟合在用模型的建议阈值（关键词改动后）")
        cal.add_argument(
            "--target", type=float, help="显示建议时的目标准确率，默认 TEXTINTEL_TARGET_PRECISION"
        )
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
                with_history=bool(options.get("with_history")),
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        tm = run.model
        self.stdout.write(f"trained {tm} on {tm.metrics.get('n_train')} messages in {run.seconds:.1f}s")
        hold = tm.metrics.get("holdout")
        if hold:
            self.stdout.write(f"hold-out (stratified 20%, seed 20200) macro_f1={hold['macro_f1']:.4f}")
        cal = tm.metrics.get("calibration") or {}
        self.stdout.write(
            f"threshold={tm.threshold} (target precision {cal.get('target_precision')}, "
            f"{cal.get('shown')} of {cal.get('n')} held-out requests shown, "
            f"{cal.get('precision_when_shown')} right)"
        )
        unmapped = [label for label, cid in tm.label_categories.items() if cid is None]
        if unmapped:
            self.stdout.write(f"labels without a category here (not suggested): {', '.join(unmapped)}")
        self.stdout.write("active" if tm.is_active else "not activated")

    def _eval(self, **options: Any) -> None:
        if not options.get("csv"):
            self._eval_requests(options.get("requests"))
            return
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

    def _eval_requests(self, path: str | None) -> None:
        """The combined suggestion (model + keywords + threshold) on township-style requests with known leaves."""
        if path and not Path(path).is_file():
            raise CommandError(f"找不到文件：{path}")
        try:
            requests = combine.read_requests(path or combine.TOWNSHIP_SET)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"无法读取 {path}：{exc}") from exc
        engine.clear()
        state = engine.loaded()
        if state is None:
            raise CommandError("没有在用的分类模型：先运行 minqing textintel train --csv FILE。")
        if state.model is None:
            raise CommandError(f"在用的模型 v{state.version} 无法加载：{state.error}")
        mapping = state.label_leaves or selectors.label_leaves_from(state.label_categories)
        rows = services.calibration_rows(state.model, mapping, requests)
        if not rows:
            raise CommandError("评估集中没有本系统现有小类的诉求。")
        target = services.target_precision()
        rep = combine.report(rows, state.threshold, target)
        w = self.stdout.write
        w(f"model v{state.version}, {len(rows)} requests from {path or combine.TOWNSHIP_SET.name}")
        if len(rows) < len(requests):
            w(f"{len(requests) - len(rows)} requests skipped: their category is not a leaf of this tree")
        w(f"threshold={state.threshold} (target precision {target})")
        w(f"{'category':<24} {'n':>3} {'shown':>5} {'right':>5} {'acc_shown':>9} {'abstain':>7} {'top1':>5}")
        for code, c in sorted(rep.per_category.items()):
            acc = "-" if c.accuracy_when_shown is None else f"{c.accuracy_when_shown:.2f}"
            w(f"{code:<24} {c.n:>3} {c.shown:>5} {c.right:>5} {acc:>9} {c.abstention:>7.2f} {c.top_right:>5}")
        top1 = sum(1 for truth, guess, _c in rows if truth == guess) / len(rows)
        w(f"top1_accuracy_if_always_shown={top1:.4f}")
        if rep.cross_fitted is not None:
            cf = rep.cross_fitted
            w(
                f"cross_fitted (5 folds, threshold fitted on the other four): "
                f"accuracy_when_shown={cf.precision:.4f} abstention={cf.abstention:.4f}"
            )
        o = rep.overall
        w(f"accuracy_when_shown={o.precision:.4f}")
        w(f"abstention={o.abstention:.4f}")

    def _calibrate(self, **options: Any) -> None:
        tm = selectors.model_versions().filter(is_active=True).first()
        if tm is None:
            raise CommandError("没有在用的分类模型。")
        try:
            tm = services.textmodel_calibrate(actor=None, model=tm, target=options.get("target"))
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        cal = tm.metrics.get("calibration") or {}
        self.stdout.write(
            f"v{tm.version} threshold={tm.threshold} shown={cal.get('shown')}/{cal.get('n')} "
            f"precision_when_shown={cal.get('precision_when_shown')}"
        )

    def _list(self, **options: Any) -> None:
        rates = {a.model_version: a for a in selectors.acceptance_by_version()}
        for tm in selectors.model_versions():
            f1 = (tm.metrics.get("holdout") or {}).get("macro_f1", "-")
            f1 = f"{f1} threshold={tm.threshold}"
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
