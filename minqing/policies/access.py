"""Who sees and keeps which policy, on the shared primitives of regions.scoping.

A policy without a region (国家, or a province's policy entered for everyone) belongs to the whole library: every
member of staff reads it, and any holder of MANAGE_POLICIES keeps it. A local policy (a county's, a township's)
is seen by those working where it applies (its region, above it or below it) and kept by holders of
MANAGE_POLICIES over its region; to everyone else it does not exist (404).
"""

from django.db.models import Q

from minqing.regions.models import PATH_DIGITS, subtree_q
from minqing.regions.scoping import Actor, Perm, has_perm, regions_with, require

from .models import Policy


def _prefixes(path: str) -> list[str]:
    return [path[:n] for n in sorted(set(PATH_DIGITS.values())) if n <= len(path)]


def policy_q(actor: Actor) -> Q:
    """The policies the actor may read: the general ones, and local ones on the line of their regions."""
    paths = regions_with(actor, Perm.VIEW_POLICIES) or regions_with(actor, Perm.MANAGE_POLICIES)
    if not paths:
        return Q(pk__in=[])
    above = {""}
    where = Q()
    for path in paths:
        above.update(_prefixes(path))
        where |= subtree_q(path)
    return Q(region_path__in=sorted(above)) | where


def can_manage_policy(actor: Actor, policy: Policy | None = None, region_path: str = "") -> bool:
    """May the actor add (policy None, at `region_path`) or change this policy?"""
    path = policy.region_path if policy is not None else region_path
    if not path:
        return has_perm(actor, Perm.MANAGE_POLICIES)
    return has_perm(actor, Perm.MANAGE_POLICIES, path)


def require_manage(actor: Actor, policy: Policy | None = None, region_path: str = "") -> None:
    path = policy.region_path if policy is not None else region_path
    require(actor, Perm.MANAGE_POLICIES, path or None)
