"""Import jobs end to end: permissions, applying good rows only, re-imports, export → import, audit,
and the registry changing under a validated job. Workbooks are real .xlsx files (helpers_excel)."""

import datetime
import io
import random

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone

from minqing.audit.models import AuditEntry
from minqing.core.errors import ServiceError
from minqing.core.tests.factories import HouseholdFactory, ResidentFactory, make_id_number, region
from minqing.households import excel, services
from minqing.households.identity import normalize_id_number, pinyin_initials
from minqing.households.imports import cells, engine, jobs, match, recall
from minqing.households.models import Household, ImportJob, ImportStatus, Membership, Resident
from minqing.regions.models import Level

from .helpers import family
from .helpers_excel import (
    confirm,
    family_rows,
    hh,
    member,
    message_at,
    new_id,
    problems,
    read_back,
    start,
    workbook,
)

H, M = excel.HOUSEHOLD_SHEET, excel.MEMBER_SHEET


def _counts() -> tuple[int, int, int]:
    return Household.objects.count(), Resident.objects.count(), Membership.objects.count()


def _two_good_one_bad() -> bytes:
    h1, m1 = family_rows("新1", "张建国")
    h2, m2 = family_rows("新2", "李四")
    h3, m3 = family_rows("新3", "王五")
    m2[2]["联系电话"] = "电话"  # one bad member spoils household 新2 entirely
    return workbook(h1 + h2 + h3, m1 + m2 + m3)


# --------------------------------------------------------------------------------------------------
# Applying


def test_apply_creates_households_members_memberships_index_columns_and_audit(tree, people):
    job = confirm(people.cadre, start(people.cadre, workbook(*family_rows())))
    assert job.status == ImportStatus.APPLIED and job.finished_at is not None
    assert job.summary["households"]["create"] == 1 and job.summary["residents"]["create"] == 3
    household = Household.objects.get()
    assert household.code == "4102251062070001" and household.region_path == tree.zhangzhuang.path
    assert household.head.relation == "head" and household.head_name == "张建国" == household.head.name
    for resident in Resident.objects.all():
        expected = Resident(
            name=resident.name, id_number=resident.id_number, phone=resident.phone, household=household
        )
        services.index_resident(expected)
        assert (resident.name_initials, resident.id_rev, resident.phone_rev, resident.region_path) == (
            expected.name_initials,
            expected.id_rev,
            expected.phone_rev,
            expected.region_path,
        )
        membership = Membership.objects.get(resident=resident)
        assert membership.start_reason == "registered" and membership.recorded_by == people.cadre
        assert membership.household == household and membership.ended_on is None
    created = AuditEntry.objects.get(action="create", object_type="households.household")
    assert created.object_id == str(household.pk) and created.actor == people.cadre
    assert created.after["code"] == household.code and created.after["head_id"] == household.head_id
    assert len(created.after["members"]["created"]) == 3
    imported = AuditEntry.objects.get(action="import")
    assert "新增户1" in imported.note and "新增成员3" in imported.note and imported.object_id == str(job.pk)
    # The uploaded file (ID numbers of whole villages) is not kept once the job is over.
    assert bytes(ImportJob.objects.get(pk=job.pk).content) == b""


def test_confirm_refuses_with_problems_unless_good_rows_only_and_then_applies_exactly_the_good(tree, people):
    job = start(people.cadre, _two_good_one_bad())
    assert job.summary["households"] == {"create": 2, "update": 0, "unchanged": 0, "skipped": 1}
    assert job.summary["rows"]["members"] == {"total": 9, "good": 6, "bad": 1, "skipped": 2}
    with pytest.raises(ServiceError):
        jobs.import_confirm(actor=people.cadre, job=job, good_rows_only=False)
    with pytest.raises(ServiceError):
        engine.apply(job, actor=people.cadre, good_rows_only=False)
    assert _counts() == (0, 0, 0)

    job = confirm(people.cadre, job, good_rows_only=True)
    assert job.status == ImportStatus.APPLIED, job.error_message
    assert sorted(Household.objects.values_list("head_name", flat=True)) == ["张建国", "王五"]
    assert not Resident.objects.filter(name__startswith="李").exists()  # never half a household
    assert _counts() == (2, 6, 6)
    # The codes follow the file order of the households actually created.
    assert list(Household.objects.order_by("code").values_list("code", "head_name")) == [
        ("4102251062070001", "张建国"),
        ("4102251062070002", "王五"),
    ]
    assert job.summary["households"]["skipped"] == 1


def test_nothing_to_apply_when_every_household_is_bad(tree, people):
    households, members = family_rows()
    members[0]["联系电话"] = "x"
    job = start(people.cadre, workbook(households, members))
    with pytest.raises(ServiceError, match="没有可以导入的户"):
        jobs.import_confirm(actor=people.cadre, job=job, good_rows_only=True)


def test_reimporting_the_same_file_creates_no_duplicates(tree, people):
    content = workbook(*family_rows())
    confirm(people.cadre, start(people.cadre, content))
    before = _counts()
    again = start(people.cadre, content)
    assert again.errors == []
    assert again.summary["households"] == {"create": 0, "update": 0, "unchanged": 1, "skipped": 0}
    assert again.summary["residents"] == {"create": 0, "update": 0, "unchanged": 3, "skipped": 0}
    again = confirm(people.cadre, again)
    assert again.status == ImportStatus.APPLIED
    assert _counts() == before
    assert AuditEntry.objects.filter(action="update").count() == 0


def test_reimport_with_temporary_code_and_a_head_without_id_matches_by_name_and_address(tree, people):
    households = [hh("新1", 住址="张庄村北街1号")]
    members = [member("新1", "王老汉", "户主", 身份证号=""), member("新1", "王小", "子", 身份证号="")]
    content = workbook(households, members)
    confirm(people.cadre, start(people.cadre, content))
    again = start(people.cadre, content)
    assert again.summary["households"]["unchanged"] == 1 and again.summary["residents"]["unchanged"] == 2
    confirm(people.cadre, again)
    assert _counts() == (1, 2, 2)


def test_reimport_updates_what_changed_and_adds_new_members(tree, people):
    households, members = family_rows()
    confirm(people.cadre, start(people.cadre, workbook(households, members)))
    household = Household.objects.get()
    version = household.version
    households[0].update({"户编号": household.code, "耕地(亩)": 6, "困难类别": "低保户、脱贫监测户"})
    for m in members:
        m["户编号"] = household.code
    members[1].update({"联系电话": "13700000000", "困难类别": "残疾人"})
    members.append(
        member(household.code, "张小妹", "女", 身份证号=new_id(datetime.date(2010, 1, 1), male=False))
    )
    job = start(people.cadre, workbook(households, members))
    assert job.summary["households"]["update"] == 1
    assert job.summary["residents"] == {"create": 1, "update": 1, "unchanged": 2, "skipped": 0}
    confirm(people.cadre, job)

    household.refresh_from_db()
    assert str(household.land_farmland) == "6.00" and household.version == version + 1
    assert sorted(t.name for t in household.tags.all()) == ["低保户", "脱贫监测户"]
    wife = Resident.objects.get(name="张妻")
    assert wife.phone == "13700000000" and wife.phone_rev == "00000000731"
    assert [t.name for t in wife.tags.all()] == ["残疾人"]
    assert Membership.objects.get(resident__name="张小妹").household == household
    entry = AuditEntry.objects.get(action="update", object_id=str(household.pk))
    assert entry.before["land_farmland"] == "3.50" or entry.before["land_farmland"] == "2.50"
    assert entry.after["land_farmland"] == "6.00"
    updated = entry.after["members"]["updated"]
    assert updated[0]["name"] == "张妻" and updated[0]["after"]["phone"] == "13700000000"
    assert [c["name"] for c in entry.after["members"]["created"]] == ["张小妹"]


def test_resident_without_id_is_matched_by_name_and_blank_id_or_ethnicity_keeps_what_is_registered(
    tree, people
):
    registered = family(people.cadre, tree.zhangzhuang, "赵大", members=0)
    head = registered.head
    head.ethnicity = "回族"
    head.save()
    households = [hh(registered.code)]
    members = [member(registered.code, "赵大", "户主", 身份证号="", 联系电话="13911112222", 民族="")]
    job = confirm(people.cadre, start(people.cadre, workbook(households, members)))
    assert job.status == ImportStatus.APPLIED, job.errors
    head.refresh_from_db()
    assert head.phone == "13911112222" and head.ethnicity == "回族" and head.id_number
    assert Resident.objects.count() == 1


def test_export_then_import_round_trip(tree, people):
    family(people.cadre, tree.zhangzhuang, "张建国", members=2)
    family(people.cadre, tree.zhangzhuang, "张卫东", members=1)
    exported = services.households_export(actor=people.cadre, qs=Household.objects.all())
    job = start(people.cadre, exported, "导出.xlsx")
    assert job.errors == [], job.errors
    assert job.summary["households"]["unchanged"] == 2 and job.summary["residents"]["unchanged"] == 5

    # Edit the exported file as a user would, and import it again.
    book = openpyxl.load_workbook(io.BytesIO(exported))
    phones = [c for c in book[M]["H"] if c.row > 1]
    phones[0].value = "13600000000"
    buffer = io.BytesIO()
    book.save(buffer)
    job = confirm(people.cadre, start(people.cadre, buffer.getvalue()))
    assert job.summary["residents"]["update"] == 1 and job.summary["households"]["update"] == 1
    assert Household.objects.count() == 2 and Resident.objects.count() == 5
    assert Resident.objects.filter(phone="13600000000").count() == 1


def test_ids_registered_in_another_household_are_refused_same_household_is_an_update(tree, people):
    mine = family(people.cadre, tree.zhangzhuang, "张建国", members=0)
    elsewhere = HouseholdFactory(region=tree.other_village)
    stranger = ResidentFactory(household=elsewhere, name="外人", region_path=elsewhere.region_path)
    households, members = family_rows()
    members[1]["身份证号"] = mine.head.id_number
    members[2]["身份证号"] = stranger.id_number
    members[1]["出生日期"] = ""
    members[2]["出生日期"] = ""
    members[1]["性别"] = ""
    job = start(people.cadre, workbook(households, members))
    assert f"已登记在户 {mine.code}（张建国）" in message_at(job, M, 3, "身份证号")
    stranger_message = message_at(job, M, 4, "身份证号")
    assert "不在您的管辖范围内" in stranger_message and str(elsewhere.code) not in stranger_message

    # The same person imported again into the household they are registered in is an update.
    households = [hh(mine.code)]
    members = [member(mine.code, "张建国", "户主", 身份证号=mine.head.id_number, 联系电话="13500000000")]
    job = confirm(people.cadre, start(people.cadre, workbook(households, members)))
    assert job.status == ImportStatus.APPLIED and job.summary["residents"]["update"] == 1
    mine.head.refresh_from_db()
    assert mine.head.phone == "13500000000"


def test_registered_code_outside_the_actors_regions_cannot_be_used(tree, people):
    other = HouseholdFactory(region=tree.leiji, code="4102251062000001")
    households, members = family_rows(other.code)
    job = start(people.cadre, workbook(households, members))
    assert "管辖范围以外" in message_at(job, H, 2, "户编号")


def test_cadre_cannot_import_into_another_village_and_outsider_not_into_the_township(tree, people):
    h1, m1 = family_rows("新1", "张建国", "张庄村")
    h2, m2 = family_rows("新2", "雷某", "雷集村")
    content = workbook(h1 + h2, m1 + m2)
    job = start(people.cadre, content)
    assert problems(job) == [(H, 3, "村(社区)")]
    assert "不在您的管辖范围内" in message_at(job, H, 3, "村(社区)")

    job = start(people.outsider, content)
    assert problems(job) == [(H, 2, "村(社区)"), (H, 3, "村(社区)")]
    assert "您可以导入：堌阳镇" in message_at(job, H, 2, "村(社区)")
    with pytest.raises(ServiceError):
        jobs.import_confirm(actor=people.outsider, job=job, good_rows_only=True)
    assert _counts() == (0, 0, 0)


def test_groups_by_name_and_code_and_moving_a_household_to_another_group(tree, people):
    one = region("410225106207001", "第一组", Level.GROUP, tree.zhangzhuang)
    two = region("410225106207002", "第二组", Level.GROUP, tree.zhangzhuang)
    households, members = family_rows(村民小组="第一组")
    confirm(people.cadre, start(people.cadre, workbook(households, members)))
    household = Household.objects.get()
    assert household.region == one and household.region_path == one.path

    households[0].update({"户编号": household.code, "村(社区)": two.code, "村民小组": ""})
    for m in members:
        m["户编号"] = household.code
    job = confirm(people.cadre, start(people.cadre, workbook(households, members)))
    assert job.summary["households"]["update"] == 1
    household.refresh_from_db()
    assert household.region == two
    assert set(Resident.objects.values_list("region_path", flat=True)) == {two.path}


def test_changing_the_head_needs_the_old_head_relabelled_in_the_same_file(tree, people):
    households, members = family_rows()
    confirm(people.cadre, start(people.cadre, workbook(households, members)))
    household = Household.objects.get()
    for m in members:
        m["户编号"] = household.code
    households[0]["户编号"] = household.code
    members[2]["与户主关系"] = "户主"
    members[0]["与户主关系"] = "户主"
    job = start(people.cadre, workbook(households, members))
    assert "多个户主" in message_at(job, M, 4, "与户主关系")

    job = start(people.cadre, workbook(households, [members[2]]))
    assert "现有户主为“张建国”" in message_at(job, M, 2, "与户主关系")

    members[0]["与户主关系"] = "父母"
    job = confirm(people.cadre, start(people.cadre, workbook(households, members)))
    assert job.status == ImportStatus.APPLIED, job.errors
    household.refresh_from_db()
    assert household.head.name == "张小军" and household.head_name == "张小军"
    assert Resident.objects.get(name="张建国").relation == "parent"


def test_generated_codes_continue_after_the_highest_serial_even_past_9999(tree, people):
    HouseholdFactory(region=tree.zhangzhuang, code="4102251062079999")
    h1, m1 = family_rows("新1", "张一")
    h2, m2 = family_rows("4102251062070005", "张二")  # a real-format code for this village is kept
    confirm(people.cadre, start(people.cadre, workbook(h1 + h2, m1 + m2)))
    codes = set(Household.objects.values_list("code", flat=True))
    assert codes == {"4102251062079999", "41022510620710000", "4102251062070005"}


def test_registry_changes_between_validation_and_apply_are_caught(tree, people):
    households, members = family_rows()
    job = start(people.cadre, workbook(households, members))
    assert job.errors == []
    # Meanwhile someone registers the son in another household through the forms.
    other = family(people.cadre, tree.zhangzhuang, "别人", members=0)
    ResidentFactory(household=other, id_number=members[2]["身份证号"], region_path=other.region_path)
    before = _counts()
    job = confirm(people.cadre, job)
    assert job.status == ImportStatus.VALIDATED
    assert "发生了变化" in job.error_message
    assert problems(job) == [(M, 4, "身份证号")]
    assert _counts() == before


def _count_matching(monkeypatch) -> list[int]:
    runs: list[int] = []
    run = match._Matcher.run

    def counting(self: match._Matcher) -> match.Analysis:
        runs.append(1)
        return run(self)

    monkeypatch.setattr(match._Matcher, "run", counting)
    return runs


def test_apply_reuses_the_validation_when_the_registry_is_unchanged(tree, people, monkeypatch):
    HouseholdFactory(region=tree.leiji)  # a household already registered, not in the file
    runs = _count_matching(monkeypatch)
    job = start(people.cadre, workbook(*family_rows()))
    assert job.errors == [] and len(runs) == 1
    job = confirm(people.cadre, job)
    assert job.status == ImportStatus.APPLIED, job.error_message
    # SQLite holds the write lock from the start of apply, so an unchanged registry needs no second matching;
    # on PostgreSQL others may commit meanwhile, so apply always matches again.
    from django.db import connection

    assert len(runs) == (1 if connection.vendor == "sqlite" else 2)
    assert Household.objects.count() == 2 and Resident.objects.count() == 3


def test_a_household_edited_between_validation_and_apply_is_matched_again(tree, people, monkeypatch):
    households, members = family_rows()
    confirm(people.cadre, start(people.cadre, workbook(households, members)))
    household = Household.objects.get()
    households[0]["户编号"] = members[0]["户编号"] = household.code
    runs = _count_matching(monkeypatch)
    job = start(people.cadre, workbook(households, [members[0]]))  # 张建国 stays the head
    assert job.errors == []
    # Meanwhile the son becomes the head through the forms: no row added or removed, only saved.
    son = Resident.objects.get(name="张小军")
    services.household_change_head(actor=people.cadre, household=household, new_head=son)
    before = (_counts(), Household.objects.values_list("head_id", "version").get())
    job = confirm(people.cadre, job)
    assert len(runs) == 2
    assert job.status == ImportStatus.VALIDATED and "发生了变化" in job.error_message
    assert "现有户主为“张小军”" in message_at(job, M, 2, "与户主关系")
    assert (_counts(), Household.objects.values_list("head_id", "version").get()) == before


def test_apply_reads_the_file_again_when_the_validation_rows_are_not_at_hand(tree, people):
    job = start(people.cadre, workbook(*family_rows()))
    recall.forget_parsed()
    job = confirm(people.cadre, job)
    assert job.status == ImportStatus.APPLIED and Household.objects.count() == 1


def test_apply_runs_once(tree, people):
    job = confirm(people.cadre, start(people.cadre, workbook(*family_rows())))
    with pytest.raises(ServiceError):
        engine.apply(job, actor=people.cadre, good_rows_only=False)
    assert Household.objects.count() == 1


# --------------------------------------------------------------------------------------------------
# Starting, confirming, cancelling: who may


def test_import_start_checks_permission_size_and_records_the_region(tree, people, settings):
    content = workbook(*family_rows())
    for user in (people.nobody, people.handler, people.supervisor):
        with pytest.raises(PermissionDenied):
            jobs.import_start(actor=user, file_name="a.xlsx", content=content)
    with pytest.raises(ServiceError, match="空"):
        jobs.import_start(actor=people.cadre, file_name="a.xlsx", content=b"")
    settings.MINQING_IMPORT_MAX_BYTES = 100
    with pytest.raises(ServiceError, match="文件过大"):
        jobs.import_start(actor=people.cadre, file_name="a.xlsx", content=content)
    assert not ImportJob.objects.exists()
    settings.MINQING_IMPORT_MAX_BYTES = 10**7
    job = jobs.import_start(actor=people.officer, file_name="a.xlsx", content=content)
    assert job.region_path == tree.township.path and job.created_by == people.officer
    assert job.rows_total == 4 and job.rows_done == 4 and job.progress_percent == 100


def test_only_the_uploader_confirms_or_cancels(tree, people):
    job = start(people.cadre, workbook(*family_rows()))
    with pytest.raises(PermissionDenied):
        jobs.import_confirm(actor=people.officer, job=job, good_rows_only=False)
    with pytest.raises(PermissionDenied):
        jobs.import_cancel(actor=people.officer, job=job)
    job = jobs.import_cancel(actor=people.cadre, job=job)
    assert job.status == ImportStatus.CANCELLED and bytes(job.content) == b""
    with pytest.raises(ServiceError):
        jobs.import_confirm(actor=people.cadre, job=job, good_rows_only=False)
    assert not Household.objects.exists()


def test_applied_job_cannot_be_cancelled(tree, people):
    job = confirm(people.cadre, start(people.cadre, workbook(*family_rows())))
    with pytest.raises(ServiceError):
        jobs.import_cancel(actor=people.cadre, job=job)


def test_validation_writes_only_the_job(tree, people):
    entries = AuditEntry.objects.count()
    job = start(people.cadre, workbook(*family_rows()))
    assert job.status == ImportStatus.VALIDATED
    assert _counts() == (0, 0, 0) and AuditEntry.objects.count() == entries


# --------------------------------------------------------------------------------------------------
# Export service


def test_export_needs_the_permission_is_scoped_and_audited(tree, people):
    family(people.cadre, tree.zhangzhuang, "张建国", members=1)
    family(people.cadre_leiji, tree.leiji, "雷大", members=0)
    with pytest.raises(PermissionDenied):
        services.households_export(actor=people.handler, qs=Household.objects.all())
    content = services.households_export(actor=people.cadre, qs=Household.objects.all())
    sheets = read_back(content)
    assert [r["户编号"] for r in sheets[H]] == [Household.objects.get(head_name="张建国").code]
    assert len(sheets[M]) == 2
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor == people.cadre and "导出户 1 户、成员 2 人" in entry.note
    assert entry.region_path == tree.zhangzhuang.path


def test_export_leaves_out_the_dead_and_a_reimport_keeps_a_dead_head(tree, people):
    household = family(people.cadre, tree.zhangzhuang, "张建国", members=1)
    services.resident_record_death(actor=people.cadre, resident=household.head, on=timezone.localdate())
    content = services.households_export(actor=people.cadre, qs=Household.objects.all())
    assert [r["姓名"] for r in read_back(content)[M]] == ["张小0"]
    job = start(people.cadre, content)
    assert job.errors == [], job.errors


# --------------------------------------------------------------------------------------------------
# The shortcuts give the same answers as identity.py


def test_fast_id_number_agrees_with_normalize_id_number():
    rng = random.Random(7)
    samples: list[object] = []
    for i in range(400):
        valid = make_id_number(
            born=datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(30000)), serial=i
        )
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in valid)
        samples += [
            valid,
            valid.lower(),
            f" {valid} ",
            valid[:-1] + rng.choice("0123456789X"),
            valid[:17],
            full_width,
        ]
    samples += [
        "110101199003071234",
        "990101199003071235",
        "410225199013011234",
        "４１０２２５",
        4.1e17,
        410225,
        "",
    ]
    for raw in samples:
        try:
            expected: object = normalize_id_number(raw)
        except DjangoValidationError as exc:
            expected = exc.messages
        try:
            got: object = cells.fast_id_number(raw)
        except DjangoValidationError as exc:
            got = exc.messages
        assert got == expected, raw


def test_initials_agree_with_pinyin_initials_on_awkward_names():
    names = ["单田芳", "曾国藩", "长孙无忌", "解放军", "乐嘉", "重庆", "朴正熙", "尉迟恭", "阿依古丽·买买提", "A张3", "张-三",
             "覃", "区志强", "仇大海", "查良镛", "召唤", "〇", "𠀀字", "银行", "行长", "张银行", "李长江", ""]  # fmt: skip
    rng = random.Random(3)
    chars = [chr(c) for c in range(0x4E00, 0x9FA5)]
    names += ["".join(rng.choice(chars) for _ in range(rng.randint(1, 4))) for _ in range(2000)]
    initials = cells.Initials()
    for name in names:
        assert initials(name) == pinyin_initials(name), name
