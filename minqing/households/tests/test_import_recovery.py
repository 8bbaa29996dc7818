"""An import whose worker was killed (power cut, kill -9) does not stay "running" for ever: the sweep marks it
failed once its heartbeat is older than the lease, says that nothing was written, and its user may retry."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from minqing.core import jobs as lost_jobs
from minqing.core import schedule
from minqing.households.imports import engine, jobs
from minqing.households.models import Household, ImportJob, ImportStatus

from .helpers_excel import family_rows, start, workbook

pytestmark = pytest.mark.django_db
LONG_AGO = datetime.timedelta(minutes=16)


def _left_by_a_dead_worker(job: ImportJob, status: str, silent_for: datetime.timedelta = LONG_AGO) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=status, heartbeat_at=timezone.now() - silent_for)


def _job(people) -> ImportJob:
    households, members = family_rows()
    return start(people.cadre, workbook(households, members))


def test_validation_renews_the_heartbeat_of_the_job(tree, people):
    before = timezone.now()
    job = _job(people)
    assert (
        job.status == ImportStatus.VALIDATED and job.heartbeat_at is not None and job.heartbeat_at >= before
    )


@pytest.mark.parametrize("status", [ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.APPLYING])
def test_a_job_whose_worker_died_is_marked_failed_with_its_file_kept_and_nothing_written(
    tree, people, status
):
    job = _job(people)
    _left_by_a_dead_worker(job, status)
    assert engine.import_jobs_sweep_stale() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.interrupted and job.finished_at is not None
    assert "后台处理中断" in job.error_message and "没有写入任何数据" in job.error_message
    assert bytes(job.content)  # kept for the retry
    assert not Household.objects.exists()


def test_a_running_job_with_a_recent_heartbeat_and_finished_jobs_are_left_alone(tree, people):
    running, validated = _job(people), _job(people)
    _left_by_a_dead_worker(running, ImportStatus.VALIDATING, datetime.timedelta(minutes=1))
    ImportJob.objects.filter(pk=validated.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(days=1))
    assert engine.import_jobs_sweep_stale() == 0
    assert ImportJob.objects.get(pk=running.pk).status == ImportStatus.VALIDATING
    assert ImportJob.objects.get(pk=validated.pk).status == ImportStatus.VALIDATED


def test_the_user_sees_the_interruption_retries_and_then_imports(client, tree, people):
    job = _job(people)
    _left_by_a_dead_worker(job, ImportStatus.APPLYING)
    lost_jobs.sweep_lost_jobs.call()
    client.force_login(people.cadre)
    page = client.get(reverse("households:import_detail", args=[job.pk])).content.decode()
    assert "后台处理中断" in page and 'id="retry"' in page
    client.post(reverse("households:import_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED and not job.interrupted and job.error_message == ""
    jobs.import_confirm(actor=people.cadre, job=job, good_rows_only=False)
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED and Household.objects.count() == 1


def test_only_the_uploader_may_retry_and_only_an_interrupted_job(client, tree, people):
    job = _job(people)
    _left_by_a_dead_worker(job, ImportStatus.VALIDATING)
    engine.import_jobs_sweep_stale()
    for other in (people.officer, people.outsider):  # another's job, and one outside the region, are 404
        client.force_login(other)
        assert client.post(reverse("households:import_retry", args=[job.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        jobs.import_retry(actor=people.officer, job=job)
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.FAILED

    broken = start(people.cadre, b"not a workbook", "户.xlsx")
    assert broken.status == ImportStatus.FAILED and not broken.interrupted
    client.force_login(people.cadre)
    response = client.post(reverse("households:import_retry", args=[broken.pk]), follow=True)
    assert "不能重试" in response.content.decode()
    assert ImportJob.objects.get(pk=broken.pk).status == ImportStatus.FAILED


def test_the_imports_are_swept_by_the_periodic_sweep_of_lost_jobs(tree, people):
    assert "households.imports" in lost_jobs.registered_sweeps()
    (entry,) = [e for e in schedule.registered() if e.name == "core_sweep_lost_jobs"]
    assert entry.when() - timezone.now() <= datetime.timedelta(minutes=5)
    job = _job(people)
    _left_by_a_dead_worker(job, ImportStatus.APPLYING)
    assert lost_jobs.sweep()["households.imports"] == 1


def test_the_status_polls_as_a_poll_so_an_open_tab_does_not_keep_the_session(client, tree, people):
    job = _job(people)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING)
    client.force_login(people.cadre)
    page = client.get(reverse("households:import_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and '"X-Minqing-Poll": "1"' in page
