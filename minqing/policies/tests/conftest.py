"""The policy library's test users: the 民政所 of 东坝头镇 and of 堌阳镇 next door, and the county 民政局."""

import pytest

from minqing.accounts.models import User
from minqing.accounts.roles import Role
from minqing.core.tests.factories import UserFactory, grant


@pytest.fixture
def office(tree) -> User:
    u = UserFactory(username="minzheng", display_name="钱素芳")
    grant(u, Role.CIVIL_AFFAIRS, tree.township)
    return u


@pytest.fixture
def office_other(tree) -> User:
    u = UserFactory(username="minzheng_guyang", display_name="堌阳民政")
    grant(u, Role.CIVIL_AFFAIRS, tree.other_township)
    return u


@pytest.fixture
def county_office(tree) -> User:
    u = UserFactory(username="minzhengju", display_name="县民政局")
    grant(u, Role.CIVIL_AFFAIRS, tree.county)
    return u


@pytest.fixture
def library(tree):
    """The demo library, entered by the accounts that keep it in the demo."""
    from minqing.policies.demo import DEMO_ACTOR, DEMO_COUNTY_ACTOR, demo_policies

    grant(UserFactory(username=DEMO_ACTOR), Role.CIVIL_AFFAIRS, tree.township)
    grant(UserFactory(username=DEMO_COUNTY_ACTOR), Role.CIVIL_AFFAIRS, tree.county)
    return demo_policies(county=tree.county, township=tree.township)
