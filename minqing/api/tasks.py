"""Queued Open311 intake: the worker files what the API accepted."""

from django.tasks import task

from . import services


@task
def open311_file(submission_id: int) -> int | None:
    return services.open311_file(submission_id)
