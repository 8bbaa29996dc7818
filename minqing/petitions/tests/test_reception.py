"""Leader reception days: scheduling by the township, bookings, attendance linked to a request."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from minqing.core.errors import ValidationError
from minqing.petitions import services
from minqing.petitions.models import ReceptionDay

from .factories import register

pytestmark = pytest.mark.django_db

SOON = datetime.date.today() + datetime.timedelta(days=7)


def _day(tree, people, **values):
    values = {
        "date": SOON, "start_time": datetime.time(9), "end_time": datetime.time(12), "place": "镇接访室",
        "topics": "征地补偿", "is_public": True, **values,
    }  # fmt: skip
    return services.reception_day_save(
        actor=people.officer, region=tree.township, leader=people.leader, **values
    )


def test_officer_schedules_a_day_for_the_townships_leader(tree, people):
    day = _day(tree, people)
    assert day.region_path == tree.township.path and day.leader == people.leader


def test_a_day_needs_a_leader_of_that_township_and_a_sensible_time(tree, people):
    with pytest.raises(ValidationError):
        services.reception_day_save(
            actor=people.officer, region=tree.township, leader=people.cadre, date=SOON,
            start_time=datetime.time(9), end_time=datetime.time(12), place="x",
        )  # fmt: skip
    with pytest.raises(ValidationError):
        _day(tree, people, start_time=datetime.time(12), end_time=datetime.time(9))


def test_village_cadre_cannot_schedule_reception_days(tree, people):
    with pytest.raises(PermissionDenied):
        services.reception_day_save(
            actor=people.cadre, region=tree.township, leader=people.leader, date=SOON,
            start_time=datetime.time(9), end_time=datetime.time(12), place="x",
        )  # fmt: skip


def test_booking_and_attendance_link_the_request(client, tree, people):
    day = _day(tree, people)
    registration = services.reception_register(
        actor=None, day=day, name="李四", phone="13812340000", topic="补偿款"
    )
    p = register(people.officer, tree.zhangzhuang, channel="reception")
    client.force_login(people.officer)
    r = client.post(
        reverse("petitions:reception_attend", args=[day.pk, registration.pk]),
        {"attended": "1", "code": p.tracking_code},
    )
    assert r.status_code == 302
    registration.refresh_from_db()
    assert registration.attended and registration.petition == p
    body = client.get(reverse("petitions:reception_detail", args=[day.pk])).content.decode()
    assert p.tracking_code in body


def test_booking_with_a_bad_phone_lists_the_problem(tree, people):
    day = _day(tree, people)
    with pytest.raises(ValidationError) as exc:
        services.reception_register(actor=None, day=day, name="", phone="123", topic="")
    assert set(exc.value.message_dict) == {"name", "phone", "topic"}


def test_reception_pages_are_region_scoped(client, tree, people):
    day = _day(tree, people)
    client.force_login(people.outsider)
    assert client.get(reverse("petitions:reception_detail", args=[day.pk])).status_code == 404
    assert str(day.place) not in client.get(reverse("petitions:reception_list")).content.decode()
    assert client.get(reverse("petitions:reception_edit", args=[day.pk])).status_code == 404
    client.force_login(people.officer)
    r = client.post(
        reverse("petitions:reception_new"),
        {"region": tree.township.pk, "leader": people.leader.pk, "date": SOON.isoformat(), "start_time": "14:00",
         "end_time": "17:00", "place": "张庄村党群服务中心", "is_public": "on"},
    )  # fmt: skip
    assert r.status_code == 302
    assert ReceptionDay.objects.filter(place="张庄村党群服务中心").exists()
