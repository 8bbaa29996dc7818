"""The policy library in the configuration console: read there, changed on the office pages.

The office pages go through the services, which check MANAGE_POLICIES and keep versions in order; the console
only lets the system administrator look up a policy, and any save it allows is audited (PermAdmin)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from minqing.audit.admin import PermAdmin

from .models import Policy, PolicyVersion


class _ReadOnly(PermAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(admin.TabularInline):
    model = PolicyVersion
    fields = ("number", "effective_from", "effective_until", "amount", "amount_unit", "amount_year")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Policy)
class PolicyAdmin(_ReadOnly):
    list_display = ("name", "doc_number", "issuer", "level", "category", "retired_on")
    list_filter = ("level", "category")
    search_fields = ("name", "doc_number", "issuer")
    inlines = (VersionInline,)
