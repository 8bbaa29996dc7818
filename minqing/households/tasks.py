"""Background steps of an Excel import. Each takes ids (task arguments must be JSON) and records its
outcome on the ImportJob, which is what pages show; the task result only keeps a short status."""

import logging

from django.core.exceptions import PermissionDenied
from django.tasks import task

from minqing.accounts.models import User
from minqing.core.errors import ServiceError

from .imports import engine
from .models import ImportJob

logger = logging.getLogger(__name__)


@task
def validate_import(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    engine.validate(job)
    return str(job.status)


@task
def apply_import(job_id: int, actor_id: int, good_rows_only: bool) -> str:
    job = ImportJob.objects.get(pk=job_id)
    actor = User.objects.get(pk=actor_id)
    try:
        engine.apply(job, actor=actor, good_rows_only=good_rows_only)
    except (ServiceError, PermissionDenied) as exc:
        # A refusal, not a crash: apply() has put the reason on the job for the page to show.
        logger.info("import job %s not applied: %s", job_id, exc)
    return str(job.status)
