"""An Open311 client against the live server, following the GeoReport v2 spec literally: discover services,
read a definition, POST form-encoded, follow the request by id and by token; staff then see it in their list.

The spec-literal client is urllib. `georeport` (PyPI, the one GeoReport v2 client that installs on Python 3.13;
it reads but cannot POST) is used where installed to check that a third-party parser reads our XML."""

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any
from xml.etree import ElementTree

import pytest

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
        for v in definition.iterfind("attributes/attribute/values/value")
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


def test_the_georeport_library_reads_our_services_and_definitions(live_server, tree):
    georeport: Any = pytest.importorskip("georeport")
    for fmt in ("xml", "json"):
        client = georeport.GeoReport(
            f"{live_server.url}/open311/v2", jurisdiction=tree.township.code, output_format=fmt
        )
        services = client.get_service_list()
        road = next(s for s in services if s["service_code"] == "chengxiang-road")
        assert road["service_name"] == "道路桥梁" and road["group"] == "城乡建设"
        definition = client.get_service_definition("chengxiang-road")
        assert definition["service_code"] == "chengxiang-road"
        attribute = definition["attributes"]["attribute"] if fmt == "xml" else definition["attributes"][0]
        values = attribute["values"]["value"] if fmt == "xml" else attribute["values"]
        assert {v["name"] for v in values} == {"张庄村", "雷集村"}
