"""The entry points a view calls: start, confirm and cancel an import job. The only code that queues tasks."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.core.errors import ServiceError
from minqing.core.uploads import ArchiveError, check_archive
from minqing.regions.scoping import Perm, regions_with, require

from .. import tasks
from ..models import (
    ImportJob,
    ImportStatus,
)
from .engine import _check_may_apply

# --------------------------------------------------------------------------------------------------
# Services a view calls


def import_start(*, actor: User, file_name: str, content: bytes) -> ImportJob:
    """Store an uploaded workbook as a job and queue its validation."""
    require(actor, Perm.IMPORT_HOUSEHOLDS)
    if not content:
        raise ServiceError(_("上传的文件是空的。"))
    limit = settings.MINQING_IMPORT_MAX_BYTES
    if len(content) > limit:
        raise ServiceError(
            _("文件过大（%(size).1f MB），一次最多导入 %(limit).0f MB；请分成几个文件导入。")
            % {"size": len(content) / 1024 / 1024, "limit": limit / 1024 / 1024}
        )
    try:
        check_archive(content, file_name)
    except ArchiveError as exc:
        # A zip bomb is refused here, before it is stored or queued. A file that is no zip at all (a CSV or
        # an .xls renamed) is the validation's to report, in the words it uses for every unreadable file.
        if not exc.damaged:
            raise
    job = ImportJob.objects.create(
        created_by=actor,
        region_path=regions_with(actor, Perm.IMPORT_HOUSEHOLDS)[0],
        file_name=(file_name or "import.xlsx")[:255],
        content=content,
        status=ImportStatus.PENDING,
    )
    tasks.validate_import.enqueue(job.pk)
    job.refresh_from_db()
    return job


def import_confirm(*, actor: User, job: ImportJob, good_rows_only: bool) -> ImportJob:
    """The user accepts what validation found: queue the write."""
    job.refresh_from_db()
    if job.status != ImportStatus.VALIDATED:
        raise ServiceError(_("该导入任务不是“已校验，待确认”状态，不能导入。"))
    _check_may_apply(job, actor, good_rows_only)
    households = (job.summary or {}).get("households", {})
    if job.errors and not any(households.get(k) for k in ("create", "update", "unchanged")):
        raise ServiceError(_("没有可以导入的户：每一户都有问题。"))
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATED).update(
        status=ImportStatus.APPLYING,
        apply_good_rows=good_rows_only,
        error_message="",
        updated_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    if not claimed:
        raise ServiceError(_("该导入任务已在处理。"))
    tasks.apply_import.enqueue(job.pk, actor.pk, good_rows_only)
    job.refresh_from_db()
    return job


def import_cancel(*, actor: User, job: ImportJob) -> ImportJob:
    """Abandon a job that has not been applied; the stored file is dropped."""
    job.refresh_from_db()
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("只有上传该文件的人可以取消导入。"))
    now = timezone.now()
    cancelled = ImportJob.objects.filter(
        pk=job.pk,
        status__in=[
            ImportStatus.PENDING,
            ImportStatus.VALIDATING,
            ImportStatus.VALIDATED,
            ImportStatus.FAILED,
        ],
    ).update(status=ImportStatus.CANCELLED, content=b"", finished_at=now, updated_at=now)
    if not cancelled:
        raise ServiceError(_("该导入任务正在导入或已完成，不能取消。"))
    job.refresh_from_db()
    return job


def import_retry(*, actor: User, job: ImportJob) -> ImportJob:
    """Validate again a job whose worker stopped; the user then confirms it as usual."""
    job.refresh_from_db(fields=["status", "interrupted", "created_by"])
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("只有上传该文件的人可以重试导入。"))
    require(actor, Perm.IMPORT_HOUSEHOLDS)
    now = timezone.now()
    retried = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.FAILED, interrupted=True).update(
        status=ImportStatus.PENDING, error_message="", heartbeat_at=now, updated_at=now
    )
    if not retried:
        raise ServiceError(_("该导入任务不是因后台中断而失败的，不能重试；请重新上传文件。"))
    tasks.validate_import.enqueue(job.pk)
    job.refresh_from_db()
    return job
