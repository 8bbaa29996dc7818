"""Residents book a leader reception day on the public pages (/p/reception/), without an account."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from minqing.audit.models import AuditEntry
from minqing.petitions.forms.public import form_token
from minqing.petitions.models import ReceptionDay, ReceptionRegistration
from minqing.petitions.services import PER_SLOT

pytestmark = pytest.mark.django_db


def _day(tree, people, **overrides) -> ReceptionDay:
    values = {
        "region": tree.township,
        "region_path": tree.township.path,
        "leader": people.leader,
        "leader_title": "党委书记",
        "date": timezone.localdate() + datetime.timedelta(days=3),
        "start_time": datetime.time(9, 0),
        "end_time": datetime.time(11, 0),
        "place": "镇信访接待室",
    }
    values.update(overrides)
    return ReceptionDay.objects.create(**values)


def _data(tree, **overrides) -> dict[str, str]:
    data = {
        "name": "王秀兰",
        "phone": "13812345678",
        "village": str(tree.zhangzhuang.pk),
        "slot": "09:30",
        "topic": "宅基地确权有争议，想当面反映",
        "website": "",
        "ts": form_token(time.time() - 30),
    }
    data.update(overrides)
    return data


def _book(client, day, data, ip="10.0.0.1"):
    return client.post(reverse("public:reception_book", args=[day.pk]), data, REMOTE_ADDR=ip)


def test_a_resident_books_a_slot_and_the_office_sees_it(client, tree, people):
    day = _day(tree, people)
    listing = client.get(reverse("public:reception")).content.decode()
    assert reverse("public:reception_book", args=[day.pk]) in listing
    form = client.get(reverse("public:reception_book", args=[day.pk])).content.decode()
    assert 'value="09:00"' in form and 'value="10:30"' in form and 'value="11:00"' not in form
    assert "张庄村" in form
    assert "堌阳村" not in form
    r = _book(client, day, _data(tree))
    assert r.status_code == 302 and r.url == reverse("public:reception_booked")
    booking = ReceptionRegistration.objects.get()
    assert booking.online and booking.village == tree.zhangzhuang and booking.slot == datetime.time(9, 30)
    assert booking.phone == "13812345678" and len(booking.code) == 8
    done = client.get(r.url).content.decode()
    assert booking.code in done and "09:30" in done and "镇信访接待室" in done
    entry = AuditEntry.objects.filter(object_type__icontains="receptionregistration").get()
    assert entry.actor is None and entry.ip == "10.0.0.1"
    client.force_login(people.officer)
    office = client.get(reverse("petitions:reception_detail", args=[day.pk])).content.decode()
    assert "王秀兰" in office and booking.code in office and "网上预约" in office and "张庄村" in office


def test_bad_bookings_are_refused_with_reasons_and_nothing_is_saved(client, tree, people):
    day = _day(tree, people)
    for overrides, message in (
        ({"name": ""}, "该字段是必填项"),
        ({"phone": "12345"}, "联系电话格式不正确"),
        ({"village": str(tree.other_village.pk)}, "不在可用的选项中"),
        ({"slot": "13:00"}, "不在可用的选项中"),
        ({"topic": "字" * 201}, "200"),
    ):
        r = _book(client, day, _data(tree, **overrides))
        assert r.status_code == 200 and message in r.content.decode(), overrides
    assert not ReceptionRegistration.objects.exists()


def test_one_booking_per_phone_a_day_and_a_full_slot_is_refused(client, tree, people):
    day = _day(tree, people)
    assert _book(client, day, _data(tree)).status_code == 302
    again = _book(client, day, _data(tree, slot="10:00"))
    assert "不必重复预约" in again.content.decode()
    for i in range(PER_SLOT - 1):
        _book(client, day, _data(tree, phone=f"1390000000{i}"), ip=f"10.0.1.{i}")
    full = _book(client, day, _data(tree, phone="13700000000"), ip="10.0.2.1")
    assert "该时段已约满" in full.content.decode()
    assert ReceptionRegistration.objects.filter(slot=datetime.time(9, 30)).count() == PER_SLOT


def test_a_past_hidden_or_unknown_day_cannot_be_booked(client, tree, people):
    past = _day(tree, people, date=timezone.localdate() - datetime.timedelta(days=1))
    hidden = _day(tree, people, is_public=False)
    for day in (past, hidden):
        assert client.get(reverse("public:reception_book", args=[day.pk])).status_code == 404
        assert _book(client, day, _data(tree)).status_code == 404
    assert client.get("/p/reception/999999/book/").status_code == 404
    assert not ReceptionRegistration.objects.exists()


def test_booking_is_rate_limited_like_the_request_form(client, tree, people, settings):
    settings.MINQING_PUBLIC_SUBMIT_PER_HOUR = 2
    day = _day(tree, people)
    for i in range(2):
        _book(client, day, _data(tree, phone=f"1390000001{i}"))
    r = _book(client, day, _data(tree, phone="13900000020"))
    assert r.status_code == 429 and "预约过于频繁" in r.content.decode()
    assert ReceptionRegistration.objects.count() == 2


def test_a_bot_is_refused(client, tree, people):
    day = _day(tree, people)
    assert _book(client, day, _data(tree, website="http://spam")).status_code == 400
    assert _book(client, day, _data(tree, ts=form_token())).status_code == 400
    assert not ReceptionRegistration.objects.exists()


def test_the_outsider_office_does_not_see_the_booking(client, tree, people):
    day = _day(tree, people)
    _book(client, day, _data(tree))
    client.force_login(people.outsider)
    assert client.get(reverse("petitions:reception_detail", args=[day.pk])).status_code == 404


def test_the_service_refuses_a_village_of_another_township_and_a_slot_outside_the_day(tree, people):
    from minqing.core.errors import ValidationError
    from minqing.petitions.services import reception_book

    day = _day(tree, people)
    with pytest.raises(ValidationError) as exc:
        reception_book(
            day=day,
            name="王秀兰",
            phone="13812345678",
            village=tree.other_village,
            slot=datetime.time(11, 0),
            topic="宅基地",
        )
    assert {"village", "slot"} <= set(exc.value.message_dict)
    assert not ReceptionRegistration.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_resident_books_a_reception_slot_on_a_phone(browser_page, tree, people, settings, monkeypatch):
    from minqing.core.tests.browser import shot
    from minqing.petitions.forms import public as public_forms

    settings.MINQING_PUBLIC_SUBMIT_PER_HOUR = 10
    monkeypatch.setattr(public_forms, "MIN_SECONDS", 0)  # a person takes longer; the test types at once
    day = _day(tree, people)
    page = browser_page
    page.goto(page.base_url + "/p/reception/")
    page.click("[data-testid=book]")
    page.fill("#id_name", "王秀兰")
    page.fill("#id_phone", "13812345678")
    page.select_option("#id_village", label="张庄村")
    page.select_option("#id_slot", "10:00")
    page.fill("#id_topic", "宅基地确权有争议，想当面反映")
    shot(page, "public-reception-book")
    page.click("#booking-form button[type=submit]")
    page.wait_for_selector("#booking-code")
    booking = ReceptionRegistration.objects.get(day=day)
    assert page.inner_text("#booking-code") == booking.code and booking.slot == datetime.time(10, 0)
    shot(page, "public-reception-booked")
