"""`{% panels "household" h %}`: draw the panels other apps registered for a page (see minqing.core.panels)."""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from minqing.core import panels as registry

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context: template.Context, page: str, obj: Any) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    parts = []
    for filled in registry.collect(page, user, obj):
        # Each panel sees the page's context (the object, CSRF token, request) under its own names.
        page_context: dict[str, Any] = {str(k): v for k, v in context.flatten().items()}
        parts.append(render_to_string(filled.template, {**page_context, **filled.context}, request))
    return mark_safe("".join(parts))
