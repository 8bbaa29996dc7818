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


def township_list(prefix: str = "") -> QuerySet[Region]:
    """Active townships under `prefix`, in code order: the first choice of a place picker."""
    return regions_below(prefix, Level.TOWNSHIP).order_by("path")


def village_list(township: Region) -> QuerySet[Region]:
    """Active villages of one township, in code order: the second choice of a place picker."""
    return regions_below(township.path, Level.VILLAGE).order_by("path")


def villages_by_township(prefix: str = "") -> dict[int, list[Region]]:
    """Active villages under `prefix` keyed by their township's id, each list in code order."""
    villages: dict[int, list[Region]] = {}
    for v in regions_below(prefix, Level.VILLAGE).order_by("path"):
        villages.setdefault(v.parent_id or 0, []).append(v)
    return villages
