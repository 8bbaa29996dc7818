from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from minqing.audit.admin import PermAdmin

from .models import Category, DeadlineRule


@admin.register(Category)
class CategoryAdmin(PermAdmin):
    list_display = [
        "name",
        "parent",
        "code",
        "keywords",
        "proper_level",
        "reform_related",
        "sort_order",
        "is_active",
    ]
    # Keywords feed the category suggestion (a "-词" vetoes the category); edits are audited like any other.
    list_editable = ["keywords", "sort_order", "is_active"]
    list_filter = ["proper_level", "reform_related", "is_active", "parent"]
    search_fields = ["name", "code", "keywords"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["help_texts"] = {
            "keywords": _(
                "用空格分隔；出现在诉求中的关键词会提出或加强这一分类的建议，写成“-词”则出现该词时不建议这一分类。"
                "上级分类的关键词对其下所有小类都算一半。改动后请重新校准建议阈值。"
            )
        }
        return super().get_form(request, obj, change=change, **kwargs)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(PermAdmin):
    list_display = ["kind", "days", "unit", "basis"]
    list_editable = ["days", "unit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row per kind, seeded by a migration
