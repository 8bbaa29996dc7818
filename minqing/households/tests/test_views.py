import pytest
from django.urls import reverse

from minqing.audit.models import Action, AuditEntry
from minqing.households.models import Household, RelationKind
from minqing.households.services import relation_record

from .helpers import family


@pytest.fixture
def homes(tree, people):
    """Two households in 张庄村 with a feud, one in 雷集村."""
    a = family(people.officer, tree.zhangzhuang, "张建国", members=2)
    b = family(people.officer, tree.zhangzhuang, "李小梅", members=0, phone="13900001111")
    c = family(people.officer, tree.leiji, "雷大明", members=0, phone="13700002222")
    feud = relation_record(
        actor=people.officer,
        household_a=a,
        household_b=b,
        kind=RelationKind.FEUD,
        subject="宅基地边界",
        severity=3,
    )
    relation_record(actor=people.officer, household_a=a, household_b=c, kind=RelationKind.KIN)
    return {"a": a, "b": b, "c": c, "feud": feud}


def _urls(h: Household, resident_pk: int, relation_pk: int) -> list[tuple[str, str]]:
    """Every registry endpoint that names an object, with its method."""
    return [
        ("get", reverse("households:detail", args=[h.pk])),
        ("get", reverse("households:edit", args=[h.pk])),
        ("post", reverse("households:edit", args=[h.pk])),
        ("get", reverse("households:member_add", args=[h.pk])),
        ("post", reverse("households:member_add", args=[h.pk])),
        ("get", reverse("households:split", args=[h.pk])),
        ("post", reverse("households:split", args=[h.pk])),
        ("get", reverse("households:relation_add", args=[h.pk])),
        ("post", reverse("households:relation_add", args=[h.pk])),
        ("get", reverse("households:relation_edit", args=[relation_pk])),
        ("post", reverse("households:relation_edit", args=[relation_pk])),
        ("get", reverse("households:member_edit", args=[resident_pk])),
        ("post", reverse("households:member_edit", args=[resident_pk])),
        ("get", reverse("households:member_move", args=[resident_pk])),
        ("post", reverse("households:member_move", args=[resident_pk])),
        ("get", reverse("households:member_death", args=[resident_pk])),
        ("post", reverse("households:member_death", args=[resident_pk])),
        ("post", reverse("households:change_head", args=[resident_pk])),
        ("post", reverse("households:reveal", args=[resident_pk, "id_number"])),
        ("post", reverse("households:reveal", args=[resident_pk, "phone"])),
    ]


def test_out_of_region_officer_gets_404_on_every_object_endpoint(client, people, homes):
    a = homes["a"]
    client.force_login(people.outsider)
    for method, url in _urls(a, a.head_id, homes["feud"].pk):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)
    assert not AuditEntry.objects.filter(actor=people.outsider, action="reveal").exists()


def test_village_cadre_cannot_reach_another_villages_household(client, people, homes):
    c = homes["c"]
    client.force_login(people.cadre)
    for method, url in _urls(c, c.head_id, homes["feud"].pk)[:-3]:
        if "relations/" in url and "/new/" not in url:
            continue  # the feud is between two 张庄村 households: the cadre may see it
        response = getattr(client, method)(url)
        assert response.status_code == 404, (method, url)


def test_lists_search_and_export_show_nothing_outside_the_region(client, people, homes):
    client.force_login(people.outsider)
    for url in [
        reverse("households:list"),
        reverse("households:search") + "?q=zjg",
        reverse("households:search") + "?q=" + homes["a"].head.id_number[-4:],
        reverse("home"),
    ]:
        body = client.get(url).content.decode()
        assert "张建国" not in body and "李小梅" not in body, url


def test_household_page_shows_members_tags_land_and_feud_graph_with_masked_ids(client, people, homes):
    a = homes["a"]
    client.force_login(people.cadre)
    body = client.get(reverse("households:detail", args=[a.pk])).content.decode()
    assert "张建国" in body and "张小0" in body
    assert "宅基地边界" in body and "<svg" in body and "feud-3" in body
    assert a.head.id_number not in body
    assert a.head.id_masked in body
    assert "138****5678" in body
    # 雷集村 is outside the cadre's village: the kin tie shows without naming the household.
    assert "雷大明" not in body and "辖区外的户" in body


def test_reveal_shows_full_number_and_records_it(client, people, homes):
    head = homes["a"].head
    client.force_login(people.cadre)
    response = client.post(reverse("households:reveal", args=[head.pk, "id_number"]))
    assert head.id_number in response.content.decode()
    assert AuditEntry.objects.filter(action="reveal", actor=people.cadre, object_id=str(head.pk)).count() == 1


def test_supervisor_cannot_reveal(client, people, homes):
    client.force_login(people.supervisor)
    response = client.post(reverse("households:reveal", args=[homes["a"].head_id, "id_number"]))
    assert response.status_code == 403


def test_search_by_pinyin_initials_id_tail_and_phone_tail(client, people, homes):
    client.force_login(people.officer)
    head = homes["a"].head
    for q in ["zjg", head.id_number[-6:], "5678"]:
        body = client.get(reverse("households:search"), {"q": q}).content.decode()
        assert f'href="/households/{homes["a"].pk}/"' in body, q


def test_list_filters_by_tag_village_and_feud(client, people, homes):
    client.force_login(people.officer)
    body = client.get(reverse("households:list"), {"feud": "1"}).content.decode()
    assert "张建国" in body and "李小梅" in body and "雷大明" not in body
    body = client.get(reverse("households:list"), {"village": homes["c"].region_path}).content.decode()
    assert "雷大明" in body and "张建国" not in body


def test_create_household_from_the_form(client, people, tree):
    from minqing.core.tests.factories import make_id_number

    client.force_login(people.cadre)
    response = client.post(
        reverse("households:create"),
        {
            "h-region": tree.zhangzhuang.pk,
            "h-address": "张庄村二组5号",
            "h-housing": "concrete",
            "h-land_farmland": "6.5",
            "h-land_forest": "0",
            "h-land_garden": "0",
            "h-land_homestead": "0.3",
            "p-name": "王秀英",
            "p-id_number": make_id_number(male=False, serial=77),
            "p-phone": "13812340000",
            "p-relation": "head",
            "p-living": "home",
            "p-ethnicity": "汉族",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    h = Household.objects.get(head_name="王秀英")
    assert str(h.land_farmland) == "6.50"


def test_bad_form_input_is_shown_not_saved(client, people, tree):
    client.force_login(people.cadre)
    response = client.post(
        reverse("households:create"),
        {
            "h-region": tree.zhangzhuang.pk,
            "h-land_farmland": "0",
            "h-land_forest": "0",
            "h-land_garden": "0",
            "h-land_homestead": "0",
            "p-name": "王秀英",
            "p-id_number": "410225198001010010",
            "p-phone": "138abc",
            "p-relation": "head",
            "p-living": "home",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "校验位" in body and "电话号码" in body
    assert not Household.objects.exists()


def test_pages_render_in_english_when_chosen(client, people, homes):
    client.force_login(people.cadre)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("households:detail", args=[homes["a"].pk])).content.decode()
    assert "Household members" in body


def test_anonymous_is_sent_to_login(client, homes):
    response = client.get(reverse("households:detail", args=[homes["a"].pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_export_of_an_outsider_contains_nothing_of_the_township(client, people, homes):
    import io

    import openpyxl

    client.force_login(people.outsider)
    response = client.get(reverse("households:export"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = {str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    assert not any("张建国" in c or "李小梅" in c or "雷大明" in c for c in cells)


def test_someone_elses_import_job_is_404(client, people, tree):
    from minqing.households.models import ImportJob

    job = ImportJob.objects.create(
        created_by=people.officer, region_path=tree.township.path, file_name="x.xlsx", content=b""
    )
    for user in (people.outsider, people.cadre, people.leader):
        client.force_login(user)
        for name in ("import_detail", "import_errors"):
            assert client.get(reverse(f"households:{name}", args=[job.pk])).status_code == 404, (user, name)
        for name in ("import_confirm", "import_cancel"):
            assert client.post(reverse(f"households:{name}", args=[job.pk])).status_code == 404, (user, name)


def test_roles_without_the_permission_get_403_on_registry_pages(client, people):
    client.force_login(people.auditadmin)
    for name in ("list", "search", "create", "import", "export", "template"):
        assert client.get(reverse(f"households:{name}")).status_code == 403, name
    client.force_login(people.supervisor)
    assert client.get(reverse("households:create")).status_code == 403
    assert client.get(reverse("households:import")).status_code == 403


def test_search_by_address_and_by_name_prefix(client, people, homes):
    client.force_login(people.officer)
    body = client.get(reverse("households:search"), {"q": "一组8号"}).content.decode()
    assert f'href="/households/{homes["a"].pk}/"' in body
    body = client.get(reverse("households:search"), {"q": "李小"}).content.decode()
    assert f'href="/households/{homes["b"].pk}/"' in body and "张建国" not in body


def test_home_counts_tags_and_feuds_only_within_the_users_villages(client, people, homes, tree):
    from minqing.households.models import DifficultyTag
    from minqing.households.selectors import attention

    dibao = DifficultyTag.objects.get(name="低保户")
    disabled = DifficultyTag.objects.get(name="残疾人")
    homes["a"].tags.add(dibao)
    homes["c"].tags.add(dibao)  # 雷集村: outside the 张庄村 cadre's view
    homes["a"].head.tags.add(disabled)
    seen = attention(actor=people.cadre)
    assert {t["name"]: t["n"] for t in seen.tagged} == {"低保户": 1, "残疾人": 1}
    assert (seen.households, seen.active_feud_count, seen.grave_feuds) == (2, 1, 1)
    everything = attention(actor=people.officer)
    assert {t["name"]: t["n"] for t in everything.tagged} == {"低保户": 2, "残疾人": 1}
    assert attention(actor=people.outsider).tagged == []


def test_list_filters_by_a_person_level_tag(client, people, homes):
    from minqing.households.models import DifficultyTag

    homes["b"].head.tags.add(DifficultyTag.objects.get(name="残疾人"))
    client.force_login(people.officer)
    body = client.get(reverse("households:list"), {"tag": "残疾人"}).content.decode()
    assert "李小梅" in body and "张建国" not in body


def test_feud_across_villages_can_be_updated_from_either_side(client, people, homes, tree):
    # 张庄村 household a and 雷集村 household c: the 雷集村 cadre sees only c, and may still record that it eased.
    feud = relation_record(
        actor=people.officer,
        household_a=homes["a"],
        household_b=homes["c"],
        kind=RelationKind.FEUD,
        subject="借款纠纷",
        severity=1,
    )
    client.force_login(people.cadre_leiji)
    response = client.post(
        reverse("households:relation_edit", args=[feud.pk]),
        {"status": "eased", "severity": 1, "notes": "已调解"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("households:detail", args=[homes["c"].pk])
    feud.refresh_from_db()
    assert feud.status == "eased"
    client.force_login(people.outsider)
    assert (
        client.post(
            reverse("households:relation_edit", args=[feud.pk]), {"status": "resolved", "severity": 1}
        ).status_code
        == 404
    )


def test_uploading_a_csv_renamed_to_xlsx_shows_a_clear_message_and_imports_nothing(client, people, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minqing.households.models import ImportJob

    client.force_login(people.officer)
    upload = SimpleUploadedFile(
        "户籍.xlsx", "户编号,姓名\n1,张三\n".encode(), content_type="application/octet-stream"
    )
    response = client.post(reverse("households:import"), {"file": upload}, follow=True)
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert "xlsx" in response.content.decode() and job.error_message in response.content.decode()
    assert not Household.objects.exists()


def test_uploading_nothing_or_an_empty_file_is_refused_on_the_form(client, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(people.officer)
    response = client.post(reverse("households:import"), {"file": ""})
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    response = client.post(reverse("households:import"), {"file": SimpleUploadedFile("a.xlsx", b"")})
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()


def test_the_household_export_records_the_client_address(client, people, homes):
    client.force_login(people.officer)
    assert client.get(reverse("households:export"), REMOTE_ADDR="10.0.0.61").status_code == 200
    assert AuditEntry.objects.get(action=Action.EXPORT, object_type="households.household").ip == "10.0.0.61"
