"""The one place where minqing decides who may see and do what.

A user holds roles in regions (accounts.RoleAssignment). A role grants permissions (ROLE_PERMS);
a permission held in a region reaches every region below it. Everything region-bound carries
a `region_path` (the significant digits of its region's code), so "what may this user see" is
an OR of index ranges over that column. Objects outside the user's regions are reported as
missing (404), never as forbidden, so their existence does not leak.
"""

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from minqing.accounts.models import RoleAssignment, User
from minqing.accounts.roles import Role

from .models import PATH_DIGITS, Region, subtree_q

# Whoever is asking: a signed-in user, an anonymous visitor (the public pages) or nobody (a task, a command).
type Actor = User | AnonymousUser | None


class Perm(StrEnum):
    VIEW_HOUSEHOLDS = "view_households"
    EDIT_HOUSEHOLDS = "edit_households"
    REVEAL_IDENTITY = "reveal_identity"  # see full ID numbers and phones; every reveal is audited
    IMPORT_HOUSEHOLDS = "import_households"
    EXPORT_HOUSEHOLDS = "export_households"
    RECORD_RELATIONS = "record_relations"  # 亲属/邻里/过结
    MANAGE_CONFIG = "manage_config"  # system admin: regions, tags, users' basic data
    MANAGE_ROLES = "manage_roles"  # security admin: role grants, lockouts
    VIEW_AUDIT = "view_audit"  # audit admin
    VIEW_PETITIONS = "view_petitions"
    INTAKE_PETITIONS = "intake_petitions"  # register a request, record a follow-up
    HANDLE_PETITIONS = "handle_petitions"  # accept, route, assign, reply, close at the level held
    HANDLE_ASSIGNED = "handle_assigned"  # departments: see and answer only what is assigned to them
    APPROVE_EXTENSION = "approve_extension"  # the unit head approves extending a deadline
    EXPORT_PETITIONS = "export_petitions"
    MANAGE_RECEPTION = "manage_reception"  # schedule leader reception days
    SUPERVISE_PETITIONS = "supervise_petitions"  # 督办: press the handlers of a request in one's regions
    VIEW_VISITS = "view_visits"  # 民情日记, quota compliance, household coverage, training records
    LOG_VISITS = "log_visits"  # keep one's own visit log (下村/住村) and training hours
    MANAGE_QUOTAS = "manage_quotas"  # set the 硬性规定 (visit quotas) and courses for the regions held
    VIEW_DISPUTES = "view_disputes"  # 矛盾纠纷, 大排查 campaigns, mediation records
    RECORD_DISPUTES = "record_disputes"  # report a dispute, a campaign's village result
    MEDIATE = "mediate"  # 人民调解: sessions, agreements, judicial confirmation, performance
    MANAGE_CAMPAIGNS = "manage_campaigns"  # open and close 大排查 campaigns
    VIEW_HOTSPOTS = "view_hotspots"  # hot spots and early warnings drawn from requests' text
    MANAGE_WATCHLIST = "manage_watchlist"  # the watched phrases that raise a warning
    VIEW_DUTIES = "view_duties"  # 责任清单 of everyone working in the regions held, with what is overdue
    VIEW_POLICIES = "view_policies"  # the policy library (惠民政策): every member of staff reads it
    MANAGE_POLICIES = "manage_policies"  # add, edit, version and retire policies (民政/社保所)


_CASEWORK_EDIT = {
    Perm.VIEW_HOUSEHOLDS,
    Perm.EDIT_HOUSEHOLDS,
    Perm.REVEAL_IDENTITY,
    Perm.EXPORT_HOUSEHOLDS,
    Perm.RECORD_RELATIONS,
}

_PETITION_WORK = {Perm.VIEW_PETITIONS, Perm.INTAKE_PETITIONS, Perm.HANDLE_PETITIONS}

_FIELD_WORK = {Perm.VIEW_VISITS, Perm.LOG_VISITS, Perm.VIEW_DISPUTES, Perm.RECORD_DISPUTES}

_POLICY_READ = {Perm.VIEW_POLICIES}

ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.LEADER: frozenset(
        _CASEWORK_EDIT
        | _PETITION_WORK
        | _FIELD_WORK
        | {Perm.APPROVE_EXTENSION, Perm.EXPORT_PETITIONS, Perm.MANAGE_RECEPTION, Perm.SUPERVISE_PETITIONS}
        | {Perm.MANAGE_QUOTAS, Perm.MEDIATE, Perm.MANAGE_CAMPAIGNS, Perm.VIEW_HOTSPOTS, Perm.MANAGE_WATCHLIST}
        | {Perm.VIEW_DUTIES}
        | _POLICY_READ
    ),
    Role.PETITION_OFFICER: frozenset(
        _CASEWORK_EDIT
        | _PETITION_WORK
        | _FIELD_WORK
        | {Perm.IMPORT_HOUSEHOLDS, Perm.EXPORT_PETITIONS, Perm.MANAGE_RECEPTION}
        | {Perm.MEDIATE, Perm.MANAGE_CAMPAIGNS, Perm.VIEW_HOTSPOTS, Perm.MANAGE_WATCHLIST}
        | _POLICY_READ
    ),
    Role.DEPT_HANDLER: frozenset({Perm.VIEW_HOUSEHOLDS, Perm.HANDLE_ASSIGNED} | _POLICY_READ),
    Role.CIVIL_AFFAIRS: frozenset(
        {Perm.VIEW_HOUSEHOLDS, Perm.HANDLE_ASSIGNED, Perm.MANAGE_POLICIES} | _POLICY_READ
    ),
    Role.VILLAGE_LIAISON: frozenset(_CASEWORK_EDIT | _PETITION_WORK | _FIELD_WORK | _POLICY_READ),
    Role.VILLAGE_CADRE: frozenset(
        _CASEWORK_EDIT | _PETITION_WORK | _FIELD_WORK | {Perm.IMPORT_HOUSEHOLDS} | _POLICY_READ
    ),
    Role.MEDIATOR: frozenset(
        {Perm.VIEW_HOUSEHOLDS, Perm.REVEAL_IDENTITY, Perm.RECORD_RELATIONS}
        | {Perm.VIEW_DISPUTES, Perm.RECORD_DISPUTES, Perm.MEDIATE, Perm.LOG_VISITS, Perm.VIEW_VISITS}
        | _POLICY_READ
    ),
    Role.COUNTY_SUPERVISOR: frozenset(
        {
            Perm.VIEW_HOUSEHOLDS,
            Perm.EXPORT_HOUSEHOLDS,
            Perm.VIEW_PETITIONS,
            Perm.EXPORT_PETITIONS,
            Perm.SUPERVISE_PETITIONS,
            Perm.VIEW_VISITS,
            Perm.VIEW_DISPUTES,
            Perm.VIEW_HOTSPOTS,
            Perm.VIEW_DUTIES,
            Perm.VIEW_POLICIES,
        }
    ),
    # Its grant is the county: it may act on any request there, and its work queues hold those at county level.
    Role.COUNTY_PETITION_OFFICER: frozenset(
        {Perm.VIEW_HOUSEHOLDS, Perm.EXPORT_PETITIONS, Perm.APPROVE_EXTENSION} | _PETITION_WORK | _POLICY_READ
    ),
    Role.SYSTEM_ADMIN: frozenset({Perm.MANAGE_CONFIG}),
    Role.SECURITY_ADMIN: frozenset({Perm.MANAGE_ROLES}),
    Role.AUDIT_ADMIN: frozenset({Perm.VIEW_AUDIT}),
}

_CACHE_ATTR = "_minqing_grants"


def _grants(actor: Actor) -> list[tuple[Role, str]]:
    """(role, region path) pairs held by the actor, cached on the user object for one request."""
    if actor is None or isinstance(actor, AnonymousUser) or not getattr(actor, "is_authenticated", False):
        return []
    if not actor.is_active:
        return []
    cached = getattr(actor, _CACHE_ATTR, None)
    if cached is None:
        cached = [
            (Role(role), path)
            for role, path in actor.role_assignments.filter(region__is_active=True).values_list(
                "role", "region__path"
            )
        ]
        setattr(actor, _CACHE_ATTR, cached)
    return cached


def forget_grants(actor: Actor) -> None:
    """Drop the cached grants after the actor's roles change."""
    if hasattr(actor, _CACHE_ATTR):
        delattr(actor, _CACHE_ATTR)


def _minimal(paths: Iterable[str]) -> list[str]:
    """Drop paths already covered by a shorter one (a county grant covers its villages)."""
    kept: list[str] = []
    for path in sorted(set(paths), key=lambda p: (len(p), p)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return sorted(kept)


def regions_with(actor: Actor, perm: Perm) -> list[str]:
    """Region paths in which the actor holds `perm`, minimal (no path below another)."""
    return _minimal(path for role, path in _grants(actor) if perm in ROLE_PERMS.get(role, frozenset()))


def roles_of(actor: Actor) -> set[Role]:
    return {role for role, _path in _grants(actor)}


def has_perm(actor: Actor, perm: Perm, region_path: str | None = None) -> bool:
    """Does the actor hold `perm` anywhere (region_path None) or over the region `region_path`?"""
    paths = regions_with(actor, perm)
    if region_path is None:
        return bool(paths)
    return any(region_path.startswith(p) for p in paths)


def require(actor: Actor, perm: Perm, region_path: str | None = None) -> None:
    """Raise PermissionDenied unless has_perm(); for actions on objects the actor can already see."""
    if not has_perm(actor, perm, region_path):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


# A grant this wide (a township or above) covers so much of a table that a sorted page is best read another way.
WIDE_PATH_DIGITS = 9


def region_q(
    actor: Actor,
    perm: Perm = Perm.VIEW_HOUSEHOLDS,
    field: str = "region_path",
    *,
    for_sorted_page: bool = False,
) -> Q:
    """A filter matching rows whose `field` lies in the actor's regions for `perm` (none: nothing).

    `for_sorted_page`: the rows feed a page sorted on another indexed column; for wide grants the filter is
    then written so the database walks that column's index (the rows are the same)."""
    paths = regions_with(actor, perm)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= subtree_q(path, field, indexed=not (for_sorted_page and len(path) <= WIDE_PATH_DIGITS))
    return q


def scope[M: Model](
    qs: QuerySet[M], actor: Actor, perm: Perm = Perm.VIEW_HOUSEHOLDS, field: str = "region_path"
) -> QuerySet[M]:
    """Restrict a queryset to what the actor may see. Every read of region-bound data goes through here."""
    return qs.filter(region_q(actor, perm, field))


def get_for_actor[M: Model](
    qs: QuerySet[M],
    actor: Actor,
    perm: Perm = Perm.VIEW_HOUSEHOLDS,
    field: str = "region_path",
    **lookup: Any,
) -> M:
    """One object the actor may see, or Http404 exactly as if it did not exist."""
    try:
        return scope(qs, actor, perm, field).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("找不到该记录。")) from exc


def regions_for(*, actor: Actor, perm: Perm, levels: Iterable[int]) -> "QuerySet[Region]":
    """Active regions of the given levels in which the actor holds `perm`: the choices of pickers and filters."""
    return scope(Region.objects.filter(level__in=list(levels), is_active=True), actor, perm, "path").order_by(
        "path"
    )


def holders(*, perm: Perm, region_path: str, include_below: bool = False) -> "QuerySet[User]":
    """Active users holding `perm` over the region (a grant there or above it), and with `include_below` also
    those holding it in a region below: the inverse of has_perm(), derived from the same ROLE_PERMS."""
    roles = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    prefixes = [region_path[:i] for i in sorted(set(PATH_DIGITS.values())) if i <= len(region_path)]
    where = Q(region__path__in=prefixes)
    if include_below:
        where |= subtree_q(region_path, "region__path")
    ids = RoleAssignment.objects.filter(where, role__in=roles, region__is_active=True).values_list(
        "user_id", flat=True
    )
    return User.objects.filter(pk__in=ids, is_active=True).order_by("username")


def scope_to_region[M: Model](qs: QuerySet[M], region_path: str, field: str = "region_path") -> QuerySet[M]:
    """Rows at or below one region, for callers that are not users: an Open311 key reads only its jurisdiction."""
    return qs.filter(subtree_q(region_path, field))


def can_see_path(actor: Actor, region_path: str, perm: Perm = Perm.VIEW_HOUSEHOLDS) -> bool:
    return has_perm(actor, perm, region_path)
