"""Telling people things: one interface for SMS and e-mail, whatever gateway a county uses.

`notify()` records the message in the outbox (core.Notification) and enqueues its delivery, so a slow SMS gateway
never holds up a page. The backend is named by MINQING_NOTIFY_BACKEND; the default, `LogBackend`, only writes the
message to the log, which is what a township without an SMS contract gets. A gateway is one class with `send()`.
"""

import logging
from collections.abc import Callable
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string

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


@task
def deliver(notification_id: int) -> str:
    message = Notification.objects.get(pk=notification_id)
    if message.state == Notification.State.SENT:
        return message.state
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
