"""Queued Open311 intake: the worker files what the API accepted."""

from django.tasks import task

from . import intake


@task
def open311_drain() -> int:
    """File every waiting submission; if a burst left more than one batch, queue the next batch at once."""
    done, more = intake.open311_drain()
    if more:
        open311_drain.enqueue()
    return done
