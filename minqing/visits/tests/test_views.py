"""The visit pages as each role and an outsider see them; the JSON answers the phone's script relies on."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from minqing.visits.models import Visit

from .helpers import household, log

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
JSON = {"HTTP_ACCEPT": "application/json"}


def _form(village, **extra):
    data = {
        "village": village.pk,
        "visited_on": TODAY.isoformat(),
        "days": "1",
        "nights": "0",
        "stay_place": "",
        "heard": "群众反映灌溉渠堵了",
        "client_key": "a" * 32,
        "no_households": "on",
    }
    data.update(extra)
    return data


def _jpeg() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    buf.seek(0)
    buf.name = "现场.jpg"
    return buf


def test_the_phone_posts_a_visit_and_a_retry_gets_the_same_entry(client, tree, people):
    h = household(tree.zhangzhuang)
    client.force_login(people.cadre)
    url = reverse("visits:new")
    first = client.post(url, {**_form(tree.zhangzhuang), "households": [h.pk], "photos": _jpeg()}, **JSON)
    assert first.status_code == 200 and first.json()["created"] is True
    again = client.post(url, _form(tree.zhangzhuang, heard="重发"), **JSON)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == first.json()["id"]
    v = Visit.objects.get()
    assert v.heard == "群众反映灌溉渠堵了" and v.photos.count() == 1 and list(v.households.all()) == [h]


def test_a_refused_visit_answers_json_errors_per_field(client, tree, people):
    client.force_login(people.cadre)
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    r = client.post(reverse("visits:new"), _form(tree.zhangzhuang, visited_on=tomorrow, nights="2"), **JSON)
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert "visited_on" in errors and "nights" in errors
    assert not Visit.objects.exists()


def test_a_fake_photo_is_refused_and_nothing_is_written(client, tree, people):
    client.force_login(people.cadre)
    fake = io.BytesIO(b"not really a picture")
    fake.name = "photo.jpg"
    r = client.post(reverse("visits:new"), {**_form(tree.zhangzhuang), "photos": fake}, **JSON)
    assert r.status_code == 400 and "photo.jpg" in str(r.json()["errors"])
    assert not Visit.objects.exists()


def test_without_script_the_form_posts_and_redirects(client, tree, people):
    client.force_login(people.cadre)
    page = client.get(reverse("visits:new"))
    assert page.status_code == 200 and 'name="client_key"' in page.content.decode()
    r = client.post(reverse("visits:new"), _form(tree.zhangzhuang))
    v = Visit.objects.get()
    assert r.status_code == 302 and r.url == reverse("visits:detail", args=[v.pk])


def test_an_entry_with_nobody_ticked_is_refused_with_a_warning_unless_declared(client, tree, people):
    client.force_login(people.cadre)
    data = _form(tree.zhangzhuang)
    del data["no_households"]
    r = client.post(reverse("visits:new"), data, **JSON)
    assert r.status_code == 400 and "本次未走访农户" in r.json()["errors"]["households"][0]
    page = client.post(reverse("visits:new"), data).content.decode()
    assert "没有勾选走访的农户" in page and 'name="no_households"' in page
    assert not Visit.objects.exists()
    r = client.post(reverse("visits:new"), {**data, "no_households": "on"}, **JSON)
    assert r.status_code == 200 and Visit.objects.get().households.count() == 0


def test_the_picker_finds_households_of_the_village_only(client, tree, people):
    mine = household(tree.zhangzhuang, "张建国")
    household(tree.leiji, "张建军")
    client.force_login(people.cadre)
    r = client.get(reverse("visits:household_pick"), {"village": tree.zhangzhuang.pk, "q": "张建"})
    assert [x["id"] for x in r.json()["results"]] == [mine.pk]
    r = client.get(reverse("visits:household_pick"), {"village": tree.leiji.pk, "q": "张建"})
    assert r.json()["results"] == []


def test_pages_render_for_the_township(client, tree, people):
    h = household(tree.zhangzhuang, "张建国", tag="低保户")
    v = log(people.cadre, tree.zhangzhuang, TODAY, households=[h], heard="路灯").visit
    client.force_login(people.leader)
    for name, args, expect in [
        ("visits:compliance", [], "干部下村考核"),
        ("visits:coverage", [], "张庄村"),
        ("visits:village", [tree.zhangzhuang.code], "包村与村干部"),
        ("visits:detail", [v.pk], "路灯"),
        ("visits:rules", [], "下村硬性规定"),
        ("visits:training", [], "干部培训"),
        ("visits:mine", [], "我的下村"),
    ]:
        r = client.get(reverse(name, args=args))
        assert r.status_code == 200, name
        assert expect in r.content.decode(), name
    household_page = client.get(reverse("households:detail", args=[h.pk])).content.decode()
    assert "熟悉该户的干部" in household_page and str(people.cadre) in household_page


def test_an_outsider_finds_nothing_of_the_township(client, tree, people):
    h = household(tree.zhangzhuang)
    v = log(people.cadre, tree.zhangzhuang, TODAY, households=[h]).visit
    client.force_login(people.outsider)
    assert client.get(reverse("visits:detail", args=[v.pk])).status_code == 404
    assert client.get(reverse("visits:village", args=[tree.zhangzhuang.code])).status_code == 404
    for name in ("visits:compliance", "visits:coverage", "visits:training"):
        assert client.get(reverse(name), {"region": tree.township.code}).status_code == 404, name
    assert client.post(reverse("visits:finding", args=[v.pk]), {}).status_code == 404
    r = client.get(reverse("visits:household_pick"), {"village": tree.zhangzhuang.pk})
    assert r.json()["results"] == []


def test_a_cadre_sees_another_cadres_entry_in_the_village_but_cannot_turn_it_into_a_request(
    client, tree, people
):
    v = log(people.liaison, tree.zhangzhuang, TODAY).visit
    client.force_login(people.cadre)
    page = client.get(reverse("visits:detail", args=[v.pk])).content.decode()
    assert f"/visits/{v.pk}/finding/" not in page


def test_only_quota_managers_change_rules(client, tree, people):
    data = {
        "region": tree.township.pk,
        "role": "village_cadre",
        "metric": "village_days",
        "period": "month",
        "target": "8",
        "is_active": "on",
    }
    client.force_login(people.cadre)
    assert client.post(reverse("visits:rules"), data).status_code == 404
    client.force_login(people.leader)
    r = client.post(reverse("visits:rules"), data)
    assert r.status_code == 302
    assert "8" in client.get(reverse("visits:rules")).content.decode()


def test_a_course_is_recorded_from_the_page(client, tree, people):
    client.force_login(people.leader)
    url = reverse("visits:course_new") + f"?region={tree.township.code}"
    r = client.post(
        url,
        {
            "title": "群众路线教育",
            "organiser": "县委党校",
            "held_on": TODAY.isoformat(),
            "hours": "3",
            "topics": ["mass_line"],
            "attendees": [people.cadre.pk],
        },
    )
    assert r.status_code == 302
    assert "群众路线教育" in client.get(reverse("visits:training")).content.decode()
    client.force_login(people.cadre)
    assert client.get(url).status_code == 404


def test_the_menu_leads_cadres_to_their_month(client, tree, people):
    client.force_login(people.cadre)
    assert reverse("visits:mine") in client.get("/").content.decode()


def test_the_home_page_shows_the_cadres_month_and_high_risk_disputes(client, tree, people):
    from minqing.mediation.tests.helpers import dispute

    log(people.cadre, tree.zhangzhuang, TODAY, nights=1)
    d = dispute(people.cadre, tree.zhangzhuang)
    type(d).objects.filter(pk=d.pk).update(risk_level=4)
    client.force_login(people.cadre)
    page = client.get("/").content.decode()
    assert 'id="home-visits"' in page and "住村 1 夜" in page
    assert 'id="home-disputes"' in page and d.title in page
    client.force_login(people.outsider)
    assert d.title not in client.get("/").content.decode()


def test_a_photo_is_shown_to_those_who_see_the_entry_and_to_no_one_else(client, tree, people):
    client.force_login(people.cadre)
    client.post(reverse("visits:new"), {**_form(tree.zhangzhuang), "photos": _jpeg()}, **JSON)
    v = Visit.objects.get()
    url = reverse("visits:photo", args=[v.pk, v.photos.get().pk])
    assert url in client.get(reverse("visits:detail", args=[v.pk])).content.decode()
    r = client.get(url)
    assert (
        r.status_code == 200
        and r["Content-Type"] == "image/jpeg"
        and r["X-Content-Type-Options"] == "nosniff"
    )
    client.force_login(people.leader)
    assert client.get(url).status_code == 200
    client.force_login(people.outsider)
    assert client.get(url).status_code == 404
    client.force_login(people.cadre)
    assert client.get(reverse("visits:photo", args=[v.pk, 999999])).status_code == 404


def test_a_dispute_found_on_a_visit_starts_from_the_visit_and_is_linked_to_it(client, tree, people):
    from minqing.mediation.models import Dispute

    h = household(tree.zhangzhuang, "李四")
    v = log(people.cadre, tree.zhangzhuang, TODAY, households=[h], heard="两家因宅基地边界争吵").visit
    client.force_login(people.cadre)
    url = reverse("visits:dispute_new", args=[v.pk])
    assert url in client.get(reverse("visits:detail", args=[v.pk])).content.decode()
    page = client.get(url).content.decode()
    assert "两家因宅基地边界争吵" in page and f"h:{h.pk}:a" in page
    r = client.post(
        url,
        {
            "region": tree.zhangzhuang.pk,
            "kind": "homestead",
            "title": "宅基地边界纠纷",
            "facts": "两家因宅基地边界争吵",
            "found_on": TODAY.isoformat(),
            "people_involved": 2,
            "risk_level": 1,
            "party": [f"h:{h.pk}:a"],
            "outside_b": "王五",
        },
    )
    assert r.status_code == 302, r.context["form"].errors
    d = Dispute.objects.get(title="宅基地边界纠纷")
    assert v.findings.filter(dispute_id=d.pk).exists()


def test_an_outsider_cannot_turn_someone_elses_visit_into_a_dispute(client, tree, people):
    v = log(people.cadre, tree.zhangzhuang, TODAY).visit
    client.force_login(people.outsider)
    assert client.get(reverse("visits:dispute_new", args=[v.pk])).status_code == 404
    assert client.post(reverse("visits:dispute_new", args=[v.pk]), {"title": "x"}).status_code == 404


def test_county_coverage_leaves_out_townships_without_a_registry(client, tree, people):
    household(tree.zhangzhuang)
    client.force_login(people.supervisor)
    body = client.get(reverse("visits:coverage"), {"region": tree.county.code}).content.decode()
    assert "张庄村" in body and "雷集村" in body
    assert "堌阳村" not in body


def test_township_coverage_keeps_an_empty_village(client, tree, people):
    household(tree.zhangzhuang)
    client.force_login(people.leader)
    body = client.get(reverse("visits:coverage"), {"region": tree.township.code}).content.decode()
    assert "张庄村" in body and "雷集村" in body


def test_on_the_seventh_the_pages_show_running_with_the_pace_and_nobody_walk_in(
    client, tree, people, monkeypatch, settings
):
    from minqing.visits import selectors
    from minqing.visits.models import Metric, Period
    from minqing.visits.services import quota_rule_save

    settings.MINQING_VISIT_BACKDATE_DAYS = 120
    month = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    quota_rule_save(
        actor=people.leader,
        region=tree.township,
        role="village_cadre",
        metric=Metric.VILLAGE_DAYS,
        period=Period.MONTH,
        target=8,
    )
    log(
        people.cadre,
        tree.zhangzhuang,
        month + datetime.timedelta(days=2),
        households=[household(tree.zhangzhuang)],
    )
    monkeypatch.setattr(selectors, "_today", lambda: month.replace(day=7))
    client.force_login(people.leader)
    body = client.get(reverse("visits:compliance"), {"month": month.strftime("%Y-%m")}).content.decode()
    assert "还需下村 7 天" in body and 'data-verdict="running"' in body
    assert "走读</strong>" not in body and "走读 0 名" in body and "进行中 2 名" in body
    client.force_login(people.cadre)
    mine = client.get(reverse("visits:mine"), {"month": month.strftime("%Y-%m")}).content.decode()
    assert "还需下村 7 天" in mine and "本月记为“走读”" not in mine
    monkeypatch.setattr(selectors, "_today", lambda: TODAY)
    client.force_login(people.leader)
    body = client.get(reverse("visits:compliance"), {"month": month.strftime("%Y-%m")}).content.decode()
    assert "走读</strong>" in body and "还需下村" not in body
