"""Queued Open311 intake: with a worker that runs later, a POST answers with a token at once; the worker files
the request through the ordinary service; the token then names the request."""

import pytest
from django.test import Client, override_settings

from minqing.api.intake import open311_drain, open311_file
from minqing.api.models import Open311Submission
from minqing.petitions.models import Channel, Petition

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
LATER = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def _post(raw: str) -> dict:
    data = {
        "api_key": raw, "service_code": "chengxiang-road", "address_string": "张庄村村东头",
        "description": "村东头道路破损，下雨无法通行。", "phone": "13812345678",
    }  # fmt: skip
    response = Client().post(f"{BASE}/requests.json", data)
    assert response.status_code == 200, response.content
    return response.json()[0]


@override_settings(TASKS=LATER)
def test_post_answers_with_a_token_and_the_worker_files_the_request(tree, key):
    row = _post(key.raw)
    assert row["service_request_id"] is None and row["token"]
    assert Petition.objects.count() == 0
    token = Client().get(f"{BASE}/tokens/{row['token']}.json", {"api_key": key.raw}).json()
    assert token == [{"service_request_id": None, "token": row["token"]}]

    assert open311_drain() == (1, False)
    submission = Open311Submission.objects.get(token=row["token"])
    petition_id = submission.petition_id
    p = Petition.objects.get(pk=petition_id)
    assert p.channel == Channel.ONLINE and p.source_client == key.obj.name and p.region == tree.zhangzhuang
    assert open311_file(submission.pk) == petition_id  # a second run files nothing new
    assert Petition.objects.count() == 1
    token = Client().get(f"{BASE}/tokens/{row['token']}.json", {"api_key": key.raw}).json()
    assert token[0]["service_request_id"] == petition_id


@override_settings(TASKS=LATER)
def test_a_token_not_yet_filed_is_unknown_to_another_jurisdiction(tree, key, other_key):
    row = _post(key.raw)
    response = Client().get(f"{BASE}/tokens/{row['token']}.json", {"api_key": other_key.raw})
    assert response.status_code == 404


@override_settings(TASKS=LATER)
def test_a_submission_the_service_refuses_later_keeps_the_reason_and_files_nothing(tree, key):
    row = _post(key.raw)
    tree.zhangzhuang.is_active = False
    tree.zhangzhuang.save()
    submission = Open311Submission.objects.get(token=row["token"])
    assert open311_file(submission.pk) is None
    submission.refresh_from_db()
    assert submission.error and Petition.objects.count() == 0


@override_settings(TASKS=LATER)
def test_the_worker_files_the_publish_choice_and_reads_it_as_off_from_older_submissions(tree, key):
    chosen = (
        Client()
        .post(
            f"{BASE}/requests.json",
            {
                "api_key": key.raw,
                "service_code": "chengxiang-road",
                "address_string": "雷集村",
                "attribute[publish]": "true",
            },
        )
        .json()[0]
    )
    older = Open311Submission.objects.get(token=_post(key.raw)["token"])
    older.payload.pop("publish")  # queued before requests carried the choice
    older.save(update_fields=["payload"])
    open311_drain()
    filed = {s.token: s.petition.publish for s in Open311Submission.objects.select_related("petition")}
    assert filed == {chosen["token"]: True, older.token: False}


@override_settings(TASKS=LATER)
def test_a_burst_is_drained_in_batches(tree, key):
    for _n in range(3):
        _post(key.raw)
    assert open311_drain(limit=2) == (2, True)
    assert open311_drain(limit=2) == (1, False)
    assert Petition.objects.count() == 3


def test_with_a_deferring_worker_a_burst_queues_one_drain(tree, key, settings):
    """The database queue can defer: a burst of POSTs from one process queues a single drain task."""
    from django_tasks_db.models import DBTaskResult

    from minqing.api import services

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    services._drain_due.clear()
    for _n in range(3):
        assert _post(key.raw)["service_request_id"] is None
    assert DBTaskResult.objects.filter(task_path="minqing.api.tasks.open311_drain").count() == 1


@override_settings(TASKS=LATER)
def test_services_say_batch_when_intake_is_queued(tree):
    services = Client().get(f"{BASE}/services.json").json()
    assert {s["type"] for s in services} == {"batch"}


def _aged(minutes: int) -> None:
    import datetime

    from django.utils import timezone

    Open311Submission.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=minutes))


def test_a_drain_killed_mid_run_is_run_again_and_files_the_waiting_requests(tree, key, settings):
    """kill -9 of the worker while it drained: its row stays running; the sweep fails it and queues the drain
    again, once, and that drain files every submission (filing is idempotent)."""
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from minqing.api import services
    from minqing.core import jobs

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    services._drain_due.clear()
    _post(key.raw), _post(key.raw)
    drain = DBTaskResult.objects.get(task_path="minqing.api.tasks.open311_drain")
    DBTaskResult.objects.filter(pk=drain.pk).update(
        status="RUNNING", started_at=timezone.now() - datetime.timedelta(minutes=20)
    )
    _aged(20)
    counts = jobs.sweep()
    assert counts["tasks"] == 1 and counts["api.open311"] == 2
    assert DBTaskResult.objects.get(pk=drain.pk).status == "FAILED"
    (again,) = DBTaskResult.objects.filter(status="READY", task_path="minqing.api.tasks.open311_drain")
    again.task.call(*again.args_kwargs["args"], **again.args_kwargs["kwargs"])
    assert (
        Petition.objects.count() == 2 and not Open311Submission.objects.filter(petition__isnull=True).exists()
    )


def test_submissions_left_waiting_without_a_drain_get_one_from_the_sweep(tree, key, settings):
    """The queue lost the drain (a database restored from a backup, a row deleted by hand): the sweep sees
    submissions waiting too long with no drain queued and queues one; a drain already queued is enough."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from minqing.api import services

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    services._drain_due.clear()
    _post(key.raw)
    DBTaskResult.objects.all().delete()
    assert services.open311_sweep_waiting(timezone.now()) == 0  # too recent to call lost
    _aged(5)
    assert services.open311_sweep_waiting(timezone.now()) == 1
    assert services.open311_sweep_waiting(timezone.now()) == 1
    assert (
        DBTaskResult.objects.filter(status="READY", task_path="minqing.api.tasks.open311_drain").count() == 1
    )
