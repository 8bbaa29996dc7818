from django.contrib import admin

from minqing.audit.admin import PermAdmin

from .models import Region


@admin.register(Region)
class RegionAdmin(PermAdmin):
    # Regions are retired (is_active), never deleted: records point at them.
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
