import datetime

import pytest

from minqing.policies import selectors
from minqing.policies.demo import demo_policies
from minqing.policies.demo_library import LIBRARY
from minqing.policies.models import Category, Policy, PolicyLevel, PolicyVersion, TargetGroup
from minqing.policies.selectors import PolicyFilters, highlight, policy_search, search_terms

from .factories import make_policy

ON = datetime.date(2024, 6, 1)


def _names(hits: list[selectors.PolicyHit]) -> list[str]:
    return [h.policy.name for h in hits]


def test_the_demo_library_has_fifteen_or_more_policies_each_with_its_issuer(library):
    assert library.policies == len(LIBRARY) >= 15
    assert Policy.objects.count() == len(LIBRARY)
    assert not Policy.objects.filter(issuer="").exists()
    # Every one has a 文号 except the county's own, whose notice is not in the library yet.
    assert list(Policy.objects.filter(doc_number="").values_list("name", flat=True)) == ["高龄津贴"]


def test_loading_the_demo_library_again_adds_nothing(library, tree):
    versions = PolicyVersion.objects.count()
    again = demo_policies(county=tree.county, township=tree.township)
    assert (again.policies, again.versions) == (0, 0)
    assert PolicyVersion.objects.count() == versions


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("低保", "最低生活保障（农村低保）"),
        ("残疾", "困难残疾人生活补贴"),
        ("养老", "城乡居民基本养老保险"),
        ("危房", "农村低收入群体等重点对象住房安全保障（农村危房改造）"),
        ("民发〔2021〕57号", "最低生活保障（农村低保）"),
    ],
)
def test_search_finds_two_character_words_and_document_numbers(library, people, word, expected):
    hits = policy_search(actor=people.cadre, q=word, on=ON)
    assert expected in _names(hits)


def test_a_hit_in_the_name_ranks_before_a_hit_in_the_summary(library, people):
    hits = policy_search(actor=people.cadre, q="残疾", on=ON)
    names = _names(hits)
    in_name = [n for n in names if "残疾" in n]
    assert names[: len(in_name)] == in_name
    assert len(names) > len(in_name)  # others mention 残疾 only in their text (特困供养, 危房改造 …)


def test_every_term_must_match(library, people):
    both = _names(policy_search(actor=people.cadre, q="孤儿 残疾", on=ON))
    assert "学前教育幼儿资助" in both  # 家庭经济困难儿童、孤儿和残疾儿童
    assert "孤儿基本生活保障" not in both
    assert "困难残疾人生活补贴" not in both
    assert len(policy_search(actor=people.cadre, q="低保 耕地地力", on=ON)) == 0


def test_highlights_are_escaped_and_marked():
    assert highlight("<b>低保</b> & 低保金", ["低保"]) == (
        "&lt;b&gt;<mark>低保</mark>&lt;/b&gt; &amp; <mark>低保</mark>金"
    )
    # A term never matches inside an escaped entity.
    assert highlight("a & b", ["amp"]) == "a &amp; b"


def test_search_terms_drop_control_characters_duplicates_and_excess():
    assert search_terms("低保\x1b[31m  低保 残疾") == ["低保", "残疾"]
    assert len(search_terms(" ".join(str(i) for i in range(20)))) == selectors.MAX_TERMS


def test_hits_carry_the_version_in_force_on_the_day(library, people):
    hit = next(h for h in policy_search(actor=people.cadre, q="养老保险", on=ON))
    assert hit.version is not None and hit.version.amount_year == 2024
    earlier = next(h for h in policy_search(actor=people.cadre, q="养老保险", on=datetime.date(2023, 6, 1)))
    assert earlier.version is not None and earlier.version.amount_year == 2023


@pytest.mark.parametrize(
    ("filters", "inside", "outside"),
    [
        (PolicyFilters(category=Category.EDUCATION), "普通高中国家助学金", "临时救助"),
        (PolicyFilters(level=PolicyLevel.COUNTY), "高龄津贴", "临时救助"),
        (PolicyFilters(target=TargetGroup.FARMERS), "耕地地力保护补贴", "高龄津贴"),
        (PolicyFilters(in_force=True), "临时救助", "——"),
    ],
)
def test_filters_narrow_the_list(library, people, filters, inside, outside):
    names = _names(policy_search(actor=people.cadre, filters=filters, on=ON))
    assert inside in names and outside not in names


def test_the_in_force_filter_separates_retired_policies(library, people, tree):
    from minqing.policies import services

    keeper = Policy.objects.get(name="临时救助").created_by
    policy = Policy.objects.get(name="临时救助")
    services.policy_retire(actor=keeper, policy=policy, on=datetime.date(2024, 3, 1), reason="测试")
    live = _names(policy_search(actor=people.cadre, filters=PolicyFilters(in_force=True), on=ON))
    gone = _names(policy_search(actor=people.cadre, filters=PolicyFilters(in_force=False), on=ON))
    assert "临时救助" in gone and "临时救助" not in live


def test_a_township_policy_is_not_seen_by_another_township(office, people, tree):
    make_policy(
        office, {"level": PolicyLevel.TOWNSHIP, "region": tree.township, "name": "东坝头镇困难群众慰问金"}
    )
    make_policy(office, {"name": "临时救助"})
    assert _names(policy_search(actor=people.outsider, q="")) == ["临时救助"]
    assert sorted(_names(policy_search(actor=people.cadre, q=""))) == ["东坝头镇困难群众慰问金", "临时救助"]
    # The county's supervisor sees what applies below the county.
    assert len(policy_search(actor=people.supervisor, q="")) == 2
    assert len(policy_search(actor=people.nobody, q="")) == 0


def test_the_public_library_lists_every_policy_without_an_account(library):
    assert len(policy_search(actor=None, q="", public=True, on=ON)) == len(LIBRARY)
    assert len(policy_search(actor=None, q="", on=ON)) == 0  # not public: nobody sees anything


def test_a_page_of_results_loads_its_policies_in_a_fixed_number_of_queries(
    library, django_assert_max_num_queries
):
    results = policy_search(actor=None, q="", public=True, on=ON)
    with django_assert_max_num_queries(3):
        page = results[0:10]
    assert len(page) == 10 and all(h.version is not None for h in page)
