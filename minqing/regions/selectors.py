from django.db.models import QuerySet

from .models import Level, Region, subtree_q


def regions_below(prefix: str, level: Level | None = None) -> QuerySet[Region]:
    qs = Region.objects.filter(subtree_q(prefix, "path"), is_active=True)
    if level is not None:
        qs = qs.filter(level=level)
    return qs


def region_by_name_or_code(value: str, within: str = "") -> Region | None:
    """Find a village or group by its code or (within a subtree) its name; None when unknown."""
    value = value.strip()
    if not value:
        return None
    qs = Region.objects.filter(is_active=True)
    if within:
        qs = qs.filter(subtree_q(within, "path"))
    if value.isdigit():
        return qs.filter(code=value).first()
    return qs.filter(name=value, level__gte=Level.VILLAGE).first()
