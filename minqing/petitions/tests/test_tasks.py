"""The daily reminder task and its commands."""

import datetime

import pytest
from django.core.management import call_command

from minqing.petitions.models import Petition
from minqing.petitions.tasks import next_run, remind_due_petitions

from .factories import category, register

pytestmark = pytest.mark.django_db


def test_task_reminds_and_escalates_overdue_requests(tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    Petition.objects.filter(pk=p.pk).update(due_date=datetime.date.today() - datetime.timedelta(days=1))
    result = remind_due_petitions.enqueue()
    assert result.return_value == {"reminded": 0, "escalated": 1}
    assert p.events.filter(kind="escalated").exists()


def test_command_reports_what_it_did(tree, people, capsys):
    register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    call_command("petitions_remind")
    assert "已提醒" in capsys.readouterr().out


def test_next_run_is_tomorrow_morning():
    from django.utils import timezone

    now = timezone.make_aware(datetime.datetime(2026, 11, 28, 15, 0))
    assert next_run(now) == timezone.make_aware(datetime.datetime(2026, 11, 29, 7, 30))
