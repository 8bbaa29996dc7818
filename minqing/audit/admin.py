"""`PermAdmin`: the ModelAdmin of the configuration console, open by permission and audited on save."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from minqing.regions.scoping import Perm, has_perm

from .config import config_delete, config_save


class PermAdmin(admin.ModelAdmin):
    """A ModelAdmin open only to holders of `perm`; saves and deletes go through the audited services."""

    perm: Perm = Perm.MANAGE_CONFIG
    can_delete = False

    def _ok(self, request: HttpRequest) -> bool:
        return has_perm(request.user, self.perm)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._ok(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._ok(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._ok(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._ok(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.can_delete and self._ok(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        config_save(actor=request.user, obj=obj, is_new=not change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        config_delete(actor=request.user, obj=obj)
