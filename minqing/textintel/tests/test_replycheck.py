"""The reply check: what it flags, that odd input never breaks it, its calibration on real replies, and the
fragment on the request page's reply step (scoped like the request page)."""

import csv
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from minqing.petitions import services
from minqing.petitions.tests.factories import category, register
from minqing.textintel import replycheck as rc

TITLE = "张庄村东头路灯坏了一个多月"
CONTENT = "张庄村东头的三盏路灯坏了一个多月，晚上孩子放学回家很不安全，请尽快修复路灯。"
GOOD = (
    "经核实，张庄村东头三盏路灯因线路老化损坏。镇供电所已于5月3日更换线路和灯头，路灯已恢复照明，"
    "今后由村委会每月巡查一次。"
)


def replies_csv() -> Path:
    return Path(settings.MINQING_SHARED_DATA) / "teddy2020" / "messages_with_replies.csv"


def test_a_concrete_reply_on_the_matter_is_not_flagged():
    check = rc.check_reply(TITLE, CONTENT, GOOD)
    assert check.ok, check.flags
    assert "路灯" in check.key_terms and check.coverage >= rc.MIN_COVERAGE


def test_greetings_and_acknowledgement_only_is_flagged_short():
    check = rc.check_reply(
        TITLE, CONTENT, "网友：您好！您的留言已收悉。感谢您对我们工作的关心和支持！2019年5月6日"
    )
    assert check.codes == ["short"]
    assert check.substance_chars < rc.MIN_SUBSTANCE_CHARS


def test_quoting_the_request_back_is_not_substance():
    reply = f"您好！您反映的“{TITLE}”的问题已收悉，现答复如下：谢谢您的监督。"
    assert "short" in rc.check_reply(TITLE, CONTENT, reply).codes


def test_only_passing_the_matter_on_is_flagged_forward_only():
    check = rc.check_reply(TITLE, CONTENT, "您好，您所反映的问题我办已转交相关部门调查处理，请耐心等待。")
    assert "forward_only" in check.codes


def test_a_substantial_reply_about_another_matter_is_flagged_off_topic():
    reply = (
        "经调查，该企业拖欠的农民工工资共计十二万元，劳动保障监察大队已责令其限期支付，"
        "目前已支付八万元，余款将于月底前付清，逾期将依法移送处理。"
    )
    check = rc.check_reply(TITLE, CONTENT, reply)
    assert check.codes == ["off_topic"]
    assert "路灯" in check.missing_terms
    assert "路灯" in dict(check.flags)["off_topic"]


@pytest.mark.parametrize(
    ("title", "content", "reply"),
    [
        ("", "", ""),
        ("", "", "   \n\u3000 "),
        ("。。。！！", "？？？……", "！！！"),
        ("😀😀", "🙏🙏🙏", "👍"),
        (
            "路燈壞了",
            "張莊村東頭的路燈壞了一個多月，晚上學生回家很危險。",
            "經核實，張莊村東頭路燈已於本週修復，恢復照明。",
        ),
        (
            "Street lamp broken",
            "The street lamp near the school in 张庄村 is broken",
            "We fixed the street lamp 路灯 on Monday.",
        ),
        ("路灯" * 50_000, "坏了" * 50_000, "已修复路灯" * 20_000),
        (None, None, None),
    ],
)
def test_odd_input_gets_an_answer_not_an_exception(title, content, reply):
    check = rc.check_reply(title, content, reply)
    assert isinstance(check.flags, list)
    assert 0.0 <= check.coverage <= 1.0


def test_an_empty_reply_is_flagged_empty_and_a_blank_request_does_not_count_against_the_reply():
    assert rc.check_reply(TITLE, CONTENT, "").codes == ["empty"]
    assert rc.check_reply("", "", GOOD).ok


def test_traditional_and_mixed_english_replies_are_read():
    check = rc.check_reply(
        "路燈壞了",
        "張莊村東頭的路燈壞了一個多月，晚上學生回家很危險。",
        "經核實，張莊村東頭路燈已於本週修復，恢復照明。",
    )
    assert "off_topic" not in check.codes
    english = rc.check_reply(
        "Street lamp broken",
        "The street lamp near the school is broken",
        "We repaired the street lamp near the school.",
    )
    assert english.ok, english.flags


@pytest.mark.skipif(
    not replies_csv().exists(), reason="shared data set teddy2020/messages_with_replies.csv absent"
)
def test_calibration_on_a_slice_of_real_replies_separates_real_from_mismatched():
    with open(replies_csv(), encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [
            (r["留言主题"], r["留言详情"], r["答复意见"]) for _i, r in zip(range(300), reader, strict=False)
        ]
    report = rc.calibrate(rows)
    assert report["n"] == 300
    # Most real replies pass; nearly every reply given to the wrong request is flagged.
    assert report["real_flagged_rate"] < 0.35
    assert report["random_reply_flagged_rate"] > 0.85
    assert report["similar_title_reply_flagged_rate"] > report["real_flagged_rate"]


# --- the fragment on the request page -------------------------------------------------------------------------


@pytest.fixture
def accepted(tree, people):
    p = register(
        people.officer,
        tree.zhangzhuang,
        category=category("chengxiang-road"),
        title=TITLE,
        content=CONTENT,
        level="township",
    )
    return services.petition_accept(actor=people.officer, petition=p, version=p.version)


@pytest.mark.django_db
def test_officer_sees_the_check_while_typing_a_reply(client, people, accepted):
    client.force_login(people.officer)
    url = reverse("textintel:reply_check", args=[accepted.pk])
    page = client.get(reverse("petitions:detail", args=[accepted.pk])).content.decode()
    assert f'hx-post="{url}"' in page
    flagged = client.post(url, {"reply-text": "网友：您好！留言已收悉"})
    assert flagged.status_code == 200
    assert 'data-flagged="1"' in flagged.content.decode() and 'data-code="short"' in flagged.content.decode()
    fine = client.post(url, {"reply-text": GOOD})
    assert 'data-flagged="0"' in fine.content.decode()
    assert client.post(url, {"reply-text": ""}).content.decode().strip() == ""


@pytest.mark.django_db
def test_the_check_is_scoped_like_the_request_page(client, people, accepted):
    url = reverse("textintel:reply_check", args=[accepted.pk])
    assert client.post(url, {"reply-text": GOOD}).status_code == 302  # anonymous: to the login page
    client.force_login(people.outsider)
    assert client.post(url, {"reply-text": GOOD}).status_code == 404
    client.force_login(people.nobody)
    assert client.post(url, {"reply-text": GOOD}).status_code == 404
    client.force_login(people.officer)
    assert client.get(url).status_code == 405
    assert client.post(reverse("textintel:reply_check", args=[accepted.pk + 1000]), {}).status_code == 404


@pytest.mark.django_db
def test_a_village_cadre_who_may_read_but_not_answer_a_township_request_gets_no_check(
    client, people, accepted
):
    client.force_login(people.cadre)
    assert client.get(reverse("petitions:detail", args=[accepted.pk])).status_code == 200
    r = client.post(reverse("textintel:reply_check", args=[accepted.pk]), {"reply-text": GOOD})
    assert r.status_code == 403
