"""Telling people things: one interface for SMS and e-mail, whatever gateway a county uses.

`notify()` records the message in the outbox (core.Notification) and enqueues its delivery, so a slow SMS gateway
never holds up a page. The backend is named by MINQING_NOTIFY_BACKEND; the default, `LogBackend`, only writes the
message to the log, which is what a township without an SMS contract gets. A gateway is one class with `send()`.
"""

import datetime
import logging
from collections.abc import Callable
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_noop

from .models import Notification

logger = logging.getLogger("minqing.notify")


class Backend(Protocol):
    def send(self, message: Notification) -> None:
        """Deliver the message or raise; the outbox records the outcome."""


class LogBackend:
    def send(self, message: Notification) -> None:
        logger.info("%s to %s: %s %s", message.channel, message.to, message.subject, message.body)


class EmailBackend(LogBackend):
    """E-mail through Django's mail settings; SMS is only logged."""

    def send(self, message: Notification) -> None:
        if message.channel != Notification.Channel.EMAIL:
            super().send(message)
            return
        send_mail(message.subject, message.body, None, [message.to])


def backend() -> Backend:
    path = getattr(settings, "MINQING_NOTIFY_BACKEND", "minqing.core.notify.LogBackend")
    return import_string(path)()


def notify(*, phone: str = "", email: str = "", subject: str = "", body: str, about: str = "") -> list[int]:
    """Queue a message to each address given; returns the outbox ids. Delivery starts after the current
    transaction commits, so a rolled-back change sends nothing."""
    ids: list[int] = []
    for channel, to in ((Notification.Channel.SMS, phone), (Notification.Channel.EMAIL, email)):
        if not to:
            continue
        message = Notification.objects.create(channel=channel, to=to, subject=subject, body=body, about=about)
        ids.append(message.pk)
        transaction.on_commit(_enqueue(message.pk))
    return ids


def _enqueue(pk: int) -> Callable[[], None]:
    def run() -> None:
        deliver.enqueue(pk)

    return run


# A send is one call to a gateway: seconds. A delivery running for longer than this has lost its worker.
DELIVERY_LEASE = datetime.timedelta(minutes=10)
INTERRUPTED = gettext_noop("投递中断（任务进程已停止），无法确定是否已发出；请核实后重发。")


@task
def deliver(notification_id: int) -> str:
    message = Notification.objects.get(pk=notification_id)
    if message.state != Notification.State.PENDING:
        return message.state
    # Recorded before the gateway is called, so that a worker dying during the send leaves a trace: the sweep
    # then knows the message may have gone out and does not send it twice on its own.
    message.attempted_at = timezone.now()
    message.save(update_fields=["attempted_at"])
    try:
        backend().send(message)
    except Exception as exc:
        message.state = Notification.State.FAILED
        message.error = str(exc)[:300]
    else:
        message.state = Notification.State.SENT
        message.sent_at = timezone.now()
    message.save(update_fields=["state", "error", "sent_at"])
    return message.state


def notifications_sweep_lost(now: datetime.datetime) -> int:
    """The outbox after a worker died. A pending message never handed to the gateway (its delivery was queued
    but lost, or never ran) is queued again: sending it now is what was meant. One whose send began more than
    DELIVERY_LEASE ago is marked failed with the reason, since it may have gone out; `notifications_retry`
    sends it again when someone has checked. How many were queued or failed."""
    cutoff = now - DELIVERY_LEASE
    pending = Notification.objects.filter(state=Notification.State.PENDING)
    failed = pending.filter(attempted_at__lt=cutoff).update(
        state=Notification.State.FAILED, error=gettext(INTERRUPTED)[:300]
    )
    unsent = list(
        pending.filter(attempted_at__isnull=True, created_at__lt=cutoff).values_list("pk", flat=True)
    )
    for pk in unsent:
        deliver.enqueue(pk)
    return failed + len(unsent)


def notifications_retry(*, ids: list[int]) -> int:
    """Send again failed messages (an interrupted delivery someone has checked, a gateway that was down). How
    many were queued."""
    with transaction.atomic():
        retried = list(
            Notification.objects.select_for_update()
            .filter(pk__in=ids, state=Notification.State.FAILED)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=retried).update(
            state=Notification.State.PENDING, error="", attempted_at=None
        )
        for pk in retried:
            transaction.on_commit(_enqueue(pk))
    return len(retried)
