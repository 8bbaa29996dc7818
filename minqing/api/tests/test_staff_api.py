"""The staff REST API: token authentication, region scoping through the selectors, the services' rules as HTTP
statuses (400 rule, 403 not allowed, 404 unseen, 409 changed meanwhile)."""

import datetime

import pytest
from django.test import Client

from minqing.api.models import StaffToken
from minqing.audit.models import AuditEntry
from minqing.petitions import services as petition_services
from minqing.petitions.models import Channel, EventKind, HandlingLevel, Petition, Satisfaction, Status
from minqing.petitions.tests.factories import category, department, register

pytestmark = pytest.mark.django_db

V1 = "/api/v1/petitions/"


def action(client: Client, p: Petition, name: str, **data: object) -> object:
    return client.post(f"{V1}{p.pk}/actions/{name}/", data, content_type="application/json")


# ---------------------------------------------------------------------------------------------------------
# Authentication


def test_without_or_with_a_bad_token_the_api_is_401(tree, people):
    assert Client().get(V1).status_code == 401
    assert Client(HTTP_AUTHORIZATION="Token mqt_nope").get(V1).status_code == 401
    assert Client(HTTP_AUTHORIZATION="Token a b").get(V1).status_code == 401
    assert Client().get(V1).json()["detail"]


def test_a_token_stops_working_when_its_user_is_deactivated(tree, people, api_client):
    client = api_client(people.officer)
    assert client.get(V1).status_code == 200
    people.officer.is_active = False
    people.officer.save()
    assert client.get(V1).status_code == 401


def test_a_token_is_stored_only_as_its_hash_and_records_its_last_use(tree, people, api_client):
    client = api_client(people.officer)
    raw = client.defaults["HTTP_AUTHORIZATION"].split()[1]
    token = StaffToken.objects.get(user=people.officer)
    assert raw not in (token.key_hash, token.prefix) and raw.startswith(token.prefix)
    assert token.last_used_at is None
    client.get(V1)
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert AuditEntry.objects.filter(object_type="api.stafftoken", object_id=str(token.pk)).count() == 1


# ---------------------------------------------------------------------------------------------------------
# Reading


def test_list_shows_the_officer_township_and_nothing_to_the_outsider(tree, people, api_client):
    mine = register(None, tree.zhangzhuang)
    theirs = register(people.outsider, tree.other_village)
    data = api_client(people.officer).get(V1).json()
    assert data["count"] == 1
    (row,) = data["results"]
    assert row["id"] == mine.pk
    assert row["category"] == "minzheng-dibao" and row["region"] == tree.zhangzhuang.code
    assert "13812345678" not in str(row)
    outsider = api_client(people.outsider).get(V1).json()
    assert [r["id"] for r in outsider["results"]] == [theirs.pk]
    assert api_client(people.nobody).get(V1).json()["count"] == 0


def test_list_filters_by_status_category_village_and_overdue(tree, people, api_client):
    a = register(None, tree.zhangzhuang)
    b = register(None, tree.leiji, category=category("chengxiang-road"), submitter_phone="13900001111")
    b = petition_services.petition_accept(actor=people.cadre_leiji, petition=b, version=b.version)
    Petition.objects.filter(pk=a.pk).update(due_date=datetime.date(2020, 1, 1))
    client = api_client(people.officer)

    def ids(**params: str) -> list[int]:
        response = client.get(V1, params)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids(status="accepted") == [b.pk]
    assert ids(category="chengxiang") == [b.pk]  # a parent code includes its children
    assert ids(category="minzheng-dibao") == [a.pk]
    assert ids(village=tree.leiji.code) == [b.pk]
    assert ids(overdue="true") == [a.pk]
    assert client.get(V1, {"status": "bogus"}).status_code == 400
    assert client.get(V1, {"category": "bogus"}).status_code == 400
    assert client.get(V1, {"village": "999999999999"}).status_code == 400


def test_list_is_paginated(tree, people, api_client):
    for i in range(3):
        register(None, tree.zhangzhuang, submitter_phone=f"1390000000{i}")
    data = api_client(people.officer).get(V1, {"page_size": 2}).json()
    assert data["count"] == 3 and len(data["results"]) == 2 and data["next"]


def test_detail_has_public_and_internal_events_and_is_404_outside_the_region(tree, people, api_client):
    p = register(people.officer, tree.zhangzhuang)  # a walk-in at the township: internal 可在村解决 note
    petition_services.petition_progress(actor=people.cadre, petition=p, note="电话联系村干部核实")
    response = api_client(people.officer).get(f"{V1}{p.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["content"] == p.content
    assert data["phone"] == p.phone_masked != p.submitter_phone
    kinds = [(e["kind"], e["is_public"]) for e in data["events"]]
    assert kinds == [(EventKind.REGISTERED, True), (EventKind.PROGRESS, False)]
    assert data["events"][1]["note"] == "电话联系村干部核实"
    for user in (people.outsider, people.cadre_leiji, people.nobody):
        denied = api_client(user).get(f"{V1}{p.pk}/")
        assert denied.status_code == 404
        assert p.title not in denied.content.decode()
    assert api_client(people.officer).get(f"{V1}999999/").status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Intake


def intake_body(region_code: str, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "channel": Channel.VISIT,
        "category": "minzheng-dibao",
        "region": region_code,
        "title": "低保申请迟迟没有回音",
        "content": "我家三月份申请低保，至今没有答复。",
        "submitter_name": "张大山",
        "submitter_phone": "13812345678",
    }
    body.update(overrides)
    return body


def test_staff_register_a_request_through_the_service(tree, people, api_client):
    response = api_client(people.officer).post(
        V1, intake_body(tree.zhangzhuang.code), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    p = Petition.objects.get(pk=response.json()["id"])
    assert p.registered_by == people.officer
    assert p.channel == Channel.VISIT
    # A village matter walked in at the township: not 越级 (the township is the lowest 信访 organ), a hint only.
    assert not p.is_skip_level and p.village_could_settle
    assert AuditEntry.objects.filter(object_type="petitions.petition", object_id=str(p.pk)).count() == 1


def test_staff_register_the_persons_choice_to_publish_and_read_it_back(tree, people, api_client):
    client = api_client(people.officer)
    body = {**intake_body(tree.zhangzhuang.code), "publish": True}
    created = client.post(V1, body, content_type="application/json").json()
    assert created["publish"] is True and Petition.objects.get(pk=created["id"]).publish
    default = client.post(V1, intake_body(tree.leiji.code), content_type="application/json").json()
    assert default["publish"] is False


def test_intake_needs_a_channel_and_known_codes(tree, people, api_client):
    client = api_client(people.officer)
    no_channel = intake_body(tree.zhangzhuang.code)
    del no_channel["channel"]
    response = client.post(V1, no_channel, content_type="application/json")
    assert response.status_code == 400 and "channel" in response.json()
    bad_category = client.post(
        V1, intake_body(tree.zhangzhuang.code, category="nope"), content_type="application/json"
    )
    assert bad_category.status_code == 400 and "category" in bad_category.json()["errors"]
    parent = client.post(
        V1, intake_body(tree.zhangzhuang.code, category="minzheng"), content_type="application/json"
    )
    assert parent.status_code == 400 and "小类" in parent.json()["detail"]
    assert Petition.objects.count() == 0


def test_intake_outside_the_region_is_403(tree, people, api_client):
    response = api_client(people.outsider).post(
        V1, intake_body(tree.zhangzhuang.code), content_type="application/json"
    )
    assert response.status_code == 403
    assert (
        api_client(people.supervisor)
        .post(V1, intake_body(tree.zhangzhuang.code), content_type="application/json")
        .status_code
        == 403
    )
    assert Petition.objects.count() == 0


# ---------------------------------------------------------------------------------------------------------
# Handling steps


def test_accept_with_the_read_version_then_a_stale_version_is_409(tree, people, api_client):
    p = register(None, tree.zhangzhuang)
    client = api_client(people.cadre)
    response = action(client, p, "accept", version=p.version, note="已核实")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.ACCEPTED
    stale = action(client, p, "reply", version=p.version, text="已解决")
    assert stale.status_code == 409
    assert "刷新" in stale.json()["detail"]


def test_actions_outside_the_region_are_404_and_without_the_right_403(tree, people, api_client):
    p = register(None, tree.zhangzhuang)
    assert action(api_client(people.outsider), p, "accept", version=p.version).status_code == 404
    assert action(api_client(people.cadre_leiji), p, "accept", version=p.version).status_code == 404
    forbidden = action(api_client(people.supervisor), p, "accept", version=p.version)
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"]
    assert Petition.objects.get(pk=p.pk).status == Status.REGISTERED


def test_a_step_the_status_does_not_allow_is_400(tree, people, api_client):
    p = register(None, tree.zhangzhuang)
    response = action(api_client(people.cadre), p, "reply", version=p.version, text="答复")
    assert response.status_code == 400
    assert "待受理" in response.json()["detail"]
    assert action(api_client(people.cadre), p, "accept").status_code == 400  # version is required


def test_route_up_then_assign_reply_and_close(tree, people, api_client):
    p = register(None, tree.zhangzhuang)
    cadre, officer = api_client(people.cadre), api_client(people.officer)
    routed = action(
        cadre, p, "route", version=p.version, to_level=HandlingLevel.TOWNSHIP, reason="村里解决不了"
    )
    assert routed.status_code == 200, routed.content
    assert routed.json()["level"] == HandlingLevel.TOWNSHIP
    version = routed.json()["version"]
    accepted = action(officer, p, "accept", version=version)
    assert accepted.status_code == 200
    dept = department(tree.township, members=(people.handler,))
    assigned = action(
        officer,
        p,
        "assign",
        version=accepted.json()["version"],
        department=dept.pk,
        assignee=people.handler.pk,
    )
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["department_name"] == "民政所"
    assert assigned.json()["assignee_name"] == "handler"
    stale = action(officer, p, "assign", version=accepted.json()["version"], department=dept.pk)
    assert stale.status_code == 409
    replied = action(
        api_client(people.handler), p, "reply", version=assigned.json()["version"], text="已纳入低保"
    )
    assert replied.status_code == 200, replied.content
    p.refresh_from_db()
    p = petition_services.petition_follow_up(
        actor=people.officer,
        petition=p,
        version=p.version,
        method="phone",
        satisfaction=Satisfaction.SATISFIED,
    )
    closed = action(
        officer,
        p,
        "close",
        version=p.version,
        reform=False,
        justified=True,
        solvable=True,
        grassroots=True,
        solved_level=HandlingLevel.TOWNSHIP,
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == Status.CLOSED
    kinds = [e["kind"] for e in closed.json()["events"]]
    assert kinds[-1] == EventKind.CLOSED and EventKind.ASSIGNED in kinds


def test_assign_refuses_unknown_or_foreign_departments(tree, people, api_client):
    p = register(None, tree.zhangzhuang, category=category("tudi-compensation"))
    foreign = department(tree.other_township, name="国土所")
    officer = api_client(people.officer)
    response = action(officer, p, "assign", version=p.version, department=foreign.pk)
    assert response.status_code == 400 and "department" in response.json()["errors"]
    assert action(officer, p, "assign", version=p.version, assignee=999999).status_code == 400
    assert action(officer, p, "assign", version=p.version).status_code == 400  # neither given


# ---------------------------------------------------------------------------------------------------------
# Schema and ping


def test_openapi_schema_describes_the_petition_endpoints(tree):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/petitions/" in schema["paths"]
    assert "/api/v1/petitions/{id}/actions/accept/" in schema["paths"]
    assert "StaffToken" in schema["components"]["securitySchemes"]


def test_ping_answers_through_the_middleware(db):
    response = Client().get("/api/ping")
    assert response.status_code == 200 and response.content == b"pong"
    assert response["X-Frame-Options"] == "DENY"
