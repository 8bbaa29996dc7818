import datetime

from django.db.models import Q, QuerySet

from minqing.accounts.models import User
from minqing.regions.scoping import Perm, has_perm, region_q

from .models import AuditEntry


def audit_entries(
    actor: User,
    *,
    user: str = "",
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit rows the audit administrator may read: those in their regions plus region-less system events."""
    if not has_perm(actor, Perm.VIEW_AUDIT):
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.filter(region_q(actor, Perm.VIEW_AUDIT) | Q(region_path=""))
    if user:
        qs = qs.filter(actor_name=user)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs.order_by("-at", "-id")
