from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from minqing.audit.admin import PermAdmin
from minqing.regions.models import Level, Region

from .models import Category, DeadlineRule, Department


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


@admin.register(Department)
class DepartmentAdmin(PermAdmin):
    list_display = ["name", "region", "phone", "is_active"]
    list_filter = ["is_active", "region"]
    filter_horizontal = ["members"]
    search_fields = ["name"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "region":
            kwargs["queryset"] = Region.objects.filter(level=Level.TOWNSHIP, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.region_path = obj.region.path  # derived from the chosen township, as every region-bound row
        super().save_model(request, obj, form, change)
