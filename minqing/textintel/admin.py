"""Model versions for the system administrator: figures, acceptance by officers, switching the active version."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minqing.audit.admin import PermAdmin
from minqing.core.errors import ServiceError

from . import engine, selectors, services
from .models import SuggestionLog, TextModel


@admin.register(TextModel)
class TextModelAdmin(PermAdmin):
    list_display = [
        "__str__",
        "is_active",
        "created_at",
        "trained_by",
        "source",
        "n_train",
        "macro_f1",
        "threshold",
        "shown_precision",
        "acceptance",
        "size",
    ]
    list_filter = ["kind", "is_active"]
    actions = ["activate", "calibrate"]
    exclude = ["data"]
    readonly_fields = [
        "kind",
        "version",
        "trained_by",
        "source",
        "labels",
        "label_categories",
        "label_leaves",
        "threshold",
        "metrics",
        "size",
        "is_active",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TextModel]:
        return super().get_queryset(request).defer("data").select_related("trained_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions come from training (minqing textintel train), never typed in

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("训练条数"))
    def n_train(self, obj: TextModel) -> Any:
        return obj.metrics.get("n_train", "")

    @admin.display(description=gettext_lazy("留出集宏平均F1"))
    def macro_f1(self, obj: TextModel) -> Any:
        return (obj.metrics.get("holdout") or {}).get("macro_f1", "")

    @admin.display(description=gettext_lazy("阈值下显示的准确率"))
    def shown_precision(self, obj: TextModel) -> Any:
        cal = obj.metrics.get("calibration") or {}
        if not cal.get("n"):
            return "—"
        return f"{cal.get('precision_when_shown', 0):.0%}（{cal.get('shown')}/{cal.get('n')}）"

    _rates: dict[int, selectors.Acceptance] | None = None

    @admin.display(description=gettext_lazy("首选采纳率"))
    def acceptance(self, obj: TextModel) -> str:
        rates = self._rates
        if rates is None:
            rates = self._rates = {a.model_version: a for a in selectors.acceptance_by_version()}
        a = rates.get(obj.version)
        if a is None or not a.shown:
            return "—"
        return f"{a.rate:.0%}（{a.accepted}/{a.shown}）"

    @admin.action(description=gettext_lazy("启用所选版本"))
    def activate(self, request: HttpRequest, queryset: QuerySet[TextModel]) -> None:
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, _("请只选择一个版本。"), messages.ERROR)
            return
        try:
            tm = services.textmodel_activate(actor=request.user, model=chosen[0])
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, _("已启用 %(model)s。") % {"model": tm}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("重新校准所选版本的建议阈值"))
    def calibrate(self, request: HttpRequest, queryset: QuerySet[TextModel]) -> None:
        for tm in queryset[:5]:
            try:
                done = services.textmodel_calibrate(actor=request.user, model=tm)
            except ServiceError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            self.message_user(
                request,
                _("%(model)s 的建议阈值：%(threshold)s。") % {"model": done, "threshold": done.threshold},
                messages.SUCCESS,
            )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._rates = None
        state, detail = engine.status()
        if state == "broken":
            self.message_user(
                request,
                _("分类建议已关闭：在用的模型无法加载（%(detail)s）。请启用其他版本或重新训练。")
                % {"detail": detail},
                messages.WARNING,
            )
        elif state == "none":
            self.message_user(request, _("没有在用的分类模型，登记时不显示分类建议。"), messages.INFO)
        return super().changelist_view(request, extra_context)


@admin.register(SuggestionLog)
class SuggestionLogAdmin(PermAdmin):
    list_display = ["created_at", "model_version", "chosen_label", "accepted", "in_top", "channel"]
    list_filter = ["model_version", "accepted", "in_top"]
    readonly_fields = ["model_version", "suggested", "chosen_label", "accepted", "in_top", "channel"]
    exclude = ["model", "petition", "chosen_category", "region_path"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
