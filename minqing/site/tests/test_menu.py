from django.apps import apps
from django.test import Client
from django.urls import reverse

from minqing.regions.scoping import Perm


def test_every_declared_menu_entry_names_a_real_permission_and_page():
    entries = [entry for config in apps.get_app_configs() for entry in getattr(config, "menu", ())]
    assert len(entries) >= 8
    for entry in entries:
        for link in entry.links:
            assert link.perms, entry
            for perm in link.perms:
                Perm(perm)  # raises ValueError on a misspelt permission
            reverse(link.url_name)


def _menu(user) -> list[str]:
    client = Client()
    client.force_login(user)
    response = client.get("/")
    return [item["label"] for item in response.context["nav_items"]]


def test_the_menu_lists_each_apps_entry_in_order_for_the_roles_held(people):
    assert _menu(people.officer) == [
        "首页",
        "民情档案",
        "责任清单",
        "诉求办理",
        "热点预警",
        "下村",
        "惠民政策",
        "矛盾调解",
        "导入",
    ]
    assert _menu(people.cadre)[:4] == ["首页", "民情档案", "责任清单", "诉求办理"]
    assert _menu(people.auditadmin) == ["首页", "审计日志"]
    assert _menu(people.sysadmin) == ["首页", "系统配置"]
    assert _menu(people.nobody) == ["首页"]


def test_a_cadre_who_logs_visits_opens_their_month_and_a_reader_the_compliance_table(people):
    client = Client()
    client.force_login(people.liaison)
    urls = {i["label"]: i["url"] for i in client.get("/").context["nav_items"]}
    assert urls["下村"] == reverse("visits:mine")
    client.force_login(people.leader)
    urls = {i["label"]: i["url"] for i in client.get("/").context["nav_items"]}
    assert urls.get("下村") in (reverse("visits:compliance"), reverse("visits:mine"))


def test_a_leader_opens_everyones_duty_lists_and_a_cadre_their_own(people):
    client = Client()
    client.force_login(people.cadre)
    urls = {i["label"]: i["url"] for i in client.get("/").context["nav_items"]}
    assert urls["责任清单"] == reverse("duties_mine")
    client.force_login(people.leader)
    urls = {i["label"]: i["url"] for i in client.get("/").context["nav_items"]}
    assert urls["责任清单"] == reverse("duties_team")
    client.force_login(people.auditadmin)
    assert "责任清单" not in [i["label"] for i in client.get("/").context["nav_items"]]
