"""The intake hint and the request page's 相似诉求 box are one selector: for the same request they say the same."""

import re

import pytest
from django.urls import reverse

from minqing.petitions import selectors

from .factories import register

pytestmark = pytest.mark.django_db

TITLE = "工地拖欠农民工工资"
STORIES = [
    "我在镇东建筑工地干了四个月，包工头一直不结账。",
    "去年冬天在砖厂打工，老板跑了，工钱没拿到。",
    "小工程队欠我们八个人的钱，说等开发商付款。",
    "在养殖场干活半年，场主只给了生活费。",
    "装修队老板说甲方没给钱，所以不给我们发工资。",
]


def _codes(html: str, marker: str) -> set[str]:
    part = html.split(marker, 1)[1].split("</ul>", 1)[0]
    return set(re.findall(r'data-code="([^"]+)"', part))


def test_identical_titles_with_different_stories_are_similar_on_both_pages(client, tree, people):
    earlier = [
        register(
            people.officer, tree.zhangzhuang, title=TITLE, content=story, submitter_phone=f"1390000000{i}"
        )
        for i, story in enumerate(STORIES[:4])
    ]
    client.force_login(people.officer)
    # What the officer saw while typing the request, then the request's page once it is registered.
    hint = client.post(
        reverse("petitions:similar"), {"region": tree.leiji.pk, "title": TITLE, "content": STORIES[4]}
    ).content.decode()
    shown = register(
        people.officer, tree.leiji, title=TITLE, content=STORIES[4], submitter_phone="13911112222"
    )
    page = client.get(reverse("petitions:detail", args=[shown.pk])).content.decode()
    expected = {p.tracking_code for p in earlier}
    assert _codes(hint, 'data-testid="similar-requests"') == expected
    assert _codes(page, 'data-testid="similar-requests"') == expected
    assert "标题相同" in page and "没有相近的诉求" not in page


def test_the_request_page_answers_what_the_intake_hint_said(tree, people):
    first = register(people.officer, tree.zhangzhuang, title="低保", content=STORIES[0])
    second = register(people.officer, tree.zhangzhuang, title="另一件事", content=STORIES[1])
    # Same phone and same village and category (the factory's): both hints name the other request.
    hint = selectors.petition_list_similar(
        actor=people.officer,
        region_path=second.region_path,
        category=second.category,
        phone=second.submitter_phone,
        title=second.title,
        content=second.content,
        exclude=second.pk,
    )
    page = selectors.petition_list_similar_to(actor=people.officer, petition=second)
    assert [s.petition.pk for s in hint] == [s.petition.pk for s in page] == [first.pk]
    assert set(page[0].reasons) == {"同一电话", "同村同类"}


def test_an_outsider_sees_no_similar_request_of_another_township(client, tree, people):
    register(people.officer, tree.zhangzhuang, title=TITLE, content=STORIES[0])
    client.force_login(people.outsider)
    hint = client.post(
        reverse("petitions:similar"), {"region": tree.other_village.pk, "title": TITLE, "content": STORIES[1]}
    ).content.decode()
    assert "similar-requests" not in hint
    mine = register(people.outsider, tree.other_village, title=TITLE, content=STORIES[1])
    page = client.get(reverse("petitions:detail", args=[mine.pk])).content.decode()
    assert "没有相近的诉求" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_the_browser_the_intake_hint_and_the_request_page_list_the_same_requests(
    browser_page, tree, people
):
    from minqing.core.tests.browser import login, shot

    earlier = [
        register(
            people.officer, tree.zhangzhuang, title=TITLE, content=story, submitter_phone=f"1390000000{i}"
        )
        for i, story in enumerate(STORIES[:4])
    ]
    shown = register(
        people.officer, tree.zhangzhuang, title=TITLE, content=STORIES[4], submitter_phone="13911112222"
    )
    page = browser_page
    login(page, "officer")
    page.goto(page.base_url + "/petitions/new/")
    page.select_option("#id_region", label="东坝头镇 · 张庄村")
    page.fill("#id_title", TITLE)
    page.locator("#id_title").blur()
    hint = page.locator("[data-testid=similar-hint] li")
    hint.first.wait_for()
    typed = {c for c in hint.evaluate_all("els => els.map(e => e.dataset.code)")}
    assert typed == {p.tracking_code for p in [*earlier, shown]}
    page.goto(page.base_url + f"/petitions/{shown.pk}/")
    box = page.locator("[data-testid=similar-card] li")
    listed = {c for c in box.evaluate_all("els => els.map(e => e.dataset.code)")}
    assert listed == {p.tracking_code for p in earlier}
    assert "标题相同" in page.inner_text("[data-testid=similar-card]")
    shot(page, "petition-similar-box")
