"""The public track check under attack: a record of the moment a tracking code stops being checked."""

from django.db import transaction
from django.utils.translation import gettext as _

from minqing.audit.models import Action
from minqing.audit.services import audit_record

from ..models import Petition
from .common import normalize_tracking_code


@transaction.atomic
def petition_track_lock_record(*, code: str, attempts: int, ip: str | None = None) -> None:
    """Audit that a tracking code has had too many wrong phone tails in the hour and is no longer checked until
    the hour ends. The row is on the request (in its region, so that the township's auditors see it) when the
    code exists; a code that does not exist is recorded too: somebody is guessing."""
    code = normalize_tracking_code(code)
    petition = (
        Petition.objects.filter(tracking_code=code)
        .only("pk", "tracking_code", "title", "region_path")
        .first()
    )
    note = _("查询码 %(code)s 一小时内手机号后 4 位错误 %(n)d 次，暂停查询至本小时结束") % {
        "code": code,
        "n": attempts,
    }
    if petition is not None:
        audit_record(actor=None, action=Action.LOCKOUT, obj=petition, note=note, ip=ip)
    else:
        audit_record(
            actor=None,
            action=Action.LOCKOUT,
            object_type=Petition._meta.label_lower,
            object_repr=code,
            note=note,
            ip=ip,
        )
