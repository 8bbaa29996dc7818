"""What the office and the public pages share: reading the list's filters from the query string."""

from typing import Any

from django.http import QueryDict

from ..models import Category, PolicyLevel, TargetGroup
from ..selectors import PolicyFilters

IN_FORCE = {"yes": True, "no": False}


def filters_from(g: QueryDict) -> tuple[str, PolicyFilters, dict[str, Any]]:
    """(q, filters, what the form shows again) from the query string; unknown values are ignored, not errors."""
    q = g.get("q", "").strip()[:100]
    category = g.get("category", "")
    level = g.get("level", "")
    target = g.get("target", "")
    in_force = g.get("in_force", "")
    filters = PolicyFilters(
        category=category if category in Category.values else "",
        level=level if level in PolicyLevel.values else "",
        target=target if target in TargetGroup.values else "",
        in_force=IN_FORCE.get(in_force),
    )
    shown = {
        "q": q,
        "category": filters.category,
        "level": filters.level,
        "target": filters.target,
        "in_force": in_force if in_force in IN_FORCE else "",
    }
    return q, filters, shown


def choices() -> dict[str, Any]:
    return {
        "categories": Category.choices,
        "levels": PolicyLevel.choices,
        "targets": TargetGroup.choices,
    }
