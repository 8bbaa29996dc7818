"""Open311 clients against the live server.

The third-party client is `georeport` (PyPI), configured as a partner configures it: the endpoint, a
jurisdiction (or none) and an api_key. It reads services, definitions and requests, sending jurisdiction_id
when it has one and never the api_key, as the spec intends. Version 0.3.1 has no POST or token call; the
subclass below adds those two in the library's own manner (api_key only when posting). The spec-literal client
is urllib.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
import xmltodict
from georeport import GeoReport

from minqing.api.services import api_key_create
from minqing.petitions.selectors import ListFilters, petition_list

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def call(url: str, data: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read(), response.headers["Content-Type"]
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers["Content-Type"]


def get_xml(url: str) -> ElementTree.Element:
    status, body, content_type = call(url)
    assert status == 200, body
    assert content_type.startswith("text/xml")
    return ElementTree.fromstring(body)


def test_a_client_lists_services_posts_and_follows_a_request_that_staff_then_see(live_server, tree, people):
    _key, raw = api_key_create(actor=None, name="县12345平台", region=tree.township)
    base = f"{live_server.url}/open311/v2"
    q = urllib.parse.urlencode

    services = get_xml(f"{base}/services.xml")
    codes = [s.findtext("service_code") for s in services.findall("service")]
    assert "chengxiang-water-power" in codes
    definition = get_xml(f"{base}/services/chengxiang-water-power.xml?{q({'api_key': raw})}")
    villages = {
        v.findtext("name"): v.findtext("key")
        for v in definition.iterfind("attributes/attribute[code='village']/values/value")
    }
    assert villages == {"张庄村": tree.zhangzhuang.code, "雷集村": tree.leiji.code}

    status, body, _ct = call(
        f"{base}/requests.xml",
        {
            "api_key": raw,
            "jurisdiction_id": tree.township.code,
            "service_code": "chengxiang-water-power",
            "lat": "34.85",
            "long": "114.91",
            "attribute[village]": tree.zhangzhuang.code,
            "description": "张庄村东片停水三天了。老人吃水困难。",
            "phone": "13812345678",
            "first_name": "大山",
            "last_name": "张",
        },
    )
    assert status == 200, body
    created = ElementTree.fromstring(body).find("request")
    assert created is not None
    rid, token = created.findtext("service_request_id"), created.findtext("token")
    assert rid and token

    seen = petition_list(actor=people.officer, filters=ListFilters())
    (p,) = seen
    assert str(p.pk) == rid and p.title == "张庄村东片停水三天了" and p.source_client == "县12345平台"
    assert not petition_list(actor=people.outsider, filters=ListFilters()).exists()

    status, body, content_type = call(f"{base}/requests/{rid}.json?{q({'api_key': raw})}")
    assert status == 200 and content_type.startswith("application/json")
    (row,) = json.loads(body)
    assert row["status"] == "open" and row["service_code"] == "chengxiang-water-power"
    assert "张大山" not in body.decode() and "13812345678" not in body.decode()
    by_token = get_xml(f"{base}/tokens/{token}.xml?{q({'api_key': raw})}")
    assert by_token.findtext("request/service_request_id") == rid

    status, body, _ct = call(f"{base}/requests.xml", {"api_key": "wrong", "service_code": "linli"})
    assert status == 403
    assert ElementTree.fromstring(body).findtext("error/code") == "403"


class PostingGeoReport(GeoReport):
    """georeport's client with the spec's two calls it lacks, in its own manner: POST requests (form-encoded,
    with the api_key) and GET tokens (without it)."""

    def _parse(self, response: requests.Response) -> list[dict[str, Any]]:
        response.raise_for_status()
        if self.output_format == "json":
            return response.json()
        rows = xmltodict.parse(response.content)["service_requests"]["request"]
        return rows if isinstance(rows, list) else [rows]

    def post_service_request(self, service_code: str, **fields: str) -> list[dict[str, Any]]:
        data = {"service_code": service_code, **fields}
        if self.jurisdiction:
            data["jurisdiction_id"] = self.jurisdiction
        if self.api_key:
            data["api_key"] = self.api_key
        url = f"{self.root_address}/requests.{self.output_format}"
        return self._parse(requests.post(url, data=data, timeout=20))

    def get_service_request_id_from_token(self, token: str) -> list[dict[str, Any]]:
        params = {"jurisdiction_id": self.jurisdiction} if self.jurisdiction else {}
        url = f"{self.root_address}/tokens/{token}.{self.output_format}"
        return self._parse(requests.get(url, params=params, timeout=20))


REPORT = {
    "lat": "34.851234",
    "long": "114.912345",
    "address_string": "张庄村东头老槐树下",
    "description": "张庄村东头的桥塌了一半，车辆无法通行。",
    "first_name": "大山",
    "last_name": "张",
    "phone": "13812345678",
    "email": "dashan@example.com",
}
PERSONAL = ("张大山", "大山", "13812345678", "dashan@example.com", "老槐树", "桥塌了", "34.85", "114.91")


def _values(definition: dict[str, Any], fmt: str, code: str) -> list[dict[str, Any]]:
    attributes = definition["attributes"]["attribute"] if fmt == "xml" else definition["attributes"]
    (attribute,) = [a for a in attributes if a["code"] == code]
    return attribute["values"]["value"] if fmt == "xml" else attribute["values"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("with_jurisdiction", [True, False], ids=["jurisdiction", "no-jurisdiction"])
def test_georeport_follows_its_request_from_the_service_list_to_its_status_without_a_key_on_reads(
    live_server, tree, people, fmt, with_jurisdiction
):
    _key, raw = api_key_create(actor=None, name="随手拍小程序", region=tree.township)
    client = PostingGeoReport(
        f"{live_server.url}/open311/v2",
        jurisdiction=tree.township.code if with_jurisdiction else None,
        api_key=raw,
        output_format=fmt,
    )
    road = next(s for s in client.get_service_list() if s["service_code"] == "chengxiang-road")
    assert road["service_name"] == "道路桥梁" and road["group"] == "城乡建设"
    definition = client.get_service_definition("chengxiang-road")
    assert definition["service_code"] == "chengxiang-road"
    villages = {v["name"]: v["key"] for v in _values(definition, fmt, "village")}
    if with_jurisdiction:
        assert villages == {"雷集村": tree.leiji.code, "张庄村": tree.zhangzhuang.code}
    else:  # every township the deployment serves, each village named with its township
        assert villages["东坝头镇张庄村"] == tree.zhangzhuang.code and "堌阳镇堌阳村" in villages
    assert {v["key"] for v in _values(definition, fmt, "publish")} == {"true", "false"}

    fields = {**REPORT, "attribute[village]": tree.zhangzhuang.code}
    (receipt,) = client.post_service_request("chengxiang-road", **fields)
    assert receipt["token"]
    (by_token,) = client.get_service_request_id_from_token(receipt["token"])
    rid = str(by_token["service_request_id"])
    assert rid == str(receipt["service_request_id"])

    request = client.get_service_request(rid)
    assert str(request["service_request_id"]) == rid
    assert request["status"] == "open" and request["service_code"] == "chengxiang-road"
    assert request["agency_responsible"] == "村" and request["requested_datetime"]
    assert not request["description"] and not request["address"] and not request["lat"]
    listed = client.get_service_requests(service_request_id=rid)
    assert str((listed[0] if isinstance(listed, list) else listed)["service_request_id"]) == rid
    for body in (json.dumps(request, ensure_ascii=False), json.dumps(listed, ensure_ascii=False)):
        for secret in PERSONAL:
            assert secret not in body

    (p,) = petition_list(actor=people.officer, filters=ListFilters())
    assert str(p.pk) == rid and p.submitter_name == "张大山" and p.submitter_phone == "13812345678"


def test_georeport_reads_the_description_and_place_of_a_request_the_person_chose_to_publish(
    live_server, tree
):
    _key, raw = api_key_create(actor=None, name="随手拍小程序", region=tree.township)
    client = PostingGeoReport(f"{live_server.url}/open311/v2", api_key=raw, output_format="xml")
    (receipt,) = client.post_service_request("chengxiang-road", **REPORT, **{"attribute[publish]": "true"})
    request = client.get_service_request(receipt["service_request_id"])
    assert request["description"] == REPORT["description"] and request["address"] == REPORT["address_string"]
    assert request["address_id"] == tree.zhangzhuang.code and request["lat"] == "34.851234"
    for secret in ("张大山", "大山", "13812345678", "dashan@example.com"):
        assert secret not in json.dumps(request, ensure_ascii=False)


def test_georeport_of_another_township_cannot_read_or_file_into_this_one(live_server, tree):
    _key, raw = api_key_create(actor=None, name="随手拍小程序", region=tree.township)
    _other, other_raw = api_key_create(actor=None, name="堌阳镇公众号", region=tree.other_township)
    base = f"{live_server.url}/open311/v2"
    ours = PostingGeoReport(base, jurisdiction=tree.township.code, api_key=raw)
    (receipt,) = ours.post_service_request("chengxiang-road", **REPORT)
    theirs = PostingGeoReport(base, jurisdiction=tree.other_township.code, api_key=other_raw)
    for call in (
        lambda: theirs.get_service_request(receipt["service_request_id"]),
        lambda: theirs.get_service_request_id_from_token(receipt["token"]),
    ):
        with pytest.raises(requests.HTTPError) as raised:
            call()
        assert raised.value.response.status_code == 404
        assert raised.value.response.json()[0]["code"] == 404
    assert receipt["service_request_id"] not in {
        r["service_request_id"] for r in theirs.get_service_requests()
    }
    with pytest.raises(requests.HTTPError) as refused:
        theirs.post_service_request(
            "chengxiang-road", **REPORT, **{"attribute[village]": tree.zhangzhuang.code}
        )
    assert refused.value.response.status_code == 400
    trespass = PostingGeoReport(base, jurisdiction=tree.township.code, api_key=other_raw)
    with pytest.raises(requests.HTTPError) as named:
        trespass.post_service_request("chengxiang-road", **REPORT)
    assert named.value.response.status_code == 404
