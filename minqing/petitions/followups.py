"""What follows the registration of a request from the public form but is no part of the resident's answer:
the apps' after-register hooks (the duplicate index of hot spots) and the message to the resident. The form
answers with the tracking code at once and queues this; the task's row is written in the registration's
transaction, so the work cannot be lost between the two, and the worker does it within seconds.

All of it is one transaction in the task: a worker killed half-way leaves nothing done, and the run is safe to
repeat (core.jobs runs it again).
"""

from django.db import transaction
from django.tasks import task
from django.utils.translation import gettext as _

from . import extensions
from .models import Petition
from .services.common import _tell


def registered_followups_run(p: Petition) -> None:
    for hook in extensions.after_register:
        hook(p)
    _tell(p, _("已登记，请凭查询码和手机尾号查询办理进展。"))


@task
def registered_followups(petition_id: int) -> bool:
    with transaction.atomic():
        p = Petition.objects.select_related("category", "region").filter(pk=petition_id).first()
        if p is None:  # deleted before the worker came to it: nothing left to follow up
            return False
        registered_followups_run(p)
    return True
