import datetime
from dataclasses import dataclass

from minqing.core import duties
from minqing.core.duties import DutyItem, DutyKind, DutyQuery, Provider

TODAY = datetime.date(2026, 12, 7)


@dataclass(frozen=True)
class Person:
    pk: int


def _item(person: int, kind: str, title: str, due: datetime.date | None, **extra) -> DutyItem:
    overdue = due is not None and due < TODAY
    return DutyItem(person, kind, title, due, overdue, f"/{kind}/{title}/", "41", **extra)


def test_a_persons_duties_come_overdue_first_then_by_deadline_and_the_undated_last(monkeypatch):
    monkeypatch.setattr(duties, "_registry", {})
    days = datetime.timedelta
    duties.register(
        Provider(
            "a",
            (DutyKind("late", "迟", 20), DutyKind("early", "早", 10)),
            lambda q: [
                _item(1, "late", "undated", None),
                _item(1, "late", "next week", TODAY + days(7)),
                _item(1, "early", "tomorrow", TODAY + days(1)),
                _item(1, "late", "last week", TODAY - days(7)),
                _item(1, "early", "undated grave", None, rank=-4),
                _item(2, "early", "someone else's", TODAY),
            ],
        )
    )
    found = duties.collect(DutyQuery(viewer=None, people=[Person(1), Person(3)], today=TODAY))
    assert [i.title for i in found[1]] == ["last week", "tomorrow", "next week", "undated grave", "undated"]
    assert found[3] == [] and 2 not in found
    assert list(duties.kinds()) == ["early", "late"]


def test_one_duty_reached_twice_is_listed_once(monkeypatch):
    monkeypatch.setattr(duties, "_registry", {})
    same = _item(1, "k", "x", TODAY)
    duties.register(Provider("a", (DutyKind("k", "k", 1),), lambda q: [same]))
    duties.register(Provider("b", (), lambda q: [same]))
    assert len(duties.collect(DutyQuery(viewer=None, people=[Person(1)], today=TODAY))[1]) == 1


def test_a_shared_duty_is_one_key_for_all_who_share_it_and_a_personal_one_is_not():
    shared = [_item(p, "k", "x", TODAY, shared=True) for p in (1, 2)]
    personal = [_item(p, "k", "x", TODAY) for p in (1, 2)]
    assert shared[0].key == shared[1].key and personal[0].key != personal[1].key


def test_the_practices_register_their_providers():
    assert [p.key for p in duties.registered()] == ["mediation", "petitions", "visits"]
    assert list(duties.kinds()) == [
        "petition_handle",
        "petition_follow_up",
        "agreement_follow_up",
        "dispute_stabilize",
        "dispute_resolve",
        "visit_quota",
        "reception_day",
    ]


def test_an_address_is_made_from_the_route_with_the_records_id():
    from django.urls import reverse

    assert duties.url_maker("petitions:detail")(42) == reverse("petitions:detail", args=[42])
