"""Who may see a request and who may act on it: the petitions practice's rules, on the scoping mechanism.

A request is seen by those holding VIEW_PETITIONS over its region, and by a department's staff when it is assigned
to their department or to them (a department is not a region, so its reach is the assignment). Who may take a
handling step depends on the level now handling it (`handler_path`): those holding HANDLE_PETITIONS over that
level's body, and a department's staff on what is assigned to them.
"""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.regions.scoping import Actor, Perm, has_perm, region_q, regions_with

from .models import Petition


def petition_q(actor: Actor, *, for_sorted_page: bool = False) -> Q:
    """Requests the actor may see: everything in their regions, and for a department's staff only what is
    assigned to their department or to them (a department is not a region, so its reach is the assignment)."""
    q = region_q(actor, Perm.VIEW_PETITIONS, for_sorted_page=for_sorted_page)
    if isinstance(actor, User) and regions_with(actor, Perm.HANDLE_ASSIGNED):
        dept_ids = list(actor.departments.filter(is_active=True).values_list("pk", flat=True))
        q |= region_q(actor, Perm.HANDLE_ASSIGNED) & (Q(department_id__in=dept_ids) | Q(assignee_id=actor.pk))
    return q


def scope_petitions[M: Model](qs: QuerySet[M], actor: Actor, *, for_sorted_page: bool = False) -> QuerySet[M]:
    return qs.filter(petition_q(actor, for_sorted_page=for_sorted_page))


def get_petition_for_actor[M: Model](qs: QuerySet[M], actor: Actor, **lookup: Any) -> M:
    """One request the actor may see, or Http404 exactly as if it did not exist."""
    try:
        return scope_petitions(qs, actor).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("找不到该记录。")) from exc


def can_act_on_petition(actor: Actor, petition: Petition) -> bool:
    """May the actor take a handling step (accept, route, reply, close)? Those at the level now handling it, and
    above it, may; a department's staff may answer what is assigned to them."""
    if has_perm(actor, Perm.HANDLE_PETITIONS, petition.handler_path):
        return True
    return is_assigned(actor, petition)


def is_assigned(actor: Actor, petition: Petition) -> bool:
    if not isinstance(actor, User) or not has_perm(actor, Perm.HANDLE_ASSIGNED, petition.region_path):
        return False
    if petition.assignee_id is not None and petition.assignee_id == actor.pk:
        return True
    return (
        petition.department_id is not None
        and actor.departments.filter(pk=petition.department_id, is_active=True).exists()
    )
