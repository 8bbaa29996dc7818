"""`minqing open311_key` and `minqing api_token`: print a working secret once, store only its hash, audit it."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from minqing.api.models import ApiKey, StaffToken
from minqing.audit.models import AuditEntry
from minqing.regions.models import Region

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_open311_key_needs_a_region_when_several_townships_exist(tree):
    with pytest.raises(CommandError, match="--region"):
        run("open311_key", "小程序")
    assert ApiKey.objects.count() == 0


def test_open311_key_defaults_to_the_only_township(tree):
    Region.objects.filter(pk=tree.other_township.pk).update(is_active=False)
    raw = run("open311_key", "小程序")
    key = ApiKey.objects.get(name="小程序")
    assert key.region == tree.township
    assert raw.startswith(key.prefix) and raw not in (key.key_hash, key.prefix)


def test_open311_key_prints_a_key_that_files_requests(tree):
    raw = run("open311_key", "小程序", "--region", tree.township.code)
    key = ApiKey.objects.get(name="小程序")
    assert AuditEntry.objects.filter(object_type="api.apikey", object_id=str(key.pk)).count() == 1
    response = Client().post(
        "/open311/v2/requests.json", {"api_key": raw, "service_code": "linli", "address_string": "张庄村"}
    )
    assert response.status_code == 200, response.content
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_open311_key_refuses_a_duplicate_name_or_unknown_region(tree):
    run("open311_key", "小程序", "--region", tree.township.code)
    with pytest.raises(CommandError, match="同名"):
        run("open311_key", "小程序", "--region", tree.township.code)
    with pytest.raises(CommandError, match="999"):
        run("open311_key", "别的", "--region", "999999999999")


def test_api_token_prints_a_token_acting_as_the_user(tree, people):
    raw = run("api_token", "officer")
    assert StaffToken.objects.get().user == people.officer
    assert Client(HTTP_AUTHORIZATION=f"Token {raw}").get("/api/v1/petitions/").status_code == 200
    with pytest.raises(CommandError, match="ghost"):
        run("api_token", "ghost")
