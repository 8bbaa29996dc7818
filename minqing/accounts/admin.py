from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from minqing.audit.admin import PermAdmin
from minqing.regions.models import Level, Region
from minqing.regions.scoping import Perm

from . import services
from .models import Department, RoleAssignment, User


@admin.register(User)
class UserAdmin(PermAdmin, BaseUserAdmin):
    """The system administrator keeps accounts; roles are granted by the security administrator."""

    perm = Perm.MANAGE_CONFIG
    list_display = ["username", "display_name", "title", "phone", "is_active", "last_login"]
    list_filter = ["is_active"]
    search_fields = ["username", "display_name", "phone"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("基本信息"), {"fields": ("display_name", "title", "phone", "email")}),
        (_("状态"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "display_name", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(PermAdmin):
    perm = Perm.MANAGE_ROLES
    can_delete = True
    list_display = ["user", "role", "region", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name", "region__name", "region__code"]
    raw_id_fields = ["user", "region"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            old = RoleAssignment.objects.get(pk=obj.pk)
            services.role_revoke(actor=request.user, assignment=old)  # type: ignore[arg-type]
        saved = services.role_grant(actor=request.user, user=obj.user, role=obj.role, region=obj.region)  # type: ignore[arg-type]
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.role_revoke(actor=request.user, assignment=obj)  # type: ignore[arg-type]


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
