import pytest
from django.http import Http404

from minqing.accounts.roles import Role
from minqing.core.tests.factories import HouseholdFactory, grant
from minqing.households.models import Household
from minqing.regions.models import Region, subtree_q
from minqing.regions.scoping import Perm, get_for_actor, has_perm, regions_with, scope


def test_subtree_query_returns_region_and_everything_below(tree):
    paths = set(Region.objects.filter(subtree_q(tree.township.path, "path")).values_list("name", flat=True))
    assert paths == {"东坝头镇", "张庄村", "雷集村"}


def test_village_cadre_sees_only_own_village(tree, people):
    mine = HouseholdFactory(region=tree.zhangzhuang)
    other = HouseholdFactory(region=tree.leiji)
    visible = list(scope(Household.objects.all(), people.cadre))
    assert visible == [mine]
    with pytest.raises(Http404):
        get_for_actor(Household.objects.all(), people.cadre, pk=other.pk)


def test_out_of_region_officer_sees_nothing_of_the_township(tree, people):
    HouseholdFactory(region=tree.zhangzhuang)
    HouseholdFactory(region=tree.leiji)
    assert not scope(Household.objects.all(), people.outsider).exists()


def test_county_supervisor_reads_across_townships_but_cannot_edit(tree, people):
    HouseholdFactory(region=tree.zhangzhuang)
    HouseholdFactory(region=tree.other_village)
    assert scope(Household.objects.all(), people.supervisor).count() == 2
    assert not has_perm(people.supervisor, Perm.EDIT_HOUSEHOLDS)


def test_three_administrators_cannot_do_each_others_jobs_or_read_casework(tree, people):
    HouseholdFactory(region=tree.zhangzhuang)
    assert has_perm(people.sysadmin, Perm.MANAGE_CONFIG)
    assert not has_perm(people.sysadmin, Perm.MANAGE_ROLES)
    assert not has_perm(people.sysadmin, Perm.VIEW_AUDIT)
    assert has_perm(people.secadmin, Perm.MANAGE_ROLES)
    assert not has_perm(people.secadmin, Perm.MANAGE_CONFIG)
    assert not has_perm(people.secadmin, Perm.VIEW_AUDIT)
    assert has_perm(people.auditadmin, Perm.VIEW_AUDIT)
    assert not has_perm(people.auditadmin, Perm.MANAGE_CONFIG)
    assert not has_perm(people.auditadmin, Perm.MANAGE_ROLES)
    for admin in (people.sysadmin, people.secadmin, people.auditadmin):
        assert not scope(Household.objects.all(), admin).exists()


def test_nested_grants_collapse_to_the_widest(tree, people):
    grant(people.cadre, Role.VILLAGE_CADRE, tree.township)
    people.cadre.__dict__.pop("_minqing_grants", None)
    assert regions_with(people.cadre, Perm.VIEW_HOUSEHOLDS) == [tree.township.path]


def test_inactive_user_has_no_access(tree, people):
    people.officer.is_active = False
    assert regions_with(people.officer, Perm.VIEW_HOUSEHOLDS) == []


def test_the_sorted_page_form_of_a_wide_grant_matches_the_same_rows(tree, people):
    from minqing.petitions.access import scope_petitions
    from minqing.petitions.models import Petition
    from minqing.petitions.tests.factories import register

    register(None, tree.zhangzhuang)
    register(None, tree.other_village, submitter_phone="13900000000")
    for actor in (people.supervisor, people.officer, people.cadre):
        plain = set(scope_petitions(Petition.objects.all(), actor).values_list("pk", flat=True))
        sorted_page = set(
            scope_petitions(Petition.objects.all(), actor, for_sorted_page=True).values_list("pk", flat=True)
        )
        assert plain == sorted_page and plain
