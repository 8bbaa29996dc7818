"""Where officers meet the suggestions: the intake fragment, the intake itself, the REST API, Open311, the admin."""

import pytest
from django.test import Client
from django.urls import reverse

from minqing.petitions.models import Petition
from minqing.petitions.tests.factories import category
from minqing.textintel import engine
from minqing.textintel.models import SuggestionLog, TextModel

from .factories import store

pytestmark = pytest.mark.django_db

POLLUTION = {"title": "关于工厂排污的问题", "content": "工厂排污，污水排放到河里，臭气熏天"}


@pytest.fixture(autouse=True)
def _fresh_engine():
    engine.clear()
    yield
    engine.clear()


def test_officer_gets_the_suggestion_above_the_threshold_that_selects_a_leaf_category(client, tree, people):
    store()
    client.force_login(people.cadre)
    response = client.get(reverse("textintel:suggest"), POLLUTION)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("data-pick-category=") == 1
    assert f'data-pick-category="{category("huanbao-pollution").pk}"' in body
    assert "%" in body


@pytest.mark.parametrize("threshold", [0.999, None])
def test_below_the_threshold_or_uncalibrated_the_form_asks_for_a_manual_choice(
    client, tree, people, threshold
):
    store(threshold=threshold)
    client.force_login(people.cadre)
    body = client.get(reverse("textintel:suggest"), POLLUTION).content.decode()
    assert "data-pick-category" not in body and "请人工选择" in body and 'data-abstained="1"' in body
    assert "请人工选择" not in client.get(reverse("textintel:suggest"), {"content": ""}).content.decode()
    public = client.get(reverse("textintel:suggest_public"), POLLUTION).content.decode()
    assert "data-pick-category" not in public and 'data-abstained="1"' in public
    data = (
        api_client_for(people.cadre)
        .post("/api/v1/suggest-category", POLLUTION, content_type="application/json")
        .json()
    )
    assert data["suggestions"] == [] and data["abstained"] is True and data["threshold"] == threshold


def test_suggestion_fragment_is_empty_for_empty_or_meaningless_text_and_without_a_model(client, tree, people):
    client.force_login(people.cadre)
    assert "data-pick-category" not in client.get(reverse("textintel:suggest"), POLLUTION).content.decode()
    store()
    for text in ["", "！！！", "😀😀😀"]:
        response = client.get(reverse("textintel:suggest"), {"title": "", "content": text})
        assert response.status_code == 200 and "data-category-suggest" not in response.content.decode()
    response = client.get(reverse("textintel:suggest"), {"title": "", "content": "字" * 30_000})
    assert response.status_code == 200 and "data-category-suggest" in response.content.decode()


def test_suggestion_fragment_needs_login_and_the_right_to_register(client, tree, people):
    store()
    response = client.get(reverse("textintel:suggest"), POLLUTION)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(people.nobody)
    assert client.get(reverse("textintel:suggest"), POLLUTION).status_code == 403
    client.force_login(people.sysadmin)  # 三员分立: configuration, not casework
    assert client.get(reverse("textintel:suggest"), POLLUTION).status_code == 403


def test_outsider_gets_categories_only_nothing_of_another_township(client, tree, people):
    store()
    client.force_login(people.officer)
    client.post(
        reverse("petitions:intake"),
        {"channel": "visit", "region": tree.zhangzhuang.pk, "category": category("huanbao-pollution").pk,
         "title": "东坝头张庄化工厂排污", "content": "张庄化工厂排污", "urgency": "normal",
         "submitter_name": "王五", "submitter_phone": "13700001234"},
    )  # fmt: skip
    client.force_login(people.outsider)
    body = client.get(reverse("textintel:suggest"), {"title": "化工厂排污", "content": ""}).content.decode()
    assert "data-pick-category" in body
    assert "张庄" not in body and "东坝头" not in body and "王五" not in body


def test_intake_page_fetches_suggestions_and_registering_records_the_choice(client, tree, people):
    store()
    client.force_login(people.cadre)
    page = client.get(reverse("petitions:intake")).content.decode()
    assert reverse("textintel:suggest") in page and "textintel/suggest.js" in page
    response = client.post(
        reverse("petitions:intake"),
        {"channel": "visit", "region": tree.zhangzhuang.pk, "category": category("huanbao-pollution").pk,
         "urgency": "normal", "submitter_name": "王五", "submitter_phone": "13700001234", **POLLUTION},
    )  # fmt: skip
    assert response.status_code == 302
    log = SuggestionLog.objects.get()
    assert log.petition == Petition.objects.get() and log.accepted and log.model_version == 1


def test_intake_still_works_when_the_active_model_is_broken(client, tree, people):
    store(version=1, data=b"broken")
    client.force_login(people.cadre)
    assert client.get(reverse("textintel:suggest"), POLLUTION).status_code == 200
    response = client.post(
        reverse("petitions:intake"),
        {"channel": "visit", "region": tree.zhangzhuang.pk, "category": category("huanbao-pollution").pk,
         "urgency": "normal", "submitter_name": "王五", "submitter_phone": "13700001234", **POLLUTION},
    )  # fmt: skip
    assert response.status_code == 302 and Petition.objects.count() == 1
    assert not SuggestionLog.objects.exists()


def test_rest_api_suggests_categories_by_code_to_token_holders_with_intake_rights(tree, people, api_client):
    store()
    url = "/api/v1/suggest-category"
    response = api_client(people.cadre).post(url, POLLUTION, content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["model_version"] == 1 and len(data["suggestions"]) == 1
    assert data["threshold"] == 0.5 and data["abstained"] is False
    assert data["suggestions"][0]["category"] == "huanbao-pollution"
    assert data["suggestions"][0]["evidence"] == "model+keywords"
    assert data["suggestions"][0]["group"] == "环境保护" and 0 < data["suggestions"][0]["confidence"] <= 1
    empty = api_client(people.cadre).post(
        url, {"title": "", "content": "？？"}, content_type="application/json"
    )
    assert empty.json() == {"model_version": None, "suggestions": []} or empty.json()["suggestions"] == []
    assert api_client(None).post(url, POLLUTION, content_type="application/json").status_code in (401, 403)
    assert api_client(people.nobody).post(url, POLLUTION, content_type="application/json").status_code == 403


def test_open311_post_without_service_code_uses_a_confident_suggestion(tree, key, settings):
    store()
    data = {"api_key": key.raw, "address_string": "张庄村", "attribute[village]": tree.zhangzhuang.code,
            "description": "工厂排污，污水排放，臭气熏天，工厂排污", "phone": "13812345678"}  # fmt: skip
    settings.TEXTINTEL_OPEN311_MIN_CONFIDENCE = 0.0
    response = Client().post("/open311/v2/requests.json", data)
    assert response.status_code == 200, response.content
    assert Petition.objects.get().category == category("huanbao-pollution")
    settings.TEXTINTEL_OPEN311_MIN_CONFIDENCE = 1.01  # never confident enough: refused as before
    response = Client().post("/open311/v2/requests.json", data)
    assert response.status_code == 400 and Petition.objects.count() == 1


@pytest.fixture
def key(tree):
    from minqing.api.services import api_key_create

    _obj, raw = api_key_create(actor=None, name="随手拍", region=tree.township)

    class Key:
        pass

    k = Key()
    k.raw = raw
    return k


def api_client_for(user):
    from minqing.api.services import staff_token_create

    if user is None:
        return Client()
    _token, raw = staff_token_create(actor=None, user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {raw}")


@pytest.fixture
def api_client():
    return api_client_for


def test_admin_lists_versions_warns_about_a_broken_one_and_switches_back(client, tree, people):
    good = store(version=1)
    store(version=2, data=b"broken")
    client.force_login(people.sysadmin)
    url = reverse("admin:textintel_textmodel_changelist")
    body = client.get(url).content.decode()
    assert "分类建议已关闭" in body and "v1" in body and "v2" in body
    response = client.post(url, {"action": "activate", "_selected_action": [good.pk]}, follow=True)
    assert "已启用" in response.content.decode()
    assert TextModel.objects.get(is_active=True) == good
    client.force_login(people.officer)
    assert client.get(url).status_code in (302, 403)


def test_residents_submit_page_offers_suggestions_without_login(client, tree):
    store()
    page = client.get("/p/submit/").content.decode()
    assert reverse("textintel:suggest_public") in page and "textintel/suggest.js" in page
    response = client.get(reverse("textintel:suggest_public"), POLLUTION)
    body = response.content.decode()
    assert response.status_code == 200 and body.count("data-pick-category=") == 1
    assert "模型 v" not in body  # nothing about the system's internals for the public
    assert (
        "data-pick-category"
        not in client.get(reverse("textintel:suggest_public"), {"content": "😀"}).content.decode()
    )


def test_forms_post_their_text_so_a_long_request_is_not_cut_by_url_limits(client, tree, people):
    store()
    client.force_login(people.cadre)
    long_text = "工厂排污，污水排放到河里。" + "详细情况如下。" * 3000
    response = client.post(reverse("textintel:suggest"), {"title": "", "content": long_text})
    assert response.status_code == 200
    assert f'data-pick-category="{category("huanbao-pollution").pk}"' in response.content.decode()
    assert client.post(reverse("textintel:suggest_public"), {"content": long_text}).status_code == 200
