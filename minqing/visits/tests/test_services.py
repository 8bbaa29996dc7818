"""The visit log's rules: one entry per submission, no future dates, households of the village, one bed a night."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from minqing.audit.models import AuditEntry
from minqing.core.errors import ValidationError
from minqing.visits.models import Metric, Period, Visit, VisitHousehold
from minqing.visits.services import (
    VisitInput,
    course_record,
    quota_rule_save,
    visit_finding_petition,
    visit_log,
)

from .helpers import household, log

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_a_visit_is_logged_with_its_households_and_audited(tree, people):
    a, b = household(tree.zhangzhuang, "张建国"), household(tree.zhangzhuang, "李小梅")
    result = log(people.cadre, tree.zhangzhuang, TODAY, households=[a, b], heard="反映村口路灯坏了")
    assert result.created
    v = result.visit
    assert v.region_path == tree.zhangzhuang.path
    assert set(v.households.all()) == {a, b}
    assert set(VisitHousehold.objects.values_list("cadre_id", flat=True)) == {people.cadre.pk}
    assert AuditEntry.objects.filter(object_type__icontains="visit", object_id=str(v.pk)).exists()


def test_an_entry_without_households_is_refused_unless_the_cadre_says_none_were_visited(tree, people):
    data = VisitInput(village=tree.zhangzhuang, visited_on=TODAY, client_key="n" * 32)
    with pytest.raises(ValidationError) as exc:
        visit_log(actor=people.cadre, data=data)
    assert "households" in exc.value.message_dict
    assert not Visit.objects.exists()
    data.no_households = True
    assert visit_log(actor=people.cadre, data=data).created


def test_a_retried_submission_with_the_same_key_makes_one_visit(tree, people):
    first = log(people.cadre, tree.zhangzhuang, TODAY, key="k" * 32, heard="第一次")
    again = log(people.cadre, tree.zhangzhuang, TODAY, key="k" * 32, heard="重发")
    assert first.created and not again.created
    assert again.visit.pk == first.visit.pk
    assert Visit.objects.count() == 1
    assert Visit.objects.get().heard == "第一次"


def test_the_same_key_from_another_cadre_is_another_visit(tree, people):
    log(people.cadre, tree.zhangzhuang, TODAY, key="k" * 32)
    log(people.liaison, tree.zhangzhuang, TODAY, key="k" * 32)
    assert Visit.objects.count() == 2


def test_a_visit_dated_in_the_future_is_refused(tree, people):
    with pytest.raises(ValidationError) as exc:
        log(people.cadre, tree.zhangzhuang, TODAY + datetime.timedelta(days=1))
    assert "日期不能晚于今天" in str(exc.value.message_dict["visited_on"])
    assert not Visit.objects.exists()


def test_a_stay_running_past_today_is_refused(tree, people):
    with pytest.raises(ValidationError) as exc:
        log(people.cadre, tree.zhangzhuang, TODAY - datetime.timedelta(days=1), days=3, nights=2)
    assert "days" in exc.value.message_dict


def test_more_nights_than_days_is_refused(tree, people):
    with pytest.raises(ValidationError) as exc:
        log(people.cadre, tree.zhangzhuang, TODAY - datetime.timedelta(days=5), days=2, nights=3)
    assert "不能多于在村天数" in str(exc.value.message_dict["nights"])


def test_a_night_already_spent_elsewhere_is_refused(tree, people):
    people.cadre_leiji.role_assignments.create(role="village_cadre", region=tree.zhangzhuang)
    start = TODAY - datetime.timedelta(days=6)
    log(people.cadre_leiji, tree.leiji, start, days=3, nights=2)
    with pytest.raises(ValidationError) as exc:
        log(people.cadre_leiji, tree.zhangzhuang, start + datetime.timedelta(days=1), nights=1)
    assert "一晚只能住在一个地方" in str(exc.value.message_dict["nights"])
    # The day itself may still be spent in a second village.
    assert log(people.cadre_leiji, tree.zhangzhuang, start + datetime.timedelta(days=1)).created


def test_households_of_another_village_are_refused_by_name(tree, people):
    mine = household(tree.zhangzhuang, "张建国")
    other = household(tree.leiji, "雷大山")
    with pytest.raises(ValidationError) as exc:
        log(people.cadre, tree.zhangzhuang, TODAY, households=[mine, other])
    assert "雷大山" in str(exc.value.message_dict["households"])
    assert not Visit.objects.exists()


def test_a_village_outside_the_cadres_regions_is_refused(tree, people):
    with pytest.raises(ValidationError) as exc:
        log(people.cadre, tree.leiji, TODAY)
    assert "不在您负责的村范围内" in str(exc.value.message_dict["village"])


def test_a_township_is_not_a_village(tree, people):
    with pytest.raises(ValidationError) as exc:
        log(people.leader, tree.township, TODAY)
    assert "village" in exc.value.message_dict


def test_an_old_entry_beyond_the_backdate_limit_is_refused(tree, people, settings):
    settings.MINQING_VISIT_BACKDATE_DAYS = 10
    with pytest.raises(ValidationError):
        log(people.cadre, tree.zhangzhuang, TODAY - datetime.timedelta(days=11))


def test_a_finding_becomes_a_request_found_on_a_visit_and_stays_linked(tree, people):
    from minqing.petitions.tests.factories import category

    h = household(tree.zhangzhuang, "张建国")
    v = log(people.cadre, tree.zhangzhuang, TODAY, households=[h], heard="低保未发").visit
    finding = visit_finding_petition(
        actor=people.cadre,
        visit=v,
        title="低保金三个月未发放",
        content="张建国反映低保金三个月未发放",
        category_id=category().pk,
        household_id=h.pk,
    )
    p = finding.petition
    assert p.channel == "found" and p.household == h and p.registered_on == v.visited_on
    assert v.findings.get().petition == p


def test_quota_rules_need_manage_quotas_and_sane_targets(tree, people):
    with pytest.raises(PermissionDenied):
        quota_rule_save(
            actor=people.cadre,
            region=tree.township,
            role="village_liaison",
            metric=Metric.VILLAGE_DAYS,
            period=Period.MONTH,
            target=8,
        )
    with pytest.raises(ValidationError):
        quota_rule_save(
            actor=people.leader,
            region=tree.township,
            role="village_liaison",
            metric=Metric.NIGHTS,
            period=Period.MONTH,
            target=40,
        )
    rule = quota_rule_save(
        actor=people.leader,
        region=tree.township,
        role="village_liaison",
        metric=Metric.VILLAGE_DAYS,
        period=Period.MONTH,
        target=8,
    )
    again = quota_rule_save(
        actor=people.leader,
        region=tree.township,
        role="village_liaison",
        metric=Metric.VILLAGE_DAYS,
        period=Period.MONTH,
        target=10,
    )
    assert again.pk == rule.pk and again.target == 10


def test_a_course_refuses_staff_of_another_township(tree, people):
    with pytest.raises(ValidationError) as exc:
        course_record(
            actor=people.leader,
            region=tree.township,
            title="群众工作方法",
            organiser="县委党校",
            held_on=TODAY,
            hours="4",
            topics=["mass_line"],
            attendee_ids=[people.cadre.pk, people.outsider.pk],
        )
    assert "outsider" in str(exc.value.message_dict["attendees"])
    course = course_record(
        actor=people.leader,
        region=tree.township,
        title="群众工作方法",
        organiser="县委党校",
        held_on=TODAY,
        hours="4",
        topics=["mass_line"],
        attendee_ids=[people.cadre.pk, people.liaison.pk],
    )
    assert course.attendance.count() == 2
