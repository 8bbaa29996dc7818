"""The near-duplicate index: written at registration, found at intake and on the request page, scoped."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from minqing.hotspots.models import DupBand
from minqing.hotspots.selectors import similar_text, similar_to_petition
from minqing.hotspots.services import RETAIN_DAYS, dupindex_rebuild, near_duplicates
from minqing.hotspots.text import BANDS
from minqing.petitions.access import petition_q
from minqing.petitions.models import Petition, Status
from minqing.petitions.tests.factories import register

pytestmark = pytest.mark.django_db

ROAD = (
    "我们村东头的道路年久失修，下雨天泥泞不堪，村民出行十分困难，孩子上学要绕很远的路，希望镇里尽快安排修路。"
)
ROAD_EDITED = (
    "我们村东头的道路年久失修，一下雨就泥泞不堪，村民出行十分困难，孩子上学要绕很远的路，希望镇里尽快修路！"
)
DIBAO = "我家的低保去年被取消了，不知道是什么原因，家里老人长期生病，生活很困难，请帮忙查一下。"


def test_registration_writes_one_index_row_per_band(tree, people):
    p = register(people.officer, tree.zhangzhuang, title="修路", content=ROAD)
    rows = DupBand.objects.filter(petition=p)
    assert rows.count() == BANDS
    assert set(rows.values_list("region_path", flat=True)) == {tree.zhangzhuang.path}


def test_an_edited_re_post_is_found_with_its_score_and_an_unrelated_request_is_not(tree, people):
    original = register(people.officer, tree.zhangzhuang, title="修路", content=ROAD)
    register(people.officer, tree.zhangzhuang, title="低保", content=DIBAO, submitter_phone="13700000000")
    hits = near_duplicates(f"修路。{ROAD_EDITED}", region_path=tree.township.path)
    assert [m.petition.pk for m in hits] == [original.pk]
    assert 85 <= hits[0].score <= 100
    assert near_duplicates("村里的路灯坏了三个月，晚上出门很不安全，请尽快维修路灯。") == []


def test_exclude_and_region_limit_the_search(tree, people):
    original = register(people.officer, tree.zhangzhuang, title="修路", content=ROAD)
    assert near_duplicates(f"修路。{ROAD}", exclude=[original.pk]) == []
    assert near_duplicates(f"修路。{ROAD}", region_path=tree.other_township.path) == []


def test_results_are_scoped_to_what_the_actor_may_see(tree, people):
    register(people.officer, tree.zhangzhuang, title="修路", content=ROAD)
    assert similar_text(people.outsider, title="修路", content=ROAD, region_path="") == []
    assert similar_text(people.cadre_leiji, title="修路", content=ROAD, region_path="") == []
    assert len(similar_text(people.cadre, title="修路", content=ROAD, region_path="")) == 1


def test_requests_closed_long_ago_are_ignored_and_dropped_by_the_reindex(tree, people):
    old = register(people.officer, tree.zhangzhuang, title="修路", content=ROAD)
    Petition.objects.filter(pk=old.pk).update(
        status=Status.CLOSED, registered_on=datetime.date.today() - datetime.timedelta(days=RETAIN_DAYS + 10)
    )
    assert near_duplicates(ROAD, visible=petition_q(people.officer)) == []
    _done, dropped = dupindex_rebuild()
    assert dropped == BANDS and not DupBand.objects.filter(petition=old).exists()


def test_reindex_command_backfills_requests_registered_before_the_index_existed(tree, people):
    p = register(people.officer, tree.zhangzhuang, title="修路", content=ROAD)
    DupBand.objects.all().delete()
    call_command("hotspots_reindex", stdout=io.StringIO())
    assert DupBand.objects.filter(petition=p).count() == BANDS
    call_command("hotspots_reindex", stdout=io.StringIO())  # idempotent
    assert DupBand.objects.filter(petition=p).count() == BANDS


def test_intake_hint_shows_text_near_duplicates_beside_the_existing_hints(client, tree, people):
    original = register(people.officer, tree.zhangzhuang, title="修路", content=ROAD)
    client.force_login(people.officer)
    url = reverse("petitions:similar")
    body = client.get(
        url, {"region": tree.zhangzhuang.pk, "title": "路不好走", "content": ROAD_EDITED}
    ).content.decode()
    assert 'data-testid="similar-hint"' in body and original.tracking_code in body
    # The phone hint still works on its own.
    body = client.get(url, {"region": tree.zhangzhuang.pk, "submitter_phone": "13812345678"}).content.decode()
    assert original.tracking_code in body


def test_intake_hint_leaks_nothing_to_an_outsider(client, tree, people):
    original = register(people.officer, tree.zhangzhuang, title="修路", content=ROAD)
    client.force_login(people.outsider)
    body = client.get(reverse("petitions:similar"), {"title": "修路", "content": ROAD}).content.decode()
    assert original.tracking_code not in body


@pytest.mark.parametrize(
    "content",
    [
        "",
        "。。。！！！",
        "😀" * 200,
        "字" * 100_000,
        "上訪問題，請幫忙",
        "the road is broken 修路 please",
        "%00<script>",
    ],
)
def test_intake_hint_survives_bad_input(client, tree, people, content):
    register(people.officer, tree.zhangzhuang, title="修路", content=ROAD)
    client.force_login(people.officer)
    response = client.get(
        reverse("petitions:similar"), {"region": "x", "title": content[:300], "content": content}
    )
    assert response.status_code == 200


def test_registering_odd_text_does_not_fail(tree, people):
    for content in ("😀😀😀", "。。。", "字" * 9_000, "Mixed English 和中文 text"):
        p = register(people.officer, tree.zhangzhuang, title="测试", content=content)
        assert p.pk


def test_request_page_shows_similar_requests_and_keywords(client, tree, people):
    original = register(people.officer, tree.zhangzhuang, title="修路", content=ROAD)
    repost = register(
        people.officer, tree.zhangzhuang, title="修路", content=ROAD_EDITED, submitter_phone="13700000001"
    )
    assert [m.petition.pk for m in similar_to_petition(people.officer, repost)] == [original.pk]
    client.force_login(people.officer)
    body = client.get(reverse("petitions:detail", args=[repost.pk])).content.decode()
    assert 'data-testid="similar-card"' in body
    card = body.split('data-testid="similar-card"')[1]
    assert original.tracking_code in card
    assert "年久失修" in card.split('data-testid="keywords"')[1][:600]
