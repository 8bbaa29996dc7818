"""Searching requests: the work list's ?q= through the full-text index, on SQLite and PostgreSQL alike."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from minqing.core import fulltext
from minqing.petitions import selectors
from minqing.petitions.models import Petition
from minqing.petitions.search import PETITIONS

from .factories import register


def found(actor, q: str, **filters) -> list[str]:
    qs = selectors.petition_list(actor=actor, filters=selectors.ListFilters(q=q, **filters))
    return [p.title for p in qs]


@pytest.fixture
def requests(tree, people):
    o = people.officer
    return {
        "dibao": register(o, tree.zhangzhuang, title="申请低保一直没有结果", content="家中老人卧病在床。"),
        "content": register(o, tree.leiji, title="生活困难", content="儿子残疾，想问低保怎么申请。"),
        "light": register(o, tree.zhangzhuang, title="村口没有路灯", content="晚上出行不便，希望安装路灯。"),
        "both": register(o, tree.leiji, title="路灯和低保的问题", content="两件事一起反映。"),
        "other": register(
            o,
            tree.zhangzhuang,
            title="养殖场臭味扰民",
            content="夏天臭味很大。",
            submitter_name="李秀英",
            submitter_phone="13900001234",
        ),
    }


def test_two_character_words_are_found_in_the_title_and_in_the_content(people, requests):
    assert set(found(people.officer, "低保")) == {"申请低保一直没有结果", "生活困难", "路灯和低保的问题"}
    assert found(people.officer, "残疾") == ["生活困难"]


def test_every_word_must_occur(people, requests):
    assert found(people.officer, "路灯 低保") == ["路灯和低保的问题"]
    assert found(people.officer, "路灯 养老") == []


def test_a_longer_word_matches_as_a_phrase_not_as_scattered_characters(people, requests):
    assert found(people.officer, "申请低保") == ["申请低保一直没有结果"]
    assert found(people.officer, "低保申请") == []
    assert found(people.officer, '"低保 怎么"') == ["生活困难"]


def test_a_word_does_not_match_across_punctuation(tree, people):
    register(people.officer, tree.zhangzhuang, title="关于低保，申请复核", content="无")
    assert found(people.officer, "保申") == []


def test_a_single_character_finds_the_words_that_contain_it(people, requests):
    assert set(found(people.officer, "灯")) == {"村口没有路灯", "路灯和低保的问题"}


def test_traditional_and_full_width_queries_find_simplified_text(people, requests):
    assert found(people.officer, "殘疾") == ["生活困难"]


def test_a_title_match_ranks_above_a_match_in_the_content_only(people, requests):
    titles = found(people.officer, "低保")
    assert titles.index("生活困难") == 2  # its 低保 is only in the content


def test_more_occurrences_in_the_same_field_rank_higher(tree, people):
    once = register(
        people.officer, tree.zhangzhuang, title="道路问题", content="路灯坏了，另外还有别的事情要说。"
    )
    twice = register(people.officer, tree.leiji, title="道路问题", content="路灯坏了，路灯一直不亮，路灯。")
    qs = selectors.petition_list(actor=people.officer, filters=selectors.ListFilters(q="路灯"))
    assert [p.pk for p in qs] == [twice.pk, once.pk]


def test_tracking_codes_names_and_phone_tails_are_still_found(people, requests):
    other = requests["other"]
    assert found(people.officer, other.tracking_code) == ["养殖场臭味扰民"]
    code = other.tracking_code
    assert found(people.officer, f"{code[:5]}-{code[5:].lower()}") == ["养殖场臭味扰民"]
    assert found(people.officer, "李秀英") == ["养殖场臭味扰民"]
    assert found(people.officer, "1234") == ["养殖场臭味扰民"]


def test_search_combines_with_the_other_filters(tree, people, requests):
    assert set(found(people.officer, "低保", region=tree.leiji.path)) == {"生活困难", "路灯和低保的问题"}


def test_nothing_outside_the_users_regions_is_found(tree, people, requests):
    register(people.outsider, tree.other_village, title="堌阳的低保问题", content="低保")
    assert found(people.outsider, "低保") == ["堌阳的低保问题"]
    assert found(people.outsider, requests["other"].tracking_code) == []
    assert found(people.outsider, "1234") == []
    assert "堌阳的低保问题" not in found(people.cadre, "低保")
    assert set(found(people.cadre, "低保")) == {"申请低保一直没有结果"}  # 张庄村 only


def test_the_list_page_leaks_nothing_to_an_out_of_region_officer(client, people, requests):
    client.force_login(people.outsider)
    for q in ("低保", "路灯", "1234", requests["other"].tracking_code):
        body = client.get(reverse("petitions:list"), {"q": q}).content.decode()
        assert "没有符合条件的诉求" in body
        for p in requests.values():
            assert f"/petitions/{p.pk}/" not in body and p.title not in body


def test_the_list_page_marks_the_words_in_the_title_and_shows_where_the_content_matched(
    client, people, requests
):
    client.force_login(people.officer)
    body = client.get(reverse("petitions:list"), {"q": "卧病"}).content.decode()
    assert "申请低保一直没有结果" in body and "家中老人<mark>卧病</mark>在床。" in body
    body = client.get(reverse("petitions:list"), {"q": "路灯"}).content.decode()
    assert "村口没有<mark>路灯</mark>" in body


def test_markup_in_a_request_is_escaped_in_the_highlighted_list(client, tree, people):
    register(
        people.officer, tree.zhangzhuang, title="<img src=x onerror=alert(1)>低保", content="<b>低保</b>"
    )
    client.force_login(people.officer)
    body = client.get(reverse("petitions:list"), {"q": "低保"}).content.decode()
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;<mark>低保</mark>" in body
    assert "<b>" not in body and "&lt;b&gt;<mark>低保</mark>&lt;/b&gt;" in body


@pytest.mark.parametrize("q", ['"', "!!!", "*", "“”", "a'b", "NEAR(", "低保 OR", "x" * 200, "\x00低保"])
def test_odd_queries_answer_a_page_and_never_an_error(client, people, requests, q):
    client.force_login(people.officer)
    assert client.get(reverse("petitions:list"), {"q": q}).status_code == 200


def test_a_search_past_the_window_ranks_the_newest_matches_and_says_so(client, tree, people, monkeypatch):
    for i in range(4):
        register(people.officer, tree.zhangzhuang, title=f"低保问题{i}", content="低保")
    newest = Petition.objects.order_by("-pk")[:3]
    monkeypatch.setattr(fulltext, "WINDOW", 3)
    qs = PETITIONS.model.objects.all()
    assert set(PETITIONS.ranked_ids(qs, "低保")) == {p.pk for p in newest}
    client.force_login(people.officer)
    body = client.get(reverse("petitions:list"), {"q": "低保"}).content.decode()
    assert "按相关度列出最近的 3 件" in body and body.count('name="ids"') == 3


def test_rebuild_indexes_rows_written_past_the_services(tree, people):
    p = register(people.officer, tree.zhangzhuang, title="自来水经常停水", content="停水")
    Petition.objects.filter(pk=p.pk).update(title="垃圾清运不及时", content="清运")
    PETITIONS.delete(p.pk)
    assert found(people.officer, "垃圾") == []
    call_command("fulltext_rebuild", "petition", verbosity=0)
    assert found(people.officer, "垃圾") == ["垃圾清运不及时"]
    assert found(people.officer, "停水") == []
