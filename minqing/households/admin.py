from django.contrib import admin

from minqing.audit.admin import PermAdmin

from .models import DifficultyTag


@admin.register(DifficultyTag)
class DifficultyTagAdmin(PermAdmin):
    list_display = ["name", "applies_to", "description", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["applies_to", "is_active"]
