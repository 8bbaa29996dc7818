"""Account events and role grants; each leaves an audit row."""

from typing import Any

from django.db import transaction

from minqing.audit.models import Action
from minqing.audit.services import audit_record
from minqing.regions.models import Region
from minqing.regions.scoping import Perm, forget_grants, require

from .models import RoleAssignment, User


def login_record(*, user: User, ip: str | None) -> None:
    audit_record(actor=user, action=Action.LOGIN, obj=user, ip=ip)


def login_failed_record(*, username: str, ip: str | None) -> None:
    audit_record(
        actor=None, action=Action.LOGIN_FAILED, object_type="accounts.user", object_repr=username[:150], ip=ip
    )


def logout_record(*, user: Any, ip: str | None) -> None:
    if getattr(user, "is_authenticated", False):
        audit_record(actor=user, action=Action.LOGOUT, obj=user, ip=ip)


@transaction.atomic
def role_grant(*, actor: User, user: User, role: str, region: Region) -> RoleAssignment:
    """Give `user` a role in `region`. Only the security administrator grants roles (三员分立)."""
    require(actor, Perm.MANAGE_ROLES)
    assignment, _created = RoleAssignment.objects.get_or_create(user=user, role=role, region=region)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=assignment,
        after={"user": user.username, "role": role, "region": region.code},
        region_path=region.path,
    )
    forget_grants(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor: User, assignment: RoleAssignment) -> None:
    require(actor, Perm.MANAGE_ROLES)
    before = {"user": assignment.user.username, "role": assignment.role, "region": assignment.region.code}
    audit_record(
        actor=actor, action=Action.DELETE, obj=assignment, before=before, region_path=assignment.region.path
    )
    assignment.delete()
    forget_grants(assignment.user)
