"""Jobs a killed worker (kill -9, power cut) left running: the queue's rows past their lease are failed, and
run again when that is safe; the outbox queues again what was never sent and fails what may have been."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from minqing.core import jobs, notify, schedule
from minqing.core.models import Notification

pytestmark = pytest.mark.django_db
QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SWEEP = jobs.sweep_lost_jobs.module_path
DELIVER = notify.deliver.module_path


def _running(task_path: str, *, started: datetime.timedelta, kwargs: dict | None = None) -> DBTaskResult:
    """A queue row as a worker leaves it when it is killed mid-run: running, never finished."""
    now = timezone.now()
    return DBTaskResult.objects.create(
        status="RUNNING",
        task_path=task_path,
        args_kwargs={"args": [], "kwargs": kwargs or {}},
        backend_name="default",
        queue_name="default",
        run_after=now - started,
        started_at=now - started,
        worker_ids=["killed"],
    )


@pytest.fixture
def queue(settings):
    settings.TASKS = QUEUE


def test_a_periodic_run_killed_mid_run_is_failed_and_its_cycle_goes_on(queue):
    lost = _running(SWEEP, started=datetime.timedelta(hours=2), kwargs={"reschedule": True})
    assert jobs.lost_tasks_sweep() == 1
    lost.refresh_from_db()
    assert lost.status == "FAILED" and lost.exception_class_path.endswith("WorkerLostError")
    assert lost.finished_at is not None and "stopped" in lost.traceback
    (again,) = DBTaskResult.objects.filter(status="READY", task_path=SWEEP)
    assert again.args_kwargs == {"args": [], "kwargs": {"reschedule": True}}


def test_a_run_within_its_lease_is_left_running(queue):
    row = _running(SWEEP, started=datetime.timedelta(minutes=10))
    assert jobs.lost_tasks_sweep() == 0
    row.refresh_from_db()
    assert row.status == "RUNNING"


def test_a_kind_not_safe_to_run_again_is_only_failed(queue):
    _running(DELIVER, started=datetime.timedelta(minutes=30), kwargs={"notification_id": 1})
    assert jobs.lost_tasks_sweep() == 1
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_a_lost_run_whose_successor_is_already_queued_is_not_queued_twice(queue):
    _running(SWEEP, started=datetime.timedelta(hours=2), kwargs={"reschedule": True})
    jobs.sweep_lost_jobs.enqueue(reschedule=True)
    jobs.lost_tasks_sweep()
    assert DBTaskResult.objects.filter(status="READY", task_path=SWEEP).count() == 1


def test_schedule_after_a_crash_restarts_the_cycle_a_dead_run_blocked(queue):
    reminders = next(e.task for e in schedule.registered() if e.name == "petitions_remind")
    dead = _running(reminders.module_path, started=datetime.timedelta(hours=3), kwargs={"reschedule": True})
    assert schedule.is_queued(reminders)  # as the dead row makes it look
    call_command("schedule", stdout=io.StringIO())
    dead.refresh_from_db()
    assert dead.status == "FAILED"
    assert DBTaskResult.objects.filter(status="READY", task_path=reminders.module_path).count() == 1


def test_every_task_kind_has_a_lease_and_the_app_records_a_sweep():
    assert set(jobs.registered_sweeps()) >= {"households.imports", "api.open311", "core.notifications"}
    assert jobs.lease_of("minqing.api.tasks.open311_drain").rerun
    assert not jobs.lease_of(DELIVER).rerun
    assert not jobs.lease_of("minqing.households.tasks.apply_import").rerun
    for entry in schedule.registered():  # the periodic runs are run again by their contract
        assert jobs.lease_of(entry.task.module_path).rerun, entry.name
    (entry,) = [e for e in schedule.registered() if e.name == "core_sweep_lost_jobs"]
    assert entry.when() - timezone.now() <= datetime.timedelta(minutes=5)


# --- The outbox ------------------------------------------------------------------------------------------------


def _message(*, age: datetime.timedelta, attempted: datetime.timedelta | None = None) -> Notification:
    m = Notification.objects.create(channel="sms", to="13812345678", body="您的诉求已受理。")
    now = timezone.now()
    Notification.objects.filter(pk=m.pk).update(
        created_at=now - age, attempted_at=None if attempted is None else now - attempted
    )
    return m


def test_a_message_whose_delivery_was_lost_before_sending_is_sent_by_the_sweep():
    m = _message(age=datetime.timedelta(minutes=30))
    assert notify.notifications_sweep_lost(timezone.now()) == 1
    m.refresh_from_db()
    assert m.state == "sent" and m.attempted_at is not None


def test_a_message_whose_worker_died_during_the_send_is_failed_not_sent_twice(
    monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(notify.LogBackend, "send", lambda self, message: sent.append(message.pk))
    m = _message(age=datetime.timedelta(minutes=30), attempted=datetime.timedelta(minutes=20))
    recent = _message(age=datetime.timedelta(minutes=30), attempted=datetime.timedelta(minutes=1))
    new = _message(age=datetime.timedelta(seconds=5))
    assert notify.notifications_sweep_lost(timezone.now()) == 1
    m.refresh_from_db()
    assert m.state == "failed" and "投递中断" in m.error and sent == []
    assert (
        Notification.objects.get(pk=recent.pk).state == Notification.objects.get(pk=new.pk).state == "pending"
    )

    with django_capture_on_commit_callbacks(execute=True):  # someone checked: it was not sent
        call_command("notifications_retry", str(m.pk), stdout=io.StringIO())
    m.refresh_from_db()
    assert m.state == "sent" and m.error == "" and sent == [m.pk]


def test_a_delivery_runs_once_for_a_message_already_sent_or_failed(monkeypatch):
    sent = []
    monkeypatch.setattr(notify.LogBackend, "send", lambda self, message: sent.append(message.pk))
    m = _message(age=datetime.timedelta(minutes=1))
    Notification.objects.filter(pk=m.pk).update(state="failed")
    assert notify.deliver.call(m.pk) == "failed" and sent == []
