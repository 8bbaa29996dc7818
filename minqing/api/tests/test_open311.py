"""Open311 GeoReport v2: the spec's resources, formats and errors; scoping to the key's jurisdiction; no personal
data in what a client reads back."""

import datetime
import json
from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils import timezone

from minqing.api import services as api_services
from minqing.api.models import Open311Submission
from minqing.api.services import api_key_deactivate
from minqing.audit.models import AuditEntry
from minqing.core.errors import ServiceError
from minqing.petitions import services as petition_services
from minqing.petitions.models import Category, Channel, HandlingLevel, Petition, Status
from minqing.petitions.tests.factories import register

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


# The fields of a GeoReport v2 service request, in the spec's order.
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def post(key_raw: str, fmt: str = "json", **fields: Any) -> Any:
    data = {"api_key": key_raw, "service_code": "chengxiang-road", "lat": "34.851234", "long": "114.912345"}
    data.update({k: v for k, v in fields.items() if v is not None})
    for k in [k for k, v in fields.items() if v is None]:
        data.pop(k, None)
    return Client().post(f"{BASE}/requests.{fmt}", data)


def xml(response: Any) -> ElementTree.Element:
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(response.content)


def errors_of(response: Any) -> list[dict[str, Any]]:
    if response["Content-Type"].startswith("text/xml"):
        root = xml(response)
        assert root.tag == "errors"
        return [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root]
    return response.json()


# ---------------------------------------------------------------------------------------------------------
# Services


def test_service_list_offers_leaf_categories_grouped_by_parent(tree):
    services = Client().get(f"{BASE}/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    assert "minzheng" not in by_code  # a parent is a group, not a service
    road = by_code["chengxiang-road"]
    assert road == {
        "service_code": "chengxiang-road",
        "service_name": "道路桥梁",
        "description": "",
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(Category.objects.get(code="chengxiang-road").keywords.split()),
        "group": "城乡建设",
    }
    assert by_code["linli"]["group"] == ""  # a top-level category without children is itself a service


def test_service_list_xml_uses_the_spec_element_names(tree):
    root = xml(Client().get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    first = root.find("service")
    assert first is not None
    assert [child.tag for child in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first.findtext("metadata") == "true"
    assert {s.tag for s in root} == {"service"}


def test_service_definition_lists_only_the_key_jurisdictions_villages(tree, key):
    data = Client().get(f"{BASE}/services/chengxiang-road.json", {"api_key": key.raw}).json()
    assert data["service_code"] == "chengxiang-road"
    village, publish = data["attributes"]
    assert (village["code"], publish["code"]) == ("village", "publish")
    assert [v["key"] for v in publish["values"]] == ["false", "true"] and publish["required"] is False
    assert village["datatype"] == "singlevaluelist"
    assert village["required"] is False
    assert village["variable"] is True
    assert {v["key"]: v["name"] for v in village["values"]} == {
        tree.leiji.code: "雷集村",
        tree.zhangzhuang.code: "张庄村",
    }


def test_service_definition_xml_nests_attributes_and_values(tree, key):
    root = xml(Client().get(f"{BASE}/services/chengxiang-road.xml", {"api_key": key.raw}))
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert attribute is not None and attribute.findtext("code") == "village"
    assert [v.findtext("name") for v in attribute.findall("values/value")] == ["雷集村", "张庄村"]


def test_service_definition_without_key_or_jurisdiction_lists_every_townships_villages(tree):
    response = Client().get(f"{BASE}/services/chengxiang-road.json")
    assert response.status_code == 200
    names = [v["name"] for v in response.json()["attributes"][0]["values"]]
    assert names == ["堌阳镇堌阳村", "东坝头镇雷集村", "东坝头镇张庄村"]  # several townships: each says which
    by_id = Client().get(
        f"{BASE}/services/chengxiang-road.json", {"jurisdiction_id": tree.other_township.code}
    )
    assert [v["name"] for v in by_id.json()["attributes"][0]["values"]] == ["堌阳村"]
    unknown = Client().get(f"{BASE}/services/chengxiang-road.json", {"jurisdiction_id": "999999999999"})
    assert unknown.status_code == 404
    assert errors_of(unknown)[0]["code"] == 404


def test_unknown_or_parent_service_code_definition_is_404_in_the_spec_error_format(tree, key):
    for code in ("no-such-service", "minzheng"):
        response = Client().get(f"{BASE}/services/{code}.xml", {"api_key": key.raw})
        assert response.status_code == 404
        (error,) = errors_of(response)
        assert error["code"] == 404
        assert code in error["description"]


# ---------------------------------------------------------------------------------------------------------
# POST requests


def test_post_files_an_online_request_in_the_chosen_village_with_coordinates(tree, key):
    response = post(
        key.raw,
        **{
            "attribute[village]": tree.zhangzhuang.code,
            "description": "村东头的桥塌了一半。车辆无法通行，请尽快修复。",
            "first_name": "大山",
            "last_name": "张",
            "phone": "13812345678",
            "email": "zds@example.com",
            "device_id": "dev-1",
            "account_id": "acct-7",
            "media_url": "https://img.example.com/1.jpg",
        },
    )
    assert response.status_code == 200
    (receipt,) = response.json()
    p = Petition.objects.get(pk=receipt["service_request_id"])
    assert p.channel == Channel.ONLINE
    assert p.source_client == "随手拍小程序"
    assert p.region == tree.zhangzhuang
    assert p.title == "村东头的桥塌了一半"
    assert p.content == "村东头的桥塌了一半。车辆无法通行，请尽快修复。"
    assert p.submitter_name == "张大山" and not p.is_anonymous
    assert str(p.lat) == "34.851234" and str(p.long) == "114.912345"
    assert p.registered_by is None
    assert receipt["account_id"] == "acct-7"
    assert p.tracking_code in receipt["service_notice"]
    submission = Open311Submission.objects.get(petition=p)
    assert submission.token == receipt["token"]
    assert (submission.device_id, submission.media_url) == ("dev-1", "https://img.example.com/1.jpg")
    assert AuditEntry.objects.filter(object_type="petitions.petition", object_id=str(p.pk)).count() == 1
    assert AuditEntry.objects.filter(
        object_type="api.open311submission", object_id=str(submission.pk)
    ).exists()


def test_post_xml_answers_service_requests_request(tree, key):
    response = post(key.raw, "xml", address_string="雷集村村委会东")
    root = xml(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None
    assert [c.tag for c in request] == ["service_request_id", "token", "service_notice", "account_id"]
    p = Petition.objects.get(pk=int(request.findtext("service_request_id") or 0))
    assert p.region == tree.leiji  # the village named in the address
    assert p.is_anonymous and p.submitter_name == ""


def test_post_without_village_or_known_address_files_at_the_key_township(tree, key):
    (receipt,) = post(key.raw, address_string="镇政府门口", lat=None, long=None).json()
    p = Petition.objects.get(pk=receipt["service_request_id"])
    assert p.region == tree.township
    assert p.level == HandlingLevel.TOWNSHIP
    assert p.lat is None


def test_post_with_address_id_uses_that_village(tree, key):
    (receipt,) = post(key.raw, address_id=tree.leiji.code, lat=None, long=None).json()
    assert Petition.objects.get(pk=receipt["service_request_id"]).region == tree.leiji


def test_post_title_is_at_most_thirty_characters(tree, key):
    (receipt,) = post(key.raw, description="路" * 50).json()
    p = Petition.objects.get(pk=receipt["service_request_id"])
    assert len(p.title) == 30 and p.title.endswith("…")
    assert p.content == "路" * 50


@pytest.mark.parametrize(
    ("fields", "word"),
    [
        ({"service_code": "no-such-service"}, "service_code"),
        ({"service_code": "minzheng"}, "service_code"),  # a group, not a service
        ({"service_code": ""}, "service_code"),
        ({"lat": None, "long": None}, "lat"),  # no location at all
        ({"long": None}, "long"),  # half a point
        ({"lat": "north"}, "lat"),
        ({"lat": "NaN"}, "lat"),
        ({"lat": "95"}, "坐标"),
        ({"description": "x" * 4001}, "4000"),
        ({"phone": "12345"}, "电话"),
        ({"email": "not-an-email"}, "email"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
    ],
)
def test_bad_post_is_400_in_the_spec_error_format_and_writes_nothing(tree, key, fields, word):
    for fmt in ("json", "xml"):
        response = post(key.raw, fmt, **fields)
        assert response.status_code == 400, response.content
        errors = errors_of(response)
        assert errors and all(e["code"] == 400 for e in errors)
        assert any(word in e["description"] for e in errors), errors
    assert Petition.objects.count() == 0
    assert Open311Submission.objects.count() == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("fields", "word"),
    [
        ({"lat": "1e30"}, "lat 坐标超出范围"),
        ({"long": "-1E+30"}, "long 坐标超出范围"),
        ({"lat": "90.000001"}, "lat 坐标超出范围（须在 -90 到 90 之间）"),
        ({"long": "180.5"}, "long 坐标超出范围（须在 -180 到 180 之间）"),
        ({"lat": "1" + "0" * 40}, "lat 位数过多"),
        ({"long": "114." + "9" * 60}, "long 位数过多"),
        ({"lat": "1e999999999999"}, "lat 坐标超出范围"),
        ({"lat": "34,85"}, "lat 不是数字"),
        ({"long": "114°54′"}, "long 不是数字"),
        ({"lat": "Infinity"}, "lat 不是数字"),
    ],
    ids=[
        "huge",
        "huge-negative",
        "lat-range",
        "long-range",
        "digits",
        "decimals",
        "exponent",
        "comma",
        "dms",
        "inf",
    ],
)
def test_a_bad_coordinate_is_a_georeport_error_in_the_requested_format_and_writes_nothing(
    tree, key, fields, word, fmt
):
    response = post(key.raw, fmt, **fields)
    assert response.status_code == 400, response.content
    errors = errors_of(response)
    assert errors and all(e["code"] == 400 for e in errors)
    assert any(word in e["description"] for e in errors), errors
    assert Petition.objects.count() == 0
    assert Open311Submission.objects.count() == 0


def test_a_coordinate_with_many_decimals_is_rounded_to_six(tree, key):
    (receipt,) = post(key.raw, lat="34.85123449999999", long="114.9123456789").json()
    p = Petition.objects.get(pk=receipt["service_request_id"])
    assert (str(p.lat), str(p.long)) == ("34.851234", "114.912346")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unforeseen_failure_is_a_georeport_500_not_an_html_page(tree, key, fmt, monkeypatch):
    def crash(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(api_services, "open311_submit", crash)
    response = post(key.raw, fmt)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json" if fmt == "json" else "text/xml")
    assert errors_of(response) == [{"code": 500, "description": "服务器内部错误，请稍后再试。"}]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_refusal_raised_as_a_service_error_is_a_georeport_400(tree, key, fmt, monkeypatch):
    def refuse(**kwargs: Any) -> None:
        raise ServiceError("该接入方今日提交已达上限。")

    monkeypatch.setattr(api_services, "open311_submit", refuse)
    response = post(key.raw, fmt)
    assert response.status_code == 400
    assert errors_of(response) == [{"code": 400, "description": "该接入方今日提交已达上限。"}]


def test_village_of_another_jurisdiction_is_refused(tree, key):
    response = post(key.raw, **{"attribute[village]": tree.other_village.code})
    assert response.status_code == 400
    assert "attribute[village]" in errors_of(response)[0]["description"]
    assert Petition.objects.count() == 0


@pytest.mark.parametrize("api_key", ["", "o311_wrong", "x" * 500])
def test_missing_or_wrong_api_key_is_403(tree, api_key):
    for fmt in ("json", "xml"):
        response = post(api_key, fmt)
        assert response.status_code == 403
        assert errors_of(response)[0]["code"] == 403
    assert Petition.objects.count() == 0


def test_a_deactivated_key_is_refused(tree, key):
    api_key_deactivate(actor=None, key=key.obj)
    assert post(key.raw).status_code == 403


def test_script_in_description_comes_back_as_data(tree, key):
    evil = '<script>alert("x")</script> & </description><b>'
    (receipt,) = post(key.raw, description=evil).json()
    rid = receipt["service_request_id"]
    as_json = Client().get(f"{BASE}/requests/{rid}.json", {"api_key": key.raw})
    assert as_json["Content-Type"].startswith("application/json")
    assert as_json.json()[0]["description"] == evil
    as_xml = Client().get(f"{BASE}/requests/{rid}.xml", {"api_key": key.raw})
    assert b"<script>" not in as_xml.content
    assert b"&lt;script&gt;" in as_xml.content
    assert xml(as_xml).findtext("request/description") == evil


def test_control_characters_do_not_break_the_xml(tree, key):
    (receipt,) = post(key.raw, description="路面\x00坑洼\x0b严重\x1f").json()
    response = Client().get(f"{BASE}/requests/{receipt['service_request_id']}.xml", {"api_key": key.raw})
    assert xml(response).findtext("request/description") == "路面坑洼严重"


def test_control_and_bidi_characters_are_removed_at_intake_and_lines_kept(tree, key):
    (receipt,) = post(
        key.raw,
        description="路面\x1b[31m坑洼\u202e严重\x07\r\n\t请尽快修",
        address_string="张庄村\u2066东街\u2069",
        first_name="五\x00",
        last_name="王\u202e",
    ).json()
    p = Petition.objects.get(pk=receipt["service_request_id"])
    assert p.content == "路面坑洼严重\n\t请尽快修"
    assert p.title == "路面坑洼严重 请尽快修"
    assert (p.address, p.submitter_name) == ("张庄村东街", "王五")


def test_a_matching_jurisdiction_id_is_accepted_and_another_is_404(tree, key):
    assert post(key.raw, jurisdiction_id=tree.township.code).status_code == 200
    response = post(key.raw, jurisdiction_id=tree.other_township.code)
    assert response.status_code == 404
    assert errors_of(response)[0]["code"] == 404


def test_other_methods_are_405_in_the_spec_format(tree, key):
    response = Client().put(f"{BASE}/requests.json")
    assert response.status_code == 405
    assert errors_of(response)[0]["code"] == 405
    assert Client().post(f"{BASE}/services.json").status_code == 405


# ---------------------------------------------------------------------------------------------------------
# GET requests, GET requests/{id}, GET tokens/{token}


def test_round_trip_post_then_get_by_id_then_token(tree, key):
    (receipt,) = post(key.raw, description="路灯不亮了。", **{"attribute[village]": tree.leiji.code}).json()
    rid = receipt["service_request_id"]
    (row,) = Client().get(f"{BASE}/requests/{rid}.json", {"api_key": key.raw}).json()
    assert row["service_request_id"] == rid
    assert row["status"] == "open"
    assert row["service_code"] == "chengxiang-road"
    assert row["service_name"] == "道路桥梁"
    assert row["description"] == "路灯不亮了。"
    assert row["agency_responsible"] == "村"
    assert row["address_id"] == tree.leiji.code
    assert (row["lat"], row["long"]) == (34.851234, 114.912345)
    assert row["media_url"] == ""
    assert row["status_notes"] == "已登记。"
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        parsed = datetime.datetime.fromisoformat(row[name])
        assert parsed.utcoffset() == datetime.timedelta(hours=8)
    (by_token,) = Client().get(f"{BASE}/tokens/{receipt['token']}.json", {"api_key": key.raw}).json()
    assert by_token == {"service_request_id": rid, "token": receipt["token"]}
    root = xml(Client().get(f"{BASE}/tokens/{receipt['token']}.xml", {"api_key": key.raw}))
    assert root.tag == "service_requests" and root.findtext("request/service_request_id") == str(rid)


def test_request_xml_has_every_spec_field_in_order(tree, key):
    (receipt,) = post(key.raw).json()
    root = xml(Client().get(f"{BASE}/requests/{receipt['service_request_id']}.xml", {"api_key": key.raw}))
    request = root.find("request")
    assert request is not None
    assert [c.tag for c in request] == REQUEST_FIELDS


def test_another_jurisdictions_request_and_token_are_404_and_not_listed(tree, key, other_key, people):
    (receipt,) = post(key.raw).json()
    rid = receipt["service_request_id"]
    theirs = register(people.outsider, tree.other_village)
    for url in (f"{BASE}/requests/{rid}.json", f"{BASE}/tokens/{receipt['token']}.json"):
        response = Client().get(url, {"api_key": other_key.raw})
        assert response.status_code == 404
        assert errors_of(response)[0]["code"] == 404
    listed = Client().get(f"{BASE}/requests.json", {"api_key": other_key.raw}).json()
    assert [r["service_request_id"] for r in listed] == [theirs.pk]
    mine = Client().get(f"{BASE}/requests.json", {"api_key": key.raw}).json()
    assert [r["service_request_id"] for r in mine] == [rid]
    assert Client().get(f"{BASE}/requests/{theirs.pk}.json", {"api_key": key.raw}).status_code == 404


def test_unknown_request_id_and_token_are_404(tree, key):
    for path in ("requests/999999", "requests/abc", "tokens/nope"):
        for fmt in ("json", "xml"):
            response = Client().get(f"{BASE}/{path}.{fmt}", {"api_key": key.raw})
            assert response.status_code == 404
            assert errors_of(response)[0]["code"] == 404


def test_listed_requests_carry_no_personal_data_and_only_the_title_of_others(tree, key, people):
    staff = register(
        people.officer,
        tree.zhangzhuang,
        title="低保申请没有回音",
        content="我叫张大山，身份证410225198001010011，家住张庄村5号。",
        submitter_email="zds@example.com",
    )
    post(key.raw, first_name="小明", last_name="李", phone="13900001111", email="lxm@example.com")
    body = Client().get(f"{BASE}/requests.json", {"api_key": key.raw}).content.decode()
    for secret in (
        "张大山",
        "13812345678",
        "李小明",
        "13900001111",
        "example.com",
        "4102251980",
        staff.tracking_code,
    ):
        assert secret not in body
    rows = {r["service_request_id"]: r for r in json.loads(body)}
    assert rows[staff.pk]["description"] == "低保申请没有回音"
    assert set(rows[staff.pk]) == {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }


def test_status_maps_open_and_closed_and_filters(tree, key, people):
    (a,) = post(key.raw, **{"attribute[village]": tree.zhangzhuang.code}).json()
    (b,) = post(key.raw, service_code="linli", **{"attribute[village]": tree.zhangzhuang.code}).json()
    p = Petition.objects.get(pk=a["service_request_id"])
    petition_services.petition_not_accept(
        actor=people.cadre, petition=p, version=p.version, reason="不属于受理范围"
    )
    q = Petition.objects.get(pk=b["service_request_id"])
    q = petition_services.petition_accept(actor=people.cadre, petition=q, version=q.version)

    def ids(**params: str) -> list[int]:
        response = Client().get(f"{BASE}/requests.json", {"api_key": key.raw, **params})
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    assert ids(status="closed") == [p.pk]
    assert ids(status="open") == [q.pk]
    assert sorted(ids(status="open,closed")) == sorted([p.pk, q.pk])
    assert ids(service_code="linli") == [q.pk]
    assert ids(service_request_id=f"{p.pk},abc") == [p.pk]
    assert ids(service_request_id="abc") == []
    (closed,) = Client().get(f"{BASE}/requests/{p.pk}.json", {"api_key": key.raw}).json()
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "不予受理：不属于受理范围"
    assert closed["expected_datetime"] is None
    (accepted,) = Client().get(f"{BASE}/requests/{q.pk}.json", {"api_key": key.raw}).json()
    assert accepted["status"] == "open"
    assert accepted["expected_datetime"].startswith(f"{q.conclude_due:%Y-%m-%d}T23:59:59")
    assert "办结" in accepted["service_notice"]


def test_date_window_defaults_to_ninety_days_and_can_be_chosen(tree, key):
    (new,) = post(key.raw).json()
    (old,) = post(key.raw, service_code="linli").json()
    long_ago = timezone.now() - datetime.timedelta(days=120)
    Petition.objects.filter(pk=old["service_request_id"]).update(created_at=long_ago)

    def ids(**params: str) -> list[int]:
        return [
            r["service_request_id"]
            for r in Client().get(f"{BASE}/requests.json", {"api_key": key.raw, **params}).json()
        ]

    assert ids() == [new["service_request_id"]]
    start = (long_ago - datetime.timedelta(days=1)).isoformat()
    assert ids(start_date=start) == [old["service_request_id"]]
    assert ids(start_date=start, end_date=timezone.now().isoformat()) == [
        new["service_request_id"],
        old["service_request_id"],
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"start_date": "2026-02-01", "end_date": "2026-01-01"},
    ],
)
def test_bad_list_filters_are_400(tree, key, params):
    response = Client().get(f"{BASE}/requests.xml", {"api_key": key.raw, **params})
    assert response.status_code == 400
    assert errors_of(response)[0]["code"] == 400


def test_list_is_capped_at_a_thousand_rows(tree, key, monkeypatch):
    from minqing.api import selectors

    monkeypatch.setattr(selectors, "MAX_ROWS", 2)
    for _i in range(3):
        post(key.raw)
    assert len(Client().get(f"{BASE}/requests.json", {"api_key": key.raw}).json()) == 2


def test_status_notes_hide_tracking_codes(tree, key, people):
    (receipt,) = post(key.raw, **{"attribute[village]": tree.zhangzhuang.code}).json()
    p = Petition.objects.get(pk=receipt["service_request_id"])
    other = register(None, tree.zhangzhuang, submitter_phone="13900002222", category=p.category)
    petition_services.petition_merge(actor=people.cadre, source=p, target=other)
    (row,) = Client().get(f"{BASE}/requests/{p.pk}.json", {"api_key": key.raw}).json()
    assert row["status"] == "closed"
    assert other.tracking_code not in row["status_notes"]
    assert "查询码（已隐去）" in row["status_notes"]
    assert Petition.objects.get(pk=p.pk).status == Status.MERGED


def test_post_without_description_is_titled_by_the_service(tree, key):
    (receipt,) = post(key.raw, address_string="张庄村小学门口", lat=None, long=None).json()
    p = Petition.objects.get(pk=receipt["service_request_id"])
    assert p.title == "道路桥梁"
    assert p.content == "道路桥梁（张庄村小学门口）"
    assert p.region == tree.zhangzhuang


def test_the_petitioners_id_number_never_leaves_through_open311(tree, people, key):
    p = register(people.officer, tree.zhangzhuang, submitter_id_number="410225196503121237")
    for url in (f"{BASE}/requests/{p.pk}.json", f"{BASE}/requests/{p.pk}.xml", f"{BASE}/requests.json"):
        response = Client().get(url, {"api_key": key.raw})
        assert response.status_code == 200
        assert b"410225196503121237" not in response.content
