"""The public track page (/p/track/): code + phone tail, the public timeline, rating, reopen, 复查/复核."""

import re
import time

import pytest
from django.urls import reverse

from minqing.petitions import services
from minqing.petitions.forms.public import form_token
from minqing.petitions.models import EventKind, HandlingLevel, Petition, Satisfaction, Stage, Status

from .factories import category, register

pytestmark = pytest.mark.django_db
TRACK = "/p/track/"
PHONE = "13812345678"


def township_matter(tree, **overrides):
    return register(None, tree.zhangzhuang, category=category("tudi-compensation"), **overrides)


def replied(tree, people, text="补偿款已按标准发放，明细见村务公开栏。"):
    p = township_matter(tree)
    p = services.petition_accept(actor=people.officer, petition=p, version=p.version)
    return services.petition_reply(actor=people.officer, petition=p, version=p.version, text=text)


def open_track(client, p, tail=PHONE[-4:]):
    r = client.post(TRACK, {"code": p.tracking_code, "tail": tail})
    assert r.status_code == 302, r.content.decode()[:2000]
    return client.get(r["Location"])


def normalized(body: str) -> str:
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", body)
    return re.sub(r'name="(code|tail)"([^>]*?)value="[^"]*"', r'name="\1"\2value="X"', body)


def test_track_form_page(client):
    r = client.get(TRACK)
    assert r.status_code == 200
    assert 'name="code"' in r.content.decode() and 'name="tail"' in r.content.decode()


def test_found_by_code_and_tail_shows_the_request_without_the_code_in_the_url(client, tree, people):
    p = township_matter(tree)
    services.petition_accept(actor=people.officer, petition=p, version=p.version, note="内部：先核实补偿名单")
    grouped = f"{p.tracking_code[:5]}-{p.tracking_code[5:].lower()}"  # as a person might type it
    r = client.post(TRACK, {"code": grouped, "tail": "5678"})
    assert r.status_code == 302
    assert p.tracking_code not in r["Location"] and r["Location"] == reverse(
        "public:track_detail", args=[p.pk]
    )
    body = client.get(r["Location"]).content.decode()
    assert p.title in body and "征地补偿" in body and "办理中" in body and "乡镇" in body
    assert "已受理，将于" in body  # the public note of acceptance
    assert "内部：先核实补偿名单" not in body  # never internal notes
    assert "officer" not in body  # never staff names: the level instead
    assert "乡镇工作人员" in body
    assert "138****5678" in body and PHONE not in body


def test_the_detail_url_without_a_grant_reveals_nothing(client, tree):
    p = township_matter(tree)
    r = client.get(reverse("public:track_detail", args=[p.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("public:track")
    assert p.title not in client.get(TRACK).content.decode()
    r = client.post(reverse("public:rate", args=[p.pk]), {"satisfaction": "satisfied"})
    assert r.status_code == 302 and r["Location"] == reverse("public:track")


def test_forged_code_and_wrong_tail_get_identical_answers(client, tree):
    p = township_matter(tree)
    forged = client.post(TRACK, {"code": "ABCDE-FGHJK", "tail": "5678"})
    wrong_tail = client.post(TRACK, {"code": p.tracking_code, "tail": "0000"})
    assert forged.status_code == wrong_tail.status_code == 200
    assert "未找到" in forged.content.decode()
    assert normalized(forged.content.decode()) == normalized(wrong_tail.content.decode())
    assert p.title not in wrong_tail.content.decode()


def test_malformed_tail_is_asked_again(client, tree):
    r = client.post(TRACK, {"code": "ABCDEFGHJK", "tail": "56"})
    assert r.status_code == 200 and "请填写手机号的后 4 位数字" in r.content.decode()


def test_track_is_rate_limited_per_ip(client, tree, settings):
    settings.MINQING_PUBLIC_TRACK_PER_HOUR = 3
    p = township_matter(tree)
    for _i in range(3):
        assert client.post(TRACK, {"code": "ABCDEFGHJK", "tail": "1234"}).status_code == 200
    r = client.post(TRACK, {"code": p.tracking_code, "tail": "5678"})  # even the right answer now waits
    assert r.status_code == 429
    assert "查询过于频繁" in r.content.decode() and p.title not in r.content.decode()
    r = client.post(TRACK, {"code": p.tracking_code, "tail": "5678"}, REMOTE_ADDR="10.9.9.9")
    assert r.status_code == 302


def test_wrong_tails_from_many_addresses_stop_the_code_even_for_the_right_tail(client, tree, settings):
    settings.MINQING_PUBLIC_TRACK_PER_CODE_PER_HOUR = 5
    p = township_matter(tree)
    for i in range(5):  # five addresses, under the per-address limit each
        r = client.post(TRACK, {"code": p.tracking_code, "tail": f"000{i}"}, REMOTE_ADDR=f"10.0.0.{i}")
        assert r.status_code == 200 and "未找到" in r.content.decode()
    r = client.post(TRACK, {"code": p.tracking_code, "tail": "5678"}, REMOTE_ADDR="10.0.0.99")
    assert r.status_code == 429 and "查询已暂停" in r.content.decode()
    assert p.title not in r.content.decode()
    r = client.get(reverse("public:track_detail", args=[p.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("public:track")


def test_right_tails_do_not_use_up_the_codes_allowance(client, tree, settings):
    settings.MINQING_PUBLIC_TRACK_PER_CODE_PER_HOUR = 2
    p = township_matter(tree)
    for _i in range(6):
        assert client.post(TRACK, {"code": p.tracking_code, "tail": "5678"}).status_code == 302
    assert client.post(TRACK, {"code": p.tracking_code, "tail": "0000"}).status_code == 200
    assert client.post(TRACK, {"code": p.tracking_code, "tail": "5678"}).status_code == 302


def test_a_code_under_attack_is_audited_once_on_its_request_and_a_forged_one_too(client, tree, settings):
    from minqing.audit.models import Action, AuditEntry

    settings.MINQING_PUBLIC_TRACK_PER_CODE_PER_HOUR = 2
    p = township_matter(tree)
    for i in range(6):
        client.post(TRACK, {"code": p.tracking_code, "tail": f"100{i}"}, REMOTE_ADDR=f"10.1.0.{i}")
        client.post(TRACK, {"code": "ABCDE-FGHJK", "tail": f"100{i}"}, REMOTE_ADDR=f"10.2.0.{i}")
    rows = list(AuditEntry.objects.filter(action=Action.LOCKOUT).order_by("pk"))
    assert len(rows) == 2
    on_request, forged = rows
    assert on_request.object_id == str(p.pk) and on_request.region_path == p.region_path
    assert p.tracking_code in on_request.note and on_request.ip == "10.1.0.2"
    assert forged.object_id == "" and forged.object_repr == "ABCDEFGHJK"


def test_script_in_title_content_and_name_is_rendered_escaped(client, tree):
    evil = "<script>alert(1)</script>"
    data = {
        "township": str(tree.township.pk),
        "region": str(tree.zhangzhuang.pk),
        "category": str(category().pk),
        "title": f"标题{evil}",
        "content": f"内容{evil}<img src=x onerror=alert(2)>",
        "submitter_name": f"名{evil}"[:50],
        "submitter_phone": PHONE,
        "ts": form_token(time.time() - 30),
    }
    assert client.post("/p/submit/", data).status_code == 302
    p = Petition.objects.get()
    assert evil in p.title  # stored as typed…
    body = open_track(client, p).content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body  # …shown as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert body.count("&lt;script&gt;") >= 3  # title, content, name


def test_rating_flow_replied_to_rated(client, tree, people):
    p = replied(tree, people)
    body = open_track(client, p).content.decode()
    assert "补偿款已按标准发放" in body and "请评价本次答复" in body
    assert "满意" in body and "基本满意" in body and "不满意" in body
    detail = reverse("public:track_detail", args=[p.pk])
    # Missing choice: asked again, nothing recorded.
    r = client.post(reverse("public:rate", args=[p.pk]), {"comment": "还行"})
    assert r.status_code == 200 and "请选择满意、基本满意或不满意" in r.content.decode()
    r = client.post(reverse("public:rate", args=[p.pk]), {"satisfaction": "basic", "comment": "基本解决"})
    assert r.status_code == 302 and r["Location"] == detail
    p.refresh_from_db()
    assert p.satisfaction == Satisfaction.BASIC and p.rated_at is not None
    body = client.get(detail).content.decode()
    assert "感谢您的评价" in body and "诉求人评价：基本满意" in body
    assert "请评价本次答复" not in body and "要求重新办理" not in body
    # While it is still REPLIED the service lets the person change their mind (the page no longer offers it).
    r = client.post(reverse("public:rate", args=[p.pk]), {"satisfaction": "satisfied"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.satisfaction == Satisfaction.SATISFIED


def test_rating_after_closure_is_refused_clearly(client, tree, people):
    p = replied(tree, people)
    open_track(client, p)
    p = services.petition_follow_up(
        actor=people.officer, petition=p, version=p.version, method="phone", satisfaction="satisfied"
    )
    services.petition_close(
        actor=people.officer,
        petition=p,
        version=p.version,
        judgements=services.Judgements(False, True, True, True, HandlingLevel.TOWNSHIP),
    )
    r = client.post(reverse("public:rate", args=[p.pk]), {"satisfaction": "unsatisfied"})
    assert r.status_code == 200 and "不能进行此操作" in r.content.decode()


def test_unsatisfied_then_reopen(client, tree, people):
    p = replied(tree, people)
    open_track(client, p)
    r = client.post(
        reverse("public:rate", args=[p.pk]), {"satisfaction": "unsatisfied", "comment": "标准太低"}
    )
    assert r.status_code == 302
    body = client.get(r["Location"]).content.decode()
    assert "要求重新办理" in body and "申请复查" in body
    # A reason is needed.
    r = client.post(reverse("public:reopen", args=[p.pk]), {"reopen-reason": "  "})
    assert r.status_code == 200 and "请说明需要重新办理的原因" in r.content.decode()
    r = client.post(reverse("public:reopen", args=[p.pk]), {"reopen-reason": "补偿面积算少了"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.status == Status.ACCEPTED and p.reopen_count == 1
    body = client.get(r["Location"]).content.decode()
    assert "已提出重新办理" in body and "重新办理，将于" in body
    assert "补偿面积算少了" not in body  # the reason is for the handlers, not the public timeline
    assert p.events.filter(kind=EventKind.REOPENED, note="补偿面积算少了").exists()


def test_unsatisfied_then_review_moves_up_a_level(client, tree, people):
    p = replied(tree, people)
    open_track(client, p)
    client.post(reverse("public:rate", args=[p.pk]), {"satisfaction": "unsatisfied"})
    r = client.post(reverse("public:review", args=[p.pk]), {"review-reason": "对补偿标准不服"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.stage == Stage.REVIEW and p.level == HandlingLevel.COUNTY
    body = client.get(r["Location"]).content.decode()
    assert "已提交复查申请" in body and "县及以上" in body


def test_review_after_rereview_is_refused_with_the_reason_and_the_input_kept(client, tree, people):
    p = replied(tree, people)
    p = services.petition_request_review(actor=None, petition=p, reason="标准过低")
    p.level, p.handler_path = HandlingLevel.TOWNSHIP, tree.township.path  # stand in for the county's answer
    p.save()
    p = services.petition_reply(actor=people.officer, petition=p, version=p.version, text="维持原答复。")
    p = services.petition_request_review(actor=None, petition=p, reason="仍不服")
    p.handler_path = tree.township.path
    p.save()
    p = services.petition_reply(actor=people.officer, petition=p, version=p.version, text="复核维持。")
    assert p.stage == Stage.REREVIEW
    open_track(client, p)
    client.post(reverse("public:rate", args=[p.pk]), {"satisfaction": "unsatisfied"})
    body = client.get(reverse("public:track_detail", args=[p.pk])).content.decode()
    assert "申请复核" in body
    r = client.post(reverse("public:review", args=[p.pk]), {"review-reason": "还是不服，再申请"})
    assert r.status_code == 200
    body = r.content.decode()
    assert "不再受理" in body and "信访工作条例" in body
    assert "还是不服，再申请" in body
    p.refresh_from_db()
    assert p.stage == Stage.REREVIEW and p.status == Status.REPLIED
