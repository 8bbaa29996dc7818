from django.contrib import admin
from django.http import HttpRequest

from minqing.regions.scoping import Perm, has_perm

from .models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_perm(request.user, Perm.MANAGE_CONFIG)  # type: ignore[arg-type]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return has_perm(request.user, Perm.MANAGE_CONFIG)  # type: ignore[arg-type]

    has_change_permission = has_view_permission
    has_add_permission = has_module_permission  # type: ignore[assignment]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # regions are retired (is_active), never deleted: records point at them
