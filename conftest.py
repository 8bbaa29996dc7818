"""Shared test users and regions. Every endpoint test has an out-of-region officer (`outsider`) to prove no leak.

The tree is the real one for 兰考县 (410225): 东坝头镇 with 张庄村 and 雷集村, and 堌阳镇 next door.
"""

from dataclasses import dataclass

import pytest

from minqing.accounts.models import User
from minqing.accounts.roles import Role
from minqing.core.tests.factories import UserFactory, grant, region
from minqing.regions.models import Level, Region


@dataclass
class Tree:
    province: Region
    city: Region
    county: Region
    township: Region
    zhangzhuang: Region
    leiji: Region
    other_township: Region
    other_village: Region


@dataclass
class People:
    leader: User
    officer: User
    handler: User
    liaison: User
    cadre: User  # village cadre of 张庄村 only
    cadre_leiji: User  # village cadre of 雷集村 only
    mediator: User
    supervisor: User
    outsider: User  # petition officer of 堌阳镇: sees nothing of 东坝头镇
    sysadmin: User
    secadmin: User
    auditadmin: User
    nobody: User  # an account without any role


@pytest.fixture
def tree(db) -> Tree:
    province = region("410000000000", "河南省", Level.PROVINCE)
    city = region("410200000000", "开封市", Level.CITY, province)
    county = region("410225000000", "兰考县", Level.COUNTY, city)
    township = region("410225106000", "东坝头镇", Level.TOWNSHIP, county)
    zhangzhuang = region("410225106207", "张庄村", Level.VILLAGE, township)
    leiji = region("410225106200", "雷集村", Level.VILLAGE, township)
    other_township = region("410225101000", "堌阳镇", Level.TOWNSHIP, county)
    other_village = region("410225101200", "堌阳村", Level.VILLAGE, other_township)
    return Tree(province, city, county, township, zhangzhuang, leiji, other_township, other_village)


@pytest.fixture
def people(tree: Tree) -> People:
    def user(name: str, role: Role | None, reg: Region) -> User:
        u = UserFactory(username=name, display_name=name)
        if role is not None:
            grant(u, role, reg)
        return u

    return People(
        leader=user("leader", Role.LEADER, tree.township),
        officer=user("officer", Role.PETITION_OFFICER, tree.township),
        handler=user("handler", Role.DEPT_HANDLER, tree.township),
        liaison=user("liaison", Role.VILLAGE_LIAISON, tree.zhangzhuang),
        cadre=user("cadre", Role.VILLAGE_CADRE, tree.zhangzhuang),
        cadre_leiji=user("cadre_leiji", Role.VILLAGE_CADRE, tree.leiji),
        mediator=user("mediator", Role.MEDIATOR, tree.township),
        supervisor=user("supervisor", Role.COUNTY_SUPERVISOR, tree.county),
        outsider=user("outsider", Role.PETITION_OFFICER, tree.other_township),
        sysadmin=user("sysadmin", Role.SYSTEM_ADMIN, tree.county),
        secadmin=user("secadmin", Role.SECURITY_ADMIN, tree.county),
        auditadmin=user("auditadmin", Role.AUDIT_ADMIN, tree.county),
        nobody=user("nobody", None, tree.county),
    )


from minqing.core.tests.browser import browser_page  # noqa: E402,F401  (fixture)


@pytest.fixture(autouse=True)
def _fresh_reference_caches():
    """Per-process reference caches (minqing.core.ttl) must not carry one test's rows into the next."""
    from minqing.core.ttl import clear_all

    clear_all()
    yield
    clear_all()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Whatever lives in the cache (rate-limit counters in the cache store) does not outlive a test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language. A request served in English activates English in the thread
    that served it; under xdist the next test in that worker would otherwise render its PDFs in English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def county_officer(tree: Tree) -> User:
    """The county's 信访 office (县信访局): receives what the townships send up."""
    u = UserFactory(username="county_officer", display_name="county_officer")
    grant(u, Role.COUNTY_PETITION_OFFICER, tree.county)
    return u
