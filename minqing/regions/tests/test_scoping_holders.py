from minqing.regions.models import Level
from minqing.regions.scoping import Perm, holders, regions_for


def test_holders_of_a_permission_over_a_village_include_those_granted_above_it(tree, people):
    names = {u.username for u in holders(perm=Perm.HANDLE_PETITIONS, region_path=tree.zhangzhuang.path)}
    assert {"officer", "leader", "cadre", "liaison"} <= names
    assert "cadre_leiji" not in names  # another village
    assert "outsider" not in names  # another township
    assert "supervisor" not in names  # the county supervisor does not handle requests


def test_holders_below_a_township_are_found_only_when_asked(tree, people):
    above = {u.username for u in holders(perm=Perm.HANDLE_PETITIONS, region_path=tree.township.path)}
    assert "cadre" not in above
    below = {
        u.username
        for u in holders(perm=Perm.HANDLE_PETITIONS, region_path=tree.township.path, include_below=True)
    }
    assert {"cadre", "cadre_leiji", "officer"} <= below
    assert "outsider" not in below


def test_an_inactive_account_holds_nothing(tree, people):
    people.cadre.is_active = False
    people.cadre.save()
    assert people.cadre not in holders(perm=Perm.HANDLE_PETITIONS, region_path=tree.zhangzhuang.path)


def test_regions_for_lists_the_villages_where_the_actor_holds_the_permission(tree, people):
    assert list(regions_for(actor=people.cadre, perm=Perm.VIEW_DISPUTES, levels=[Level.VILLAGE])) == [
        tree.zhangzhuang
    ]
    officer_villages = set(regions_for(actor=people.officer, perm=Perm.VIEW_DISPUTES, levels=[Level.VILLAGE]))
    assert officer_villages == {tree.zhangzhuang, tree.leiji}
    assert not regions_for(actor=people.outsider, perm=Perm.VIEW_DISPUTES, levels=[Level.VILLAGE]).filter(
        pk=tree.zhangzhuang.pk
    )
    assert list(regions_for(actor=people.nobody, perm=Perm.VIEW_DISPUTES, levels=[Level.TOWNSHIP])) == []
