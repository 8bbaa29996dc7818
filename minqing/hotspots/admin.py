from django.contrib import admin

from minqing.audit.admin import PermAdmin

from .models import WatchedPhrase


@admin.register(WatchedPhrase)
class WatchedPhraseAdmin(PermAdmin):
    """Phrases watched everywhere (no region) are system configuration; a township adds its own on the
    watch-list page. App servers pick up a change within a minute (the phrase list is cached that long)."""

    list_display = ["phrase", "exclusions", "region_path", "is_active"]
    list_editable = ["is_active"]
    list_filter = ["is_active"]
    search_fields = ["phrase"]
