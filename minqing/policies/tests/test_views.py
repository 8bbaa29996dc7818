import datetime

import pytest
from django.urls import reverse

from minqing.audit.models import AuditEntry
from minqing.policies.models import Policy, PolicyLevel

from .factories import make_policy

D = datetime.date


def _policy_post(**over: str) -> dict[str, str]:
    data = {
        "p-name": "东坝头镇困难群众慰问金",
        "p-issuer": "东坝头镇人民政府",
        "p-level": "national",
        "p-category": "assistance",
        "p-target_groups": "low_income",
        "v-effective_from": "2024-01-01",
        "v-beneficiaries": "低保户、特困户",
        "v-summary": "春节前慰问困难群众。",
        "v-amount": "300",
        "v-amount_unit": "household_once",
        "v-amount_year": "2024",
    }
    data.update(over)
    return data


def test_the_menu_shows_the_library_to_staff(client, people):
    client.force_login(people.cadre)
    response = client.get(reverse("home"))
    assert reverse("policies:list") in response.content.decode()


def test_staff_search_the_library_and_see_highlighted_hits(client, people, library):
    client.force_login(people.cadre)
    response = client.get(reverse("policies:list"), {"q": "低保"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<mark>低保</mark>" in page and "民发〔2021〕57号" in page


def test_the_library_is_closed_to_the_administrators(client, people):
    client.force_login(people.sysadmin)
    assert client.get(reverse("policies:list")).status_code == 403


def test_a_policy_page_shows_its_version_history(client, people, office):
    from minqing.policies import services

    from .factories import version_data

    policy = make_policy(office, effective_from=D(2023, 1, 1))
    services.policy_version_add(actor=office, policy=policy, data=version_data(effective_from=D(2024, 1, 1)))
    client.force_login(people.cadre)
    page = client.get(reverse("policies:detail", args=[policy.pk])).content.decode()
    assert "第 1 版" in page and "第 2 版" in page and "2023-12-31" in page


@pytest.mark.parametrize("name", ["detail", "edit", "version_new", "retire"])
def test_a_township_policy_of_another_township_is_404(client, people, office, office_other, tree, name):
    policy = make_policy(office, {"level": PolicyLevel.TOWNSHIP, "region": tree.township, "name": "镇慰问金"})
    for user in (people.outsider, office_other):
        client.force_login(user)
        assert client.get(reverse(f"policies:{name}", args=[policy.pk])).status_code == 404


def test_the_office_adds_a_policy_on_the_form(client, office):
    client.force_login(office)
    response = client.post(reverse("policies:new"), _policy_post())
    policy = Policy.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "policies:detail", args=[policy.pk]
    )
    assert policy.versions.get().amount == 300
    assert AuditEntry.objects.filter(object_type="policies.policy", actor=office).exists()


def test_bad_input_on_the_form_is_shown_next_to_the_fields_and_nothing_is_saved(client, office):
    client.force_login(office)
    response = client.post(
        reverse("policies:new"), _policy_post(**{"p-level": "township", "v-amount_unit": ""})
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "县、乡政策须选择适用区域。" in page
    assert "填写了补助金额，请选择金额单位。" in page
    assert not Policy.objects.exists()


def test_an_officer_without_the_role_cannot_open_the_form(client, people):
    client.force_login(people.officer)
    assert client.get(reverse("policies:new")).status_code == 403
    assert client.post(reverse("policies:new"), _policy_post()).status_code == 403
    assert not Policy.objects.exists()


def test_a_new_version_on_the_form_starts_as_a_copy_and_ends_the_old_one(client, office):
    policy = make_policy(office, effective_from=D(2023, 1, 1))
    client.force_login(office)
    form = client.get(reverse("policies:version_new", args=[policy.pk])).content.decode()
    assert "户籍在本地" in form  # the conditions of the version it replaces
    post = {
        "effective_from": "2024-07-01",
        "beneficiaries": "低保家庭",
        "summary": "提高标准。",
        "amount": "440",
        "amount_unit": "person_month",
        "amount_year": "2024",
        "seen": str(policy.version),
    }
    response = client.post(reverse("policies:version_new", args=[policy.pk]), post)
    assert response.status_code == 302
    assert list(policy.versions.order_by("number").values_list("effective_until", flat=True)) == [
        D(2024, 6, 30),
        None,
    ]
    again = client.post(
        reverse("policies:version_new", args=[policy.pk]), {**post, "effective_from": "2024-08-01"}
    )
    assert again.status_code == 400 and "他人修改" in again.content.decode()


def test_retiring_on_the_form_needs_a_reason(client, office):
    policy = make_policy(office)
    client.force_login(office)
    url = reverse("policies:retire", args=[policy.pk])
    assert client.post(url, {"on": "2025-01-01", "reason": "", "seen": policy.version}).status_code == 400
    assert (
        client.post(url, {"on": "2025-01-01", "reason": "被替代", "seen": policy.version}).status_code == 302
    )
    policy.refresh_from_db()
    assert policy.retired_on == D(2025, 1, 1)


def test_the_public_library_answers_without_an_account(client, library):
    response = client.get("/p/policies/", {"q": "低保"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "民发〔2021〕57号" in page and "<mark>低保</mark>" in page
    policy = Policy.objects.get(doc_number="民发〔2021〕57号")
    detail = client.get(reverse("public_policies:detail", args=[policy.pk]))
    assert detail.status_code == 200 and "420" in detail.content.decode()


def test_the_public_library_shrugs_off_odd_input(client, library):
    for params in ({"q": "<script>alert(1)</script>"}, {"category": "x", "in_force": "maybe", "page": "zz"}):
        response = client.get("/p/policies/", params)
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()
    assert client.get("/p/policies/999999/").status_code == 404


def test_a_form_missing_required_fields_says_which(client, office):
    client.force_login(office)
    response = client.post(reverse("policies:new"), _policy_post(**{"p-name": "", "v-summary": ""}))
    assert response.status_code == 400
    assert response.content.decode().count("invalid-feedback") >= 2
    assert not Policy.objects.exists()


def test_the_office_list_of_another_township_does_not_show_a_local_policy(client, people, office, tree):
    make_policy(office, {"level": PolicyLevel.TOWNSHIP, "region": tree.township, "name": "东坝头镇慰问金"})
    client.force_login(people.outsider)
    assert "东坝头镇慰问金" not in client.get(reverse("policies:list")).content.decode()
    client.force_login(people.cadre)
    assert "东坝头镇慰问金" in client.get(reverse("policies:list")).content.decode()


def test_the_configuration_console_shows_policies_read_only(client, people, office):
    policy = make_policy(office)
    client.force_login(people.sysadmin)
    assert client.get(reverse("admin:policies_policy_changelist")).status_code == 200
    assert client.get(reverse("admin:policies_policy_add")).status_code == 403
    before = AuditEntry.objects.count()
    response = client.post(reverse("admin:policies_policy_change", args=[policy.pk]), {"name": "改名"})
    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.name == "最低生活保障" and AuditEntry.objects.count() == before
