"""Hot spots and warnings: clustering, fast growth, watched phrases, the leader's pages and their scoping."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from minqing.audit.models import AuditEntry
from minqing.hotspots.models import HotSpot, Warning, WarningKind, WarningStatus, WatchedPhrase
from minqing.hotspots.services import cluster_texts, hotspots_compute, watched_phrase_add
from minqing.households.models import DifficultyTag, Household
from minqing.petitions.tests.factories import register

from .helpers import WAGES, burst

pytestmark = pytest.mark.django_db

OTHER = (
    "村里的路灯坏了三个月，晚上出门很不安全。",
    "我家低保被取消了，不知道原因。",
    "邻居家的狗天天晚上叫，影响休息。",
)


def test_clustering_groups_similar_texts_and_counts_the_previous_window():
    title = "工地拖欠农民工工资。"
    clusters = cluster_texts([title + t for t in WAGES] + list(OTHER), previous=[title + WAGES[0], OTHER[1]])
    assert len(clusters) == 1
    assert sorted(clusters[0].members) == list(range(len(WAGES)))
    assert clusters[0].previous == [0]


def test_clustering_survives_empty_and_junk_texts():
    assert cluster_texts(["", "😀", "。。"]) == []
    assert cluster_texts([]) == []


def test_a_fast_growing_cluster_becomes_a_hot_spot_with_a_growth_warning_for_the_township(tree, people):
    members = burst(people.officer, tree.zhangzhuang)
    household = Household.objects.create(
        code="H1", region=tree.zhangzhuang, region_path=tree.zhangzhuang.path
    )
    household.tags.add(
        DifficultyTag.objects.get_or_create(name="低保户", defaults={"applies_to": "household"})[0]
    )
    members[0].household = household
    members[0].save(update_fields=["household"])
    for content in OTHER:
        register(
            people.officer, tree.zhangzhuang, title="其他", content=content, submitter_phone="13611112222"
        )
    run = hotspots_compute()
    assert run.hotspots == 1
    spot = HotSpot.objects.get(is_current=True)
    assert spot.size == len(WAGES) and spot.prev_size == 0 and spot.growth == len(WAGES)
    assert spot.main_village == tree.zhangzhuang and spot.vulnerable == 1 and spot.households == len(WAGES)
    assert "拖欠" in spot.keywords or "工资" in spot.keywords or "农民工" in spot.keywords
    growth = Warning.objects.get(kind=WarningKind.GROWTH)
    assert growth.region_path == tree.township.path and growth.hotspot == spot
    # Recomputing replaces the hot spot but does not repeat the warning.
    hotspots_compute()
    assert Warning.objects.filter(kind=WarningKind.GROWTH).count() == 1
    assert HotSpot.objects.filter(is_current=True).count() == 1


def test_a_steady_cluster_raises_no_growth_warning(tree, people):
    burst(people.officer, tree.zhangzhuang)
    burst(people.officer, tree.zhangzhuang, days_ago=(31, 33, 35, 40, 45), phones_from=100)
    hotspots_compute()
    spot = HotSpot.objects.get(is_current=True)
    assert spot.prev_size >= 4
    assert not Warning.objects.filter(kind=WarningKind.GROWTH).exists()


def test_a_matter_spread_over_villages_is_a_hot_spot_without_a_growth_warning(tree, people):
    members = burst(people.officer, tree.zhangzhuang, days_ago=(0, 1, 2))
    members += burst(people.officer, tree.leiji, days_ago=(3, 4, 5), phones_from=50)
    hotspots_compute()
    spot = HotSpot.objects.get(is_current=True)
    assert spot.size == len(members) and spot.main_village is None and spot.places == 2
    assert not Warning.objects.filter(kind=WarningKind.GROWTH).exists()


def test_a_watched_phrase_raises_a_warning_at_registration_but_an_excluded_context_does_not(tree, people):
    hit = register(people.officer, tree.zhangzhuang, title="讨要工钱", content="再不给钱我们就去堵路。")
    register(people.officer, tree.zhangzhuang, title="集体经济", content="村集体土地承包费怎么分配？")
    warning = Warning.objects.get(kind=WarningKind.PHRASE)
    assert warning.petition == hit and warning.phrase == "堵路" and warning.region_path == tree.township.path


def test_a_township_phrase_applies_only_to_that_township(tree, people):
    watched_phrase_add(actor=people.leader, phrase="修路款", exclusions="", region=tree.township)
    register(people.officer, tree.zhangzhuang, title="修路款", content="修路款去哪了")
    register(people.outsider, tree.other_village, title="修路款", content="修路款去哪了")
    assert list(Warning.objects.values_list("region_path", flat=True)) == [tree.township.path]


def test_hotspot_pages_show_the_leader_the_hot_spot_and_its_requests(client, tree, people):
    members = burst(people.officer, tree.zhangzhuang)
    hotspots_compute()
    spot = HotSpot.objects.get()
    client.force_login(people.leader)
    body = client.get(reverse("hotspots:list")).content.decode()
    assert spot.title in body and 'data-testid="warnings"' in body
    body = client.get(reverse("hotspots:detail", args=[spot.pk])).content.decode()
    assert all(p.tracking_code in body for p in members)
    page = client.get(reverse("petitions:detail", args=[members[0].pk])).content.decode()
    assert 'data-testid="in-hotspot"' in page and reverse("hotspots:detail", args=[spot.pk]) in page
    client.force_login(people.cadre)  # sees the request but not hot spots
    page = client.get(reverse("petitions:detail", args=[members[0].pk])).content.decode()
    assert 'data-testid="in-hotspot"' not in page
    client.force_login(people.leader)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="hotspots-panel"' in home and "热点预警" in home


def test_hotspot_pages_leak_nothing_to_an_outsider_or_a_village_cadre(client, tree, people):
    burst(people.officer, tree.zhangzhuang)
    hotspots_compute()
    spot = HotSpot.objects.get()
    warning = Warning.objects.first()
    client.force_login(people.outsider)
    assert client.get(reverse("hotspots:detail", args=[spot.pk])).status_code == 404
    assert spot.title not in client.get(reverse("hotspots:list")).content.decode()
    url = reverse("hotspots:warning_status", args=[warning.pk])
    assert client.post(url, {"status": "handled"}).status_code == 404
    assert Warning.objects.get(pk=warning.pk).status == WarningStatus.NEW
    assert warning.message not in client.get(reverse("home")).content.decode()
    client.force_login(people.cadre)  # no VIEW_HOTSPOTS
    assert client.get(reverse("hotspots:list")).status_code == 403


def test_the_leader_marks_a_warning_handled_with_an_audit_row(client, tree, people):
    register(people.officer, tree.zhangzhuang, title="讨薪", content="我们要去讨薪")
    warning = Warning.objects.get()
    client.force_login(people.leader)
    response = client.post(
        reverse("hotspots:warning_status", args=[warning.pk]), {"status": "handled", "note": "已约谈包工头"}
    )
    assert response.status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.HANDLED and warning.handled_by == people.leader
    assert AuditEntry.objects.filter(object_type__icontains="warning", actor=people.leader).exists()
    response = client.post(reverse("hotspots:warning_status", args=[warning.pk]), {"status": "bogus"})
    assert response.status_code == 302


def test_watchlist_page_adds_and_toggles_a_township_phrase_and_refuses_bad_ones(client, tree, people):
    client.force_login(people.leader)
    url = reverse("hotspots:watchlist")
    assert "上访" in client.get(url).content.decode()  # seeded, watched everywhere
    client.post(url, {"phrase": "封路", "exclusions": "封路施工", "region": tree.township.pk})
    watched = WatchedPhrase.objects.get(phrase="封路")
    assert watched.region_path == tree.township.path and watched.exclusions == "封路施工"
    body = client.post(
        url, {"phrase": "。。。", "exclusions": "", "region": tree.township.pk}
    ).content.decode()
    assert "请填写关注词" in body
    assert (
        client.post(url, {"phrase": "x", "region": tree.other_township.pk}).status_code == 200
    )  # not offered
    assert not WatchedPhrase.objects.filter(phrase="x").exists()
    client.post(reverse("hotspots:watch_toggle", args=[watched.pk]))
    watched.refresh_from_db()
    assert not watched.is_active
    client.force_login(people.outsider)
    assert client.post(reverse("hotspots:watch_toggle", args=[watched.pk])).status_code == 404
    global_one = WatchedPhrase.objects.get(phrase="上访", region_path="")
    client.force_login(people.leader)
    assert client.post(reverse("hotspots:watch_toggle", args=[global_one.pk])).status_code == 404


def test_compute_command_and_demo_hot_spots(tree, people):
    from minqing.hotspots.demo import demo_hotspots

    run = demo_hotspots(township=tree.township, as_of=datetime.date.today())
    assert run.hotspots >= 1
    assert Warning.objects.filter(kind=WarningKind.GROWTH).exists()
    assert Warning.objects.filter(kind=WarningKind.PHRASE, phrase__in=["堵路", "讨薪"]).exists()
    call_command("hotspots_compute", stdout=io.StringIO())
    assert HotSpot.objects.filter(is_current=True).count() >= 1


def test_schedule_command_queues_the_daily_task(tree):
    call_command("hotspots_schedule", stdout=io.StringIO())
