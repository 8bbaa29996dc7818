"""The public submit page (/p/submit/): a resident files a request from a phone, without an account."""

import datetime
import io
import json
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from minqing.core.tests.images import huge_png
from minqing.petitions.forms.public import form_token
from minqing.petitions.models import Attachment, Channel, HandlingLevel, Petition, ReceptionDay
from minqing.regions.models import Level

from .factories import category

pytestmark = pytest.mark.django_db
SUBMIT = "/p/submit/"


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def form_data(where, **overrides):
    township = where if where.level == Level.TOWNSHIP else where.parent
    data = {
        "township": str(township.pk),
        "region": str(where.pk),
        "category": str(category().pk),
        "title": "村里低保评定不公开",
        "content": "今年低保评定没有张榜公示，希望公开评定结果。",
        "submitter_name": "王秀兰",
        "submitter_phone": "13812345678",
        "address": "张庄村村委会",
        "website": "",
        "ts": form_token(time.time() - 30),
    }
    data.update(overrides)
    return data


def post(client, data, files=(), ip="10.0.0.1"):
    payload = dict(data)
    if files:
        payload["attachments"] = list(files)
    return client.post(SUBMIT, payload, REMOTE_ADDR=ip)


def test_get_asks_for_the_township_first_and_groups_categories_by_parent(client, tree):
    r = client.get(SUBMIT)
    assert r.status_code == 200
    body = r.content.decode()
    assert '<meta name="viewport"' in body
    township_select = re.search(r'<select name="township".*?</select>', body, re.S).group(0)
    assert "东坝头镇" in township_select and "堌阳镇" in township_select
    # No village is offered before its township is chosen: a village's name alone does not say where it is.
    village_select = re.search(r'<select name="region".*?</select>', body, re.S).group(0)
    assert "张庄村" not in village_select and "请先选择乡镇" in village_select
    assert 'name="choose_township"' in body  # the no-script way to fill the village list
    assert '<optgroup label="民政救助">' in body and "低保特困" in body
    assert 'name="website"' in body and 'class="mq-hp"' in body
    assert 'accept="image/jpeg,' in body and "multiple" in body
    # Nothing loads from another host (a random token may well contain the letters "cdn").
    assert not re.search(r'(?:src|href)="(?:https?:)?//', body)


def test_named_submission_with_a_png_and_a_pdf_redirects_to_the_done_page_with_the_code(client, tree):
    files = [
        SimpleUploadedFile("现场照片.png", png_bytes(), "image/png"),
        SimpleUploadedFile("材料.pdf", pdf_bytes(), "application/pdf"),
    ]
    r = post(client, form_data(tree.zhangzhuang), files)
    assert r.status_code == 302 and r["Location"] == reverse("public:done")
    p = Petition.objects.get()
    assert p.channel == Channel.ONLINE and p.submitter_name == "王秀兰" and not p.is_anonymous
    assert p.level == HandlingLevel.VILLAGE and p.region == tree.zhangzhuang
    assert sorted(a.extension for a in p.attachments.all()) == ["pdf", "png"]
    assert p.tracking_code not in r["Location"]
    done = client.get(r["Location"])
    body = done.content.decode()
    assert f"{p.tracking_code[:5]}-{p.tracking_code[5:]}" in body
    assert reverse("public:track_detail", args=[p.pk]) in body
    # The grant from submitting opens the track page straight away.
    assert client.get(reverse("public:track_detail", args=[p.pk])).status_code == 200


def test_publishing_is_off_unless_the_resident_ticks_it(client, tree):
    body = client.get(SUBMIT).content.decode()
    assert 'name="publish"' in body and "checked" not in body.split('name="publish"')[1].split(">")[0]
    assert post(client, form_data(tree.zhangzhuang)).status_code == 302
    assert post(client, form_data(tree.leiji, publish="on"), ip="10.0.0.2").status_code == 302
    assert dict(Petition.objects.values_list("region__name", "publish")) == {"张庄村": False, "雷集村": True}


def test_anonymous_submission_at_the_township_keeps_no_name(client, tree):
    data = form_data(
        tree.township,
        category=str(category("tudi-compensation").pk),
        submitter_name="不该保存的名字",
        is_anonymous="on",
    )
    r = post(client, data, [SimpleUploadedFile("photo.png", png_bytes(), "image/png")])
    assert r.status_code == 302
    p = Petition.objects.get()
    assert p.is_anonymous and p.submitter_name == ""
    assert p.level == HandlingLevel.TOWNSHIP and p.region == tree.township
    assert p.attachments.count() == 1


def test_done_page_without_a_submission_goes_to_the_track_form(client, tree):
    r = client.get(reverse("public:done"))
    assert r.status_code == 302 and r["Location"] == reverse("public:track")


def test_a_file_whose_bytes_do_not_match_its_name_is_refused_nothing_saved_input_kept(client, tree):
    fake = SimpleUploadedFile("photo.jpg", pdf_bytes(), "image/jpeg")
    r = post(client, form_data(tree.zhangzhuang), [fake])
    assert r.status_code == 200
    body = r.content.decode()
    assert "photo.jpg" in body and "内容与文件名不符" in body
    assert "附件需要重新选择" in body
    assert "村里低保评定不公开" in body and "今年低保评定没有张榜公示" in body and "13812345678" in body
    assert f'value="{tree.zhangzhuang.pk}" selected' in body
    assert Petition.objects.count() == 0 and Attachment.objects.count() == 0


def test_missing_fields_are_all_listed_in_the_services_words(client, tree):
    r = post(
        client,
        form_data(
            tree.zhangzhuang,
            region="",
            category="",
            title="",
            content="",
            submitter_name="",
            submitter_phone="",
        ),
    )
    assert r.status_code == 200
    body = r.content.decode()
    for message in (
        "请选择所在村（社区）",
        "请选择诉求分类",
        "请填写标题",
        "请填写诉求内容",
        "请填写姓名，或选择匿名反映",
        "请填写手机号码",
    ):
        assert message in body
    assert Petition.objects.count() == 0


def test_bad_phone_is_refused_clearly(client, tree):
    r = post(client, form_data(tree.zhangzhuang, submitter_phone="12345"))
    assert r.status_code == 200
    assert (
        '<div class="invalid-feedback d-block" role="alert">电话号码无效（12345）。</div>'
        in r.content.decode()
    )
    assert Petition.objects.count() == 0


def test_content_of_100000_characters_is_refused_clearly_not_a_500(client, tree):
    r = post(client, form_data(tree.zhangzhuang, content="长" * 100_000))
    assert r.status_code == 200
    body = r.content.decode()
    assert "诉求内容最多 10000 个字，现有 100000 个字" in body
    assert Petition.objects.count() == 0


def test_honeypot_filled_is_rejected_without_saving(client, tree):
    r = post(client, form_data(tree.zhangzhuang, website="http://spam.example"))
    assert r.status_code == 400
    assert "提交未成功" in r.content.decode()
    assert Petition.objects.count() == 0


def test_too_fast_submit_is_rejected_and_input_kept(client, tree):
    r = post(client, form_data(tree.zhangzhuang, ts=form_token()))
    assert r.status_code == 400
    body = r.content.decode()
    assert "提交太快了" in body and "村里低保评定不公开" in body
    assert Petition.objects.count() == 0


@pytest.mark.parametrize("ts", ["", "forged", "stale"])
def test_missing_forged_or_stale_form_token_is_rejected(client, tree, ts):
    if ts == "stale":
        ts = form_token(time.time() - 3 * 3600)
    r = post(client, form_data(tree.zhangzhuang, ts=ts))
    assert r.status_code == 400 and "失效" in r.content.decode()
    assert Petition.objects.count() == 0


def test_rate_limit_per_ip(client, tree, settings):
    settings.MINQING_PUBLIC_SUBMIT_PER_HOUR = 2
    for i in range(2):
        assert post(client, form_data(tree.zhangzhuang, submitter_phone=f"1381234000{i}")).status_code == 302
    r = post(client, form_data(tree.zhangzhuang, submitter_phone="13812340009"))
    assert r.status_code == 429
    body = r.content.decode()
    assert "提交过于频繁" in body and "每小时最多提交 2 件" in body
    assert "村里低保评定不公开" in body  # the form is still there with what was typed
    assert Petition.objects.count() == 2
    # Another network is not affected.
    assert (
        post(client, form_data(tree.zhangzhuang, submitter_phone="13812340009"), ip="10.0.0.2").status_code
        == 302
    )


def test_rate_limit_per_phone_across_networks(client, tree, settings):
    settings.MINQING_PUBLIC_SUBMIT_PER_HOUR = 2
    for i in range(2):
        assert post(client, form_data(tree.zhangzhuang), ip=f"10.0.1.{i}").status_code == 302
    # The same number written differently is still the same phone.
    r = post(client, form_data(tree.zhangzhuang, submitter_phone="+86 138 1234 5678"), ip="10.0.1.9")
    assert r.status_code == 429 and "提交过于频繁" in r.content.decode()
    assert Petition.objects.count() == 2


def test_an_anonymous_post_of_a_png_of_thirty_thousand_pixels_square_is_refused_not_a_500(client, tree):
    big = SimpleUploadedFile("照片.png", huge_png(30_000, 30_000), "image/png")
    r = post(client, form_data(tree.zhangzhuang, submitter_name="", is_anonymous="on"), [big])
    assert r.status_code == 200
    body = r.content.decode()
    assert "附件“照片.png”图片尺寸过大" in body and "村里低保评定不公开" in body
    assert Petition.objects.count() == 0 and Attachment.objects.count() == 0


def test_refused_submissions_count_toward_the_limit_of_the_network(client, tree, settings):
    settings.MINQING_PUBLIC_SUBMIT_PER_HOUR = 2
    for _i in range(2):
        big = SimpleUploadedFile("照片.png", huge_png(30_000, 30_000), "image/png")
        assert "图片尺寸过大" in post(client, form_data(tree.zhangzhuang), [big]).content.decode()
    r = post(client, form_data(tree.zhangzhuang), [SimpleUploadedFile("a.png", png_bytes(), "image/png")])
    assert r.status_code == 429 and "提交过于频繁" in r.content.decode()
    assert "村里低保评定不公开" in r.content.decode()  # what was typed is kept
    assert Petition.objects.count() == 0


def test_control_characters_from_the_public_form_are_removed_before_they_are_stored(client, tree):
    data = form_data(
        tree.zhangzhuang,
        title="\x1b[31m低保\x07评定\u202e不公开\x00",
        content="第一段\x1b[2J\r\n\t第二段\u2066内容\u2069",
        submitter_name="王\u202e秀兰",
        address="张庄村\x00村委会",
    )
    assert post(client, data).status_code == 302
    p = Petition.objects.get()
    assert (p.title, p.submitter_name, p.address) == ("低保评定不公开", "王秀兰", "张庄村村委会")
    assert p.content == "第一段\n\t第二段内容"


def test_a_title_made_only_of_control_characters_counts_as_missing(client, tree):
    r = post(client, form_data(tree.zhangzhuang, title="\u202e\x1b[0m\x07"))
    assert r.status_code == 200 and Petition.objects.count() == 0
    assert "标题" in r.content.decode()


def test_landing_and_reception_pages_show_upcoming_public_reception_days(client, tree, people):
    today = datetime.date.today()
    common = {
        "region": tree.township,
        "leader": people.leader,
        "start_time": datetime.time(9, 0),
        "end_time": datetime.time(11, 30),
    }
    ReceptionDay.objects.create(
        **common,
        leader_title="党委书记",
        date=today + datetime.timedelta(days=3),
        place="镇信访接待室",
        topics="土地征收",
    )
    ReceptionDay.objects.create(
        **common, date=today + datetime.timedelta(days=4), place="内部会议", is_public=False
    )
    ReceptionDay.objects.create(**common, date=today - datetime.timedelta(days=1), place="已过去")
    for url in ("/p/", "/p/reception/"):
        body = client.get(url).content.decode()
        assert "镇信访接待室" in body and "党委书记" in body and "土地征收" in body and "09:00" in body
        assert people.leader.display_name in body
        assert "内部会议" not in body and "已过去" not in body
    landing = client.get("/p/").content.decode()
    assert "我要反映" in landing and "查询进展" in landing


# --- Township first, then its villages -------------------------------------------------------------------------


def test_choosing_a_township_without_a_script_offers_its_villages_and_keeps_what_was_typed(client, tree):
    from minqing.core.tests.factories import region as make_region

    make_region("410225101201", "张庄村", Level.VILLAGE, tree.other_township)  # the same name elsewhere
    data = form_data(tree.zhangzhuang, region="", choose_township="选定乡镇")
    r = post(client, data)
    assert r.status_code == 200
    body = r.content.decode()
    village_select = re.search(r'<select name="region".*?</select>', body, re.S).group(0)
    assert f'value="{tree.zhangzhuang.pk}"' in village_select and "雷集村" in village_select
    assert "堌阳村" not in village_select and village_select.count("张庄村") == 1
    assert "村里低保评定不公开" in body and "王秀兰" in body  # nothing typed is lost
    assert "invalid-feedback" not in body  # choosing a township is not a failed submission
    assert Petition.objects.count() == 0


def test_a_village_of_another_township_is_refused_and_nothing_is_saved(client, tree):
    data = form_data(tree.zhangzhuang, township=str(tree.other_township.pk))
    r = post(client, data)
    assert r.status_code == 200
    assert "所选村（社区）不属于该乡镇" in r.content.decode()
    assert Petition.objects.count() == 0


def test_no_township_is_asked_for_in_plain_words(client, tree):
    r = post(client, form_data(tree.zhangzhuang, township="", region=""))
    assert r.status_code == 200 and "请选择所在乡镇" in r.content.decode()
    assert Petition.objects.count() == 0


def test_the_page_carries_every_townships_villages_for_the_script(client, tree):
    body = client.get(SUBMIT).content.decode()
    data = json.loads(
        re.search(r'<script id="village-data" type="application/json">(.*?)</script>', body).group(1)
    )
    assert [row[1] for row in data[str(tree.township.pk)]] == ["东坝头镇（乡镇本级）", "雷集村", "张庄村"]
    assert [row[1] for row in data[str(tree.other_township.pk)]] == ["堌阳镇（乡镇本级）", "堌阳村"]


def test_the_done_and_track_pages_show_the_full_place(client, tree):
    r = post(client, form_data(tree.zhangzhuang))
    assert r.status_code == 302
    done = client.get(r["Location"]).content.decode()
    assert re.search(r'data-testid="place">东坝头镇 · 张庄村<', done)
    p = Petition.objects.get()
    track = client.get(reverse("public:track_detail", args=[p.pk])).content.decode()
    assert re.search(r'data-testid="place">东坝头镇 · 张庄村', track)


def test_the_answer_waits_for_nothing_but_the_request_and_the_rest_is_queued_with_it(client, tree, settings):
    """The resident gets the tracking code once the request, its event and audit row are written; the duplicate
    index and the message to the resident are queued in the same transaction and done by the worker."""
    from django_tasks_db.models import DBTaskResult

    from minqing.core.models import Notification
    from minqing.hotspots.models import DupBand
    from minqing.petitions.followups import registered_followups

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    r = post(client, form_data(tree.zhangzhuang))
    assert r.status_code == 302 and r["Location"] == reverse("public:done")
    p = Petition.objects.get()
    assert not Notification.objects.exists() and not DupBand.objects.exists()
    (queued,) = DBTaskResult.objects.filter(task_path=registered_followups.module_path)
    assert queued.args_kwargs["args"] == [p.pk]

    assert registered_followups.call(p.pk) is True  # what the worker does
    assert DupBand.objects.filter(petition=p).exists()
    (message,) = Notification.objects.all()
    assert message.to == "13812345678" and p.tracking_code in message.body


def test_the_followups_of_a_request_deleted_meanwhile_do_nothing(tree):
    from minqing.petitions.followups import registered_followups

    assert registered_followups.call(987654) is False
