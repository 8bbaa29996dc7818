from django.db import models


class TimeStampedModel(models.Model):
    """Base for minqing's records: when it was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Notification(models.Model):
    """A message to a person (SMS or e-mail), kept as the outbox whatever backend delivers it."""

    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        EMAIL = "email", "E-mail"

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    error = models.CharField(max_length=300, blank=True)
    # What the message is about, e.g. "petitions.petition:42", so a case page can list what was sent.
    about = models.CharField(max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a worker began to hand it to the gateway: a pending message with this set long ago lost its worker
    # during the send, and may or may not have gone out (notify.notifications_sweep_lost).
    attempted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}: {self.subject or self.body[:30]}"


class Versioned(models.Model):
    """A record people edit on forms. `version` grows with every save, so a form built from an older version can
    be refused instead of silently writing back values someone else has changed since (minqing.core.versioning)."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class RateCounter(models.Model):
    """One fixed window of one rate limit (minqing.core.ratelimit), when the counts are kept in the database: the
    store every process of one office PC shares. `bucket` is the hashed key of the window; the row is deleted
    after `expires_at`."""

    bucket = models.CharField(max_length=120, unique=True)
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "core_ratecounter"

    def __str__(self) -> str:
        return f"{self.bucket}: {self.hits}"
