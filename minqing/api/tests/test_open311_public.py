"""Open311 reads without an api_key, as the spec intends: what may be public of a 信访 matter, the person's
choice to publish, one jurisdiction rule for every call, the discovery document, the rate limit, and errors in
the spec's format wherever a client goes."""

from typing import Any

import pytest
from django.test import Client, override_settings

from minqing.api.services import api_key_create
from minqing.petitions.models import Channel, Petition
from minqing.petitions.services import petition_accept, petition_reply
from minqing.petitions.tests.factories import register

from .test_open311 import BASE, REQUEST_FIELDS, errors_of, post, xml

pytestmark = pytest.mark.django_db

LATER = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
PERSONAL = ("张大山", "13812345678", "dashan@example.com", "村东头老槐树下", "34.851234", "114.912345")
PUBLIC_FIELDS = set(REQUEST_FIELDS)  # a keyless read has every field, some of them empty


def file_one(key_raw: str, **fields: Any) -> dict[str, Any]:
    response = post(
        key_raw,
        description="张庄村东头的桥塌了一半，车辆无法通行。",
        first_name="大山",
        last_name="张",
        phone="13812345678",
        email="dashan@example.com",
        address_string="村东头老槐树下",
        **{"attribute[village]": fields.pop("village", "410225106207")},
        **fields,
    )
    assert response.status_code == 200, response.content
    (receipt,) = response.json()
    return receipt


def get(path: str, **params: str) -> Any:
    return Client().get(f"{BASE}/{path}", params)


# ---------------------------------------------------------------------------------------------------------
# What a read without a key shows


def test_a_keyless_read_shows_service_status_dates_and_agency_but_nothing_of_the_person_or_place(tree, key):
    receipt = file_one(key.raw)
    rid = receipt["service_request_id"]
    (row,) = get(f"requests/{rid}.json").json()
    assert set(row) == PUBLIC_FIELDS
    assert (row["service_request_id"], row["status"], row["service_code"]) == (rid, "open", "chengxiang-road")
    assert row["service_name"] == "道路桥梁" and row["agency_responsible"] == "村"
    assert row["requested_datetime"] and row["expected_datetime"] and row["service_notice"]
    assert (row["description"], row["address"], row["lat"], row["long"]) == ("", "", None, None)
    assert row["address_id"] == tree.township.code  # the township, not the village
    assert row["status_notes"] == "已登记。"
    for body in (
        get(f"requests/{rid}.json").content.decode(),
        get(f"requests/{rid}.xml").content.decode(),
        get("requests.json").content.decode(),
        get("requests.xml").content.decode(),
        get(f"tokens/{receipt['token']}.json").content.decode(),
    ):
        for secret in (*PERSONAL, "桥塌了", tree.zhangzhuang.code):
            assert secret not in body
    (listed,) = get("requests.json").json()
    assert listed == row
    (by_token,) = get(f"tokens/{receipt['token']}.json").json()
    assert by_token == {"service_request_id": rid, "token": receipt["token"]}


def test_a_matter_brought_to_the_office_does_not_exist_for_keyless_reads_but_does_for_a_key(
    tree, key, people
):
    visit = register(people.officer, tree.zhangzhuang, channel=Channel.VISIT, title="来访反映宅基地纠纷")
    assert get("requests.json").json() == []
    assert get(f"requests/{visit.pk}.json").status_code == 404
    keyed = Client().get(f"{BASE}/requests/{visit.pk}.json", {"api_key": key.raw})
    assert keyed.status_code == 200 and keyed.json()[0]["service_request_id"] == visit.pk


def test_a_request_the_person_published_shows_description_and_place_but_never_name_or_phone(tree, key):
    rid = file_one(key.raw, **{"attribute[publish]": "true"})["service_request_id"]
    assert Petition.objects.get(pk=rid).publish
    response = get(f"requests/{rid}.xml")
    request = xml(response).find("request")
    assert request is not None
    assert request.findtext("description") == "张庄村东头的桥塌了一半，车辆无法通行。"
    assert request.findtext("address") == "村东头老槐树下"
    assert request.findtext("address_id") == tree.zhangzhuang.code
    assert (request.findtext("lat"), request.findtext("long")) == ("34.851234", "114.912345")
    body = response.content.decode()
    for secret in ("张大山", "大山", "13812345678", "dashan@example.com"):
        assert secret not in body


def test_a_request_published_on_the_public_form_is_described_to_keyless_reads(tree):
    shown = register(None, tree.leiji, title="路灯坏了", content="雷集村西头路灯坏了一个月。", publish=True)
    hidden = register(None, tree.leiji, title="低保评定不公开", content="我家低保被取消了。")
    rows = {r["service_request_id"]: r for r in get("requests.json").json()}
    assert rows[shown.pk]["description"] == "雷集村西头路灯坏了一个月。"
    assert rows[hidden.pk]["description"] == ""


@pytest.mark.parametrize("value", ["maybe", "2", "公开"])
def test_a_publish_attribute_other_than_true_or_false_is_a_400_and_files_nothing(tree, key, value):
    for fmt in ("json", "xml"):
        response = post(key.raw, fmt, **{"attribute[publish]": value})
        assert response.status_code == 400
        assert any("attribute[publish]" in e["description"] for e in errors_of(response))
    assert Petition.objects.count() == 0


def test_publishing_is_off_unless_the_client_says_true(tree, key):
    for value, expected in (("", False), ("false", False), ("TRUE", True), ("1", True)):
        rid = post(key.raw, **{"attribute[publish]": value}).json()[0]["service_request_id"]
        assert Petition.objects.get(pk=rid).publish is expected


def test_keyless_status_notes_name_the_step_and_keep_what_staff_wrote_to_the_person(tree, key, people):
    p = register(people.officer, tree.zhangzhuang, channel=Channel.ONLINE)
    p = petition_accept(actor=people.officer, petition=p, version=None)
    petition_reply(actor=people.officer, petition=p, version=None, text="张大山同志：您家的低保已批准。")
    (public,) = get(f"requests/{p.pk}.json").json()
    assert public["status_notes"] == "最近一步：答复。"
    (keyed,) = get(f"requests/{p.pk}.json", api_key=key.raw).json()
    assert "低保已批准" in keyed["status_notes"]


def test_a_wrong_key_on_a_read_is_refused_rather_than_answered_as_public(tree, key):
    rid = file_one(key.raw)["service_request_id"]
    for path in ("requests.json", f"requests/{rid}.xml"):
        response = get(path, api_key="o311_wrong")
        assert response.status_code == 403
        assert errors_of(response)[0]["code"] == 403


def test_a_keyed_read_keeps_the_description_its_client_filed(tree, key):
    rid = file_one(key.raw)["service_request_id"]
    (row,) = get(f"requests/{rid}.json", api_key=key.raw).json()
    assert row["description"] == "张庄村东头的桥塌了一半，车辆无法通行。"
    assert row["address_id"] == tree.zhangzhuang.code and row["lat"] == 34.851234


# ---------------------------------------------------------------------------------------------------------
# One jurisdiction rule for every call


def test_without_a_jurisdiction_every_call_covers_every_township_and_naming_one_narrows_each(
    tree, key, other_key
):
    mine = file_one(key.raw)
    theirs = file_one(other_key.raw, village=tree.other_village.code)
    both = {mine["service_request_id"], theirs["service_request_id"]}
    assert {r["service_request_id"] for r in get("requests.json").json()} == both
    for receipt in (mine, theirs):
        assert get(f"requests/{receipt['service_request_id']}.json").status_code == 200
        assert get(f"tokens/{receipt['token']}.json").status_code == 200
    assert get("services/chengxiang-road.json").status_code == 200

    named = {"jurisdiction_id": tree.township.code}
    listed = get("requests.json", **named).json()
    assert [r["service_request_id"] for r in listed] == [mine["service_request_id"]]
    assert get(f"requests/{mine['service_request_id']}.json", **named).status_code == 200
    for path in (f"requests/{theirs['service_request_id']}.json", f"tokens/{theirs['token']}.json"):
        response = get(path, **named)
        assert response.status_code == 404 and errors_of(response)[0]["code"] == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_jurisdiction_is_a_404_on_every_call(tree, key, fmt):
    receipt = file_one(key.raw)
    for path in (
        "services",
        "services/chengxiang-road",
        "requests",
        f"requests/{receipt['service_request_id']}",
        f"tokens/{receipt['token']}",
    ):
        response = get(f"{path}.{fmt}", jurisdiction_id="999999999999")
        assert response.status_code == 404, path
        assert errors_of(response)[0]["code"] == 404


def test_a_key_naming_another_townships_jurisdiction_reads_and_files_nothing_there(tree, key, other_key):
    theirs = file_one(other_key.raw, village=tree.other_village.code)
    named = {"api_key": key.raw, "jurisdiction_id": tree.other_township.code}
    for path in (
        "requests.json",
        f"requests/{theirs['service_request_id']}.json",
        f"tokens/{theirs['token']}.json",
        "services/chengxiang-road.json",
    ):
        response = get(path, **named)
        assert response.status_code == 404, path
    assert post(key.raw, jurisdiction_id=tree.other_township.code).status_code == 404
    # Without naming it, the key's own region: their request stays unknown to it.
    assert get(f"requests/{theirs['service_request_id']}.json", api_key=key.raw).status_code == 404
    assert get(f"tokens/{theirs['token']}.json", api_key=key.raw).status_code == 404
    assert Petition.objects.count() == 1


def test_a_county_key_naming_one_township_reads_and_files_only_there(tree, key, other_key):
    _county, raw = api_key_create(actor=None, name="县12345平台", region=tree.county)
    mine = file_one(key.raw)["service_request_id"]
    theirs = file_one(other_key.raw, village=tree.other_village.code)["service_request_id"]
    assert {r["service_request_id"] for r in get("requests.json", api_key=raw).json()} == {mine, theirs}
    named = {"api_key": raw, "jurisdiction_id": tree.township.code}
    assert [r["service_request_id"] for r in get("requests.json", **named).json()] == [mine]
    values = get("services/chengxiang-road.json", **named).json()["attributes"][0]["values"]
    assert [v["name"] for v in values] == ["雷集村", "张庄村"]
    # Nothing in the address names a village: the request falls to the named township, not refused.
    response = post(raw, jurisdiction_id=tree.township.code, address_string="镇政府门口")
    assert response.status_code == 200, response.content
    assert Petition.objects.get(pk=response.json()[0]["service_request_id"]).region == tree.township
    refused = post(raw, jurisdiction_id=tree.township.code, **{"attribute[village]": tree.other_village.code})
    assert refused.status_code == 400


@override_settings(TASKS=LATER)
def test_a_token_not_yet_filed_answers_keyless_calls_of_its_jurisdiction_only(tree, key):
    token = file_one(key.raw)["token"]
    assert get(f"tokens/{token}.json").json() == [{"service_request_id": None, "token": token}]
    assert get(f"tokens/{token}.json", jurisdiction_id=tree.township.code).status_code == 200
    assert get(f"tokens/{token}.json", jurisdiction_id=tree.county.code).status_code == 200
    assert get(f"tokens/{token}.json", jurisdiction_id=tree.other_township.code).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Discovery, rate limit, errors


def test_discovery_lists_the_endpoint_its_formats_and_the_jurisdictions(tree):
    data = get("discovery.json").json()
    assert set(data) == {"changeset", "contact", "key_service", "endpoints", "jurisdictions"}
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"] and endpoint["type"] == "production"
    assert data["jurisdictions"] == [
        {"jurisdiction_id": tree.other_township.code, "name": "堌阳镇", "parent": "兰考县"},
        {"jurisdiction_id": tree.township.code, "name": "东坝头镇", "parent": "兰考县"},
    ]
    root = xml(get("discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]
    ids = [j.findtext("jurisdiction_id") for j in root.findall("jurisdictions/jurisdiction")]
    assert ids == [tree.other_township.code, tree.township.code]
    assert Client().get("/open311/discovery.json").json() == data  # also where clients look first


@override_settings(MINQING_OPEN311_PUBLIC_READS_PER_MINUTE=2)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_keyless_reads_beyond_the_limit_are_a_georeport_429_and_keyed_reads_are_not_counted(tree, key, fmt):
    assert get(f"requests.{fmt}").status_code == 200
    assert get(f"requests/1.{fmt}").status_code == 404  # counted too: probing ids costs the same
    response = get(f"requests.{fmt}")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert errors_of(response)[0]["code"] == 429
    assert get(f"requests.{fmt}", api_key=key.raw).status_code == 200
    assert get(f"services.{fmt}").status_code == 200  # the service list is not a read of requests


@pytest.mark.parametrize(
    "path", ["nothing.json", "nothing.xml", "requests/1/extra.xml", "services", "x.html"]
)
def test_any_other_path_is_a_georeport_404_in_the_format_it_asks_for(tree, path):
    response = Client().get(f"{BASE}/{path}")
    assert response.status_code == 404
    expected = "text/xml" if path.endswith(".xml") else "application/json"
    assert response["Content-Type"].startswith(expected)
    assert errors_of(response) == [{"code": 404, "description": "所请求的资源不存在。"}]
