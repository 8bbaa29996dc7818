from django.contrib import admin
from django.http import HttpRequest

from minqing.audit.admin import PermAdmin

from .models import Category, DeadlineRule


@admin.register(Category)
class CategoryAdmin(PermAdmin):
    list_display = ["name", "parent", "code", "proper_level", "reform_related", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["proper_level", "reform_related", "is_active", "parent"]
    search_fields = ["name", "code", "keywords"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(PermAdmin):
    list_display = ["kind", "days", "unit", "basis"]
    list_editable = ["days", "unit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row per kind, seeded by a migration
