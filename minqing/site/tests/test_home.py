"""The home page's households-per-area table lists the areas at work, at the level the user oversees."""

import re

import pytest
from django.urls import reverse

from minqing.core.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def _table(body: str) -> str:
    start = body.index("户数</h2>")
    return body[start : body.index("</table>", start)]


def test_a_county_supervisor_sees_townships_at_work_not_other_townships_villages(client, tree, people):
    HouseholdFactory.create_batch(3, region=tree.zhangzhuang)
    HouseholdFactory(region=tree.leiji)
    client.force_login(people.supervisor)
    body = client.get(reverse("home")).content.decode()
    table = _table(body)
    assert "各乡镇户数" in body and "东坝头镇" in table
    assert "堌阳" not in table and "张庄村" not in table
    assert re.search(r"东坝头镇</a></td><td[^>]*>4<", table)
    assert "另有 1 个乡镇尚未建立农户档案" in body


def test_a_township_leader_still_sees_every_village_even_an_empty_one(client, tree, people):
    HouseholdFactory.create_batch(2, region=tree.zhangzhuang)
    client.force_login(people.leader)
    body = client.get(reverse("home")).content.decode()
    table = _table(body)
    assert "各村户数" in body and "张庄村" in table and "雷集村" in table
    assert "堌阳" not in table and "尚未建立农户档案" not in body


def test_the_outsider_sees_only_their_own_township_villages(client, tree, people):
    HouseholdFactory(region=tree.zhangzhuang)
    client.force_login(people.outsider)
    body = client.get(reverse("home")).content.decode()
    assert "张庄村" not in body and "雷集村" not in body
