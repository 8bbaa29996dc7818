"""Credentials for the API tests: an Open311 key for 东坝头镇 and one for 堌阳镇 (the outsider's township), and
staff tokens for the shared `people`."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from minqing.accounts.models import User
from minqing.api.models import ApiKey
from minqing.api.services import api_key_create, staff_token_create


@dataclass
class Key:
    obj: ApiKey
    raw: str


@pytest.fixture
def key(tree) -> Key:
    obj, raw = api_key_create(actor=None, name="随手拍小程序", region=tree.township)
    return Key(obj, raw)


@pytest.fixture
def other_key(tree) -> Key:
    obj, raw = api_key_create(actor=None, name="堌阳镇公众号", region=tree.other_township)
    return Key(obj, raw)


@pytest.fixture
def api_client() -> Callable[[User | None], Client]:
    """A test client sending `Authorization: Token …` for the user (None: no header)."""

    def make(user: User | None) -> Client:
        if user is None:
            return Client()
        _token, raw = staff_token_create(actor=None, user=user)
        return Client(HTTP_AUTHORIZATION=f"Token {raw}")

    return make
