"""Validating and applying an import job: the work the background task runs."""

import datetime
import logging
import time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record
from minqing.core.errors import ServiceError
from minqing.printing.xlsx import WorkbookError
from minqing.regions.scoping import Perm, regions_with, require

from ..models import (
    ImportJob,
    ImportStatus,
)
from .match import Analysis, analyse
from .parse import _gc_paused, parse
from .recall import _parse_key, _recall, _remember, _Remembered, registry_fingerprint
from .write import _Writer

logger = logging.getLogger(__name__)

# A running job's worker renews heartbeat_at at least every few seconds while it validates; applying is one
# transaction of well under a minute at township scale. A job silent for this long has lost its worker.
STALE_AFTER = datetime.timedelta(minutes=15)
RUNNING = (ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.APPLYING)

# --------------------------------------------------------------------------------------------------
# Validate (task step 1)


def validate(job: ImportJob) -> ImportJob:
    """Check the job's file; record the problems and the summary on the job (VALIDATED), or FAILED when
    the file cannot be read. Writes nothing but the job."""
    claimed = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportStatus.PENDING, ImportStatus.VALIDATED, ImportStatus.FAILED]
    ).update(
        status=ImportStatus.VALIDATING,
        rows_done=0,
        error_message="",
        errors=[],
        summary={},
        heartbeat_at=timezone.now(),
        interrupted=False,
    )
    if not claimed:
        raise ServiceError(_("该导入任务当前不能校验。"))
    job.refresh_from_db()
    actor = job.created_by
    content = bytes(job.content)
    due = [0.0]

    def progress(done: int, total: int) -> None:
        # At most every two seconds: pages poll no faster. On SQLite every update of the job row
        # rewrites the stored file with it (tens of MB, a fifth of a second, for a big workbook), so
        # the updates are also spaced to take at most a twentieth of the time.
        now = time.monotonic()
        if now >= due[0] or done == total:
            ImportJob.objects.filter(pk=job.pk).update(
                rows_done=done, rows_total=total, heartbeat_at=timezone.now()
            )
            due[0] = now + max(2.0, 20 * (time.monotonic() - now))

    fingerprint = None
    try:
        paths = regions_with(actor, Perm.IMPORT_HOUSEHOLDS)
        with _gc_paused():
            parsed = parse(content, paths, progress=progress) if paths else None
            # Taken before matching reads the registry: whatever changes after it changes the fingerprint.
            fingerprint = registry_fingerprint() if parsed is not None else None
            analysis = analyse(content, actor, parsed=parsed)
    except WorkbookError as exc:
        _finish(
            job,
            ImportStatus.VALIDATING,
            status=ImportStatus.FAILED,
            error_message=exc.message,
            errors=exc.problems,
        )
        return job
    except Exception:
        logger.exception("validating import job %s failed", job.pk)
        _finish(
            job,
            ImportStatus.VALIDATING,
            status=ImportStatus.FAILED,
            error_message=_("校验时发生内部错误，请稍后重试或联系管理员。"),
        )
        raise
    if parsed is not None:
        _remember(_parse_key(job, content, paths), parsed, analysis, fingerprint)
    _finish(
        job,
        ImportStatus.VALIDATING,
        status=ImportStatus.VALIDATED,
        errors=analysis.errors,
        summary=analysis.summary,
        rows_total=analysis.rows_total,
        rows_done=analysis.rows_total,
    )
    return job


def _finish(job: ImportJob, expected: str, **fields: Any) -> None:
    """Move the job on, unless someone cancelled it meanwhile."""
    now = timezone.now()
    if fields.get("status") in (ImportStatus.FAILED, ImportStatus.APPLIED, ImportStatus.CANCELLED):
        fields["finished_at"] = now
        # The upload holds ID numbers and phones of whole villages: once the job is over it is not kept.
        fields["content"] = b""
    ImportJob.objects.filter(pk=job.pk, status=expected).update(updated_at=now, **fields)
    job.refresh_from_db()


# --------------------------------------------------------------------------------------------------
# Apply (task step 2)


class _RegistryChanged(Exception):
    def __init__(self, analysis: Analysis) -> None:
        super().__init__("registry changed since validation")
        self.analysis = analysis


def apply(job: ImportJob, *, actor: User, good_rows_only: bool) -> ImportJob:
    """Write a validated job to the registry in one transaction: all of it, or, with `good_rows_only`,
    every household none of whose rows has a problem. Never half a household."""
    job.refresh_from_db()
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.APPLYING):
        raise ServiceError(_("该导入任务不是“已校验，待确认”状态，不能导入。"))
    try:
        _check_may_apply(job, actor, good_rows_only)
    except (ServiceError, PermissionDenied) as exc:
        # A job queued by import_confirm would otherwise show "导入中" for ever.
        _finish(job, ImportStatus.APPLYING, status=ImportStatus.VALIDATED, error_message=str(exc))
        raise
    ImportJob.objects.filter(pk=job.pk, status__in=[ImportStatus.VALIDATED, ImportStatus.APPLYING]).update(
        status=ImportStatus.APPLYING,
        apply_good_rows=good_rows_only,
        error_message="",
        updated_at=timezone.now(),
        # Applying is one transaction, which cannot renew the heartbeat where others see it: the lease covers
        # the whole write (jobs.STALE_AFTER).
        heartbeat_at=timezone.now(),
    )
    try:
        with _gc_paused(), transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status != ImportStatus.APPLYING:
                raise ServiceError(_("该导入任务已处理。"))
            content = bytes(locked.content)
            paths = regions_with(actor, Perm.IMPORT_HOUSEHOLDS)
            remembered = _recall(_parse_key(locked, content, paths))
            analysis = _unchanged_analysis(remembered)
            if analysis is None:
                parsed = remembered.parsed if remembered is not None else None
                analysis = analyse(content, actor, lock=True, parsed=parsed)
            if analysis.errors != locked.errors:
                raise _RegistryChanged(analysis)
            done = _Writer(analysis, actor=actor, job=locked).write()
            summary = {**analysis.summary, **done}
            audit_record(
                actor=actor,
                action=Action.IMPORT,
                obj=locked,
                note=_import_note(locked, summary),
                after={"summary": summary},
            )
            now = timezone.now()
            ImportJob.objects.filter(pk=locked.pk).update(
                status=ImportStatus.APPLIED,
                summary=summary,
                rows_total=analysis.rows_total,
                rows_done=analysis.rows_total,
                finished_at=now,
                updated_at=now,
                content=b"",  # see _finish: the upload is not kept once applied
            )
    except _RegistryChanged as changed:
        message = _("自校验以来系统中的数据发生了变化，问题清单已更新；请查看后重新确认。")
        _finish(
            job,
            ImportStatus.APPLYING,
            status=ImportStatus.VALIDATED,
            errors=changed.analysis.errors,
            summary=changed.analysis.summary,
            error_message=message,
        )
        raise ServiceError(message) from None
    except WorkbookError as exc:
        _finish(
            job,
            ImportStatus.APPLYING,
            status=ImportStatus.FAILED,
            error_message=exc.message,
            errors=exc.problems,
        )
        raise ServiceError(exc.message) from None
    except ServiceError:
        job.refresh_from_db()
        raise
    except Exception:
        logger.exception("applying import job %s failed", job.pk)
        _finish(
            job,
            ImportStatus.APPLYING,
            status=ImportStatus.VALIDATED,
            error_message=_("导入失败，没有写入任何数据；请稍后重试或联系管理员。"),
        )
        raise
    job.refresh_from_db()
    return job


def _unchanged_analysis(remembered: _Remembered | None) -> Analysis | None:
    """Validation's analysis, when the registry provably has not changed since (see registry_fingerprint);
    matching 400,000 rows again takes seconds of the write lock. Call inside apply's transaction."""
    if remembered is None or remembered.analysis is None or remembered.fingerprint is None:
        return None
    if registry_fingerprint() != remembered.fingerprint:
        return None
    return remembered.analysis


def _check_may_apply(job: ImportJob, actor: User, good_rows_only: bool) -> None:
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("只有上传该文件的人可以确认导入。"))
    require(actor, Perm.IMPORT_HOUSEHOLDS)
    if job.errors and not good_rows_only:
        raise ServiceError(
            _("文件中有 %(n)d 处问题。请修改后重新上传，或选择“只导入无误的户”。") % {"n": len(job.errors)}
        )


def _import_note(job: ImportJob, summary: dict[str, Any]) -> str:
    h, r = summary["households"], summary["residents"]
    return _(
        "Excel导入“%(file)s”：新增户%(hc)d、更新户%(hu)d、跳过户%(hs)d；新增成员%(rc)d、更新成员%(ru)d。"
    ) % {
        "file": job.file_name,
        "hc": h["create"],
        "hu": h["update"],
        "hs": h["skipped"],
        "rc": r["create"],
        "ru": r["update"],
    }


# --------------------------------------------------------------------------------------------------
# Jobs whose worker stopped


def import_jobs_sweep_stale(*, now: datetime.datetime | None = None) -> int:
    """Mark failed every running job whose worker stopped (killed, power cut): its heartbeat is older than
    STALE_AFTER. Nothing of such a job was written (applying is one transaction, rolled back with the worker),
    so it says so, keeps the file and may be retried. A job a live worker is applying holds its row lock and
    is skipped, and the update re-checks the status, so a job that finishes meanwhile is left alone. How many
    were marked."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    stale = Q(status__in=RUNNING, beat__lt=cutoff)
    running = ImportJob.objects.filter(status__in=RUNNING).annotate(
        beat=Coalesce("heartbeat_at", "updated_at")
    )
    with transaction.atomic():
        ids = list(running.filter(stale).select_for_update(skip_locked=True).values_list("pk", flat=True))
        if not ids:
            return 0
        finished = timezone.now()
        return (
            ImportJob.objects.annotate(beat=Coalesce("heartbeat_at", "updated_at"))
            .filter(stale, pk__in=ids)
            .update(
                status=ImportStatus.FAILED,
                interrupted=True,
                error_message=_(
                    "后台处理中断（任务进程已停止），没有写入任何数据。可以点“重试”重新校验，或取消。"
                ),
                finished_at=finished,
                updated_at=finished,
            )
        )
