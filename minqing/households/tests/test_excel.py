"""The workbook itself: template, unreadable files, bad cells (with the row and column a user sees),
export and the error report. Every workbook here is a real .xlsx written by openpyxl or xlsxwriter."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from minqing.core.tests.zips import workbook_bomb
from minqing.households import excel
from minqing.households.models import Household, ImportJob, ImportStatus, Resident
from minqing.printing import xlsx

from .helpers_excel import (
    H_HEADERS,
    M_HEADERS,
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


def _nothing_written() -> bool:
    return not Household.objects.exists() and not Resident.objects.exists()


# --------------------------------------------------------------------------------------------------
# Template


def test_template_has_both_sheets_text_columns_dropdowns_examples_and_instructions(db):
    content = excel.build_template()
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == [excel.GUIDE_SHEET, H, M]
    assert [c.value for c in book[H][1]] == H_HEADERS
    assert [c.value for c in book[M][1]] == M_HEADERS
    # ID numbers, phones and codes stay text when typed in: the whole column is formatted "@".
    members = book[M]
    for header in ("户编号", "身份证号", "联系电话"):
        letter = openpyxl.utils.get_column_letter(M_HEADERS.index(header) + 1)
        assert members.column_dimensions[letter].number_format == "@", header
    assert members["A2"].value.startswith(excel.EXAMPLE_PREFIX)
    assert book[H]["A2"].value.startswith(excel.EXAMPLE_PREFIX)
    validations = {str(v.sqref).split(":")[0]: v.formula1 for v in members.data_validations.dataValidation}
    relation_col = openpyxl.utils.get_column_letter(M_HEADERS.index("与户主关系") + 1)
    assert "户主" in validations[f"{relation_col}2"]
    guide = "\n".join(str(c.value) for c in book[excel.GUIDE_SHEET]["A"] if c.value)
    assert "新1" in guide and "示例" in guide and "户主" in guide


def test_template_round_trip_download_fill_import_applies_everything(tree, people):
    """Download the template, fill it in below the examples as a user would, import: all applied."""
    book = openpyxl.load_workbook(io.BytesIO(excel.build_template()))
    head_id, wife_id = new_id(), new_id(datetime.date(1975, 6, 1), male=False)
    book[H].append(["新1", "张庄村", "", "张庄村东街3号", "砖木", 4, 0, 0.5, 0.25, "低保户", ""])
    book[H].append(["新2", "410225106207", "", "张庄村西街9号", "", "", "", "", "", "", "新迁入"])
    book[M].append(["新1", "张大山", "户主", "男", "", "汉族", head_id, "13912345678", "在家", "", ""])
    book[M].append(["新1", "李秀兰", "配偶", "", "", "", wife_id, "", "外出务工", "残疾人", ""])
    book[M].append(
        ["新2", "王独居", "户主", "女", datetime.date(1950, 2, 3), "回族", "", "0371-2345678", "", "", ""]
    )
    buffer = io.BytesIO()
    book.save(buffer)

    job = start(people.cadre, buffer.getvalue())
    assert job.status == ImportStatus.VALIDATED, job.error_message
    assert job.errors == []
    assert job.summary["households"]["create"] == 2 and job.summary["residents"]["create"] == 3
    job = confirm(people.cadre, job)
    assert job.status == ImportStatus.APPLIED, job.error_message

    first, second = Household.objects.order_by("code")
    assert (first.code, second.code) == ("4102251062070001", "4102251062070002")
    assert first.head.name == "张大山" and first.head_name == "张大山" and first.housing == "brick_wood"
    assert [t.name for t in first.tags.all()] == ["低保户"]
    assert str(first.land_homestead) == "0.25"
    wife = Resident.objects.get(name="李秀兰")
    assert wife.gender == "F" and wife.living == "away_work" and wife.ethnicity == "汉族"
    assert [t.name for t in wife.tags.all()] == ["残疾人"]
    alone = second.head
    assert (
        alone.birth_date == datetime.date(1950, 2, 3)
        and alone.ethnicity == "回族"
        and alone.id_number is None
    )
    assert alone.phone == "0371-2345678"
    # The example rows of the template were skipped.
    assert not Resident.objects.filter(name="张三").exists()


# --------------------------------------------------------------------------------------------------
# Files that are not a household workbook at all


@pytest.mark.parametrize(
    "content",
    [
        "户编号,姓名\n新1,张三\n".encode("gb18030"),  # a CSV renamed to .xlsx
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048,  # a legacy .xls (OLE) renamed
        b"PK\x03\x04" + b"\x14\0broken zip" * 50,  # a damaged zip
    ],
    ids=["csv", "xls", "corrupt-zip"],
)
def test_a_file_that_is_not_xlsx_fails_with_one_clear_message(tree, people, content):
    job = start(people.cadre, content, "户.xlsx")
    assert job.status == ImportStatus.FAILED
    assert job.error_message.startswith("文件不是有效的 Excel .xlsx 文件")
    assert job.finished_at is not None
    assert _nothing_written()


def test_a_zip_that_is_not_a_spreadsheet_fails(tree, people):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    job = start(people.cadre, buffer.getvalue())
    assert job.status == ImportStatus.FAILED and "不是有效的 Excel" in job.error_message


def test_renamed_header_names_the_missing_and_the_unexpected_column(tree, people):
    headers = [("身份证号码" if h == "身份证号" else h) for h in M_HEADERS]
    households, members = family_rows()
    content = workbook(
        households,
        [{("身份证号码" if k == "身份证号" else k): v for k, v in m.items()} for m in members],
        m_headers=headers,
    )
    job = start(people.cadre, content)
    assert job.status == ImportStatus.FAILED
    assert "成员信息" in job.error_message
    assert "缺少列：身份证号" in job.error_message and "身份证号码" in job.error_message
    assert job.errors[0]["sheet"] == M and job.errors[0]["row"] == 1
    assert _nothing_written()


def test_full_width_brackets_and_spaces_in_headers_are_accepted(tree, people):
    headers = [h.replace("(", "（").replace(")", "）") + " " for h in H_HEADERS]
    households, members = family_rows()
    content = workbook(
        [{k.replace("(", "（").replace(")", "）") + " ": v for k, v in households[0].items()}],
        members,
        h_headers=headers,
    )
    job = start(people.cadre, content)
    assert job.status == ImportStatus.VALIDATED and job.errors == [], job.errors


def test_missing_sheet_is_reported(tree, people):
    households, _members = family_rows()
    job = start(people.cadre, workbook(households, [], sheets=(H,)))
    assert job.status == ImportStatus.FAILED
    assert "缺少工作表“成员信息”" in job.error_message


def test_sheet_without_header_and_file_without_rows_are_reported(tree, people):
    book = openpyxl.Workbook()
    book.active.title = H
    book.active.append(H_HEADERS)
    book.create_sheet(M)  # entirely empty
    buffer = io.BytesIO()
    book.save(buffer)
    job = start(people.cadre, buffer.getvalue())
    assert job.status == ImportStatus.FAILED and "“成员信息”是空的" in job.error_message

    job = start(people.cadre, workbook([], []))
    assert job.status == ImportStatus.FAILED and "没有数据行" in job.error_message


def test_more_rows_than_the_limit_are_refused_before_reading_them(tree, people, settings):
    settings.MINQING_IMPORT_MAX_ROWS = 3
    households, members = family_rows()
    more = [member("新1", f"张{i}", "子") for i in range(2)]
    job = start(people.cadre, workbook(households, members + more))
    assert job.status == ImportStatus.FAILED
    assert "成员信息" in job.error_message and "上限 3 行" in job.error_message
    settings.MINQING_IMPORT_MAX_ROWS = 5
    assert start(people.cadre, workbook(households, members + more)).status == ImportStatus.VALIDATED


# --------------------------------------------------------------------------------------------------
# Bad cells: each reported at the row and column the user sees, and nothing applied


def _bad_member_job(people, **cells):
    """A good household whose second member (Excel row 3 on 成员信息) has the given cells."""
    households, members = family_rows()
    members[1].update(cells)
    job = start(people.cadre, workbook(households, members))
    assert job.status == ImportStatus.VALIDATED, job.error_message
    return job


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"身份证号": 410225197203040021.0}, "身份证号", "存成了数字"),
        ({"身份证号": "4.10225E+17"}, "身份证号", "科学计数法"),
        ({"身份证号": "41022519720304002"}, "身份证号", "18位"),
        ({"联系电话": "138abc45678"}, "联系电话", "只能包含数字"),
        ({"出生日期": "1972-03-05"}, "出生日期", "与身份证号不符"),
        ({"出生日期": "去年"}, "出生日期", "无法识别"),
        ({"性别": "男"}, "性别", "与身份证号不符"),
        ({"与户主关系": "老伴"}, "与户主关系", "不是有效选项"),
        ({"与户主关系": ""}, "与户主关系", "请填写"),
        ({"姓名": ""}, "姓名", "不能为空"),
        ({"居住状态": "出差"}, "居住状态", "不是有效选项"),
        ({"困难类别": "不存在的类别"}, "困难类别", "不存在"),
        ({"困难类别": "低保户"}, "困难类别", "是户的困难类别"),
    ],
    ids=[
        "id-float",
        "id-scientific",
        "id-length",
        "phone-letters",
        "birth-vs-id",
        "birth-unreadable",
        "gender-vs-id",
        "relation",
        "relation-blank",
        "name-blank",
        "living",
        "tag-unknown",
        "tag-household-level",
    ],
)
def test_bad_member_cell_is_reported_at_its_row_and_column(tree, people, cells, column, words):
    job = _bad_member_job(people, **cells)
    assert words in message_at(job, M, 3, column)
    assert job.summary["households"]["skipped"] == 1
    assert job.summary["rows"]["members"] == {"total": 3, "good": 0, "bad": 1, "skipped": 2}
    with pytest.raises(Exception, match="处问题"):
        confirm(people.cadre, job)
    assert _nothing_written()


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"耕地(亩)": -1}, "耕地(亩)", "不能为负数"),
        ({"林地(亩)": "三亩"}, "林地(亩)", "应为数字"),
        ({"园地(亩)": 12345678}, "园地(亩)", "过大"),
        ({"住房状况": "楼房"}, "住房状况", "不是有效选项"),
        ({"困难类别": "低保户、留守儿童"}, "困难类别", "是个人的困难类别"),
        ({"村(社区)": "不存在村"}, "村(社区)", "行政区划中没有"),
        ({"村(社区)": "东坝头镇"}, "村(社区)", "不是村（社区）或村民小组"),
        ({"村(社区)": "雷集村"}, "村(社区)", "不在您的管辖范围内"),
        ({"村(社区)": "4102251062"}, "村(社区)", "12位"),
        ({"村民小组": "第九组"}, "村民小组", "下没有村民小组"),
        ({"户编号": 4102251062070001.0}, "户编号", "存成了数字"),
        ({"户编号": "4102251062000001"}, "户编号", "与所在村代码"),
    ],
    ids=[
        "land-negative",
        "land-text",
        "land-huge",
        "housing",
        "tag-person-level",
        "village-unknown",
        "village-is-township",
        "village-outside-cadre-regions",
        "village-code-length",
        "group-unknown",
        "code-numeric",
        "code-other-village",
    ],
)
def test_bad_household_cell_is_reported_at_its_row_and_column(tree, people, cells, column, words):
    households, members = family_rows()
    households[0].update(cells)
    if "户编号" in cells:
        for m in members:
            m["户编号"] = str(int(cells["户编号"])) if isinstance(cells["户编号"], float) else cells["户编号"]
    job = start(people.cadre, workbook(households, members))
    assert job.status == ImportStatus.VALIDATED, job.error_message
    assert words in message_at(job, H, 2, column), job.errors
    assert job.summary["households"]["skipped"] == 1
    assert _nothing_written()


def test_invalid_checksum_is_reported(tree, people):
    households, members = family_rows()
    valid = members[1]["身份证号"]
    members[1]["身份证号"] = valid[:-1] + ("1" if valid[-1] == "0" else "0")
    job = start(people.cadre, workbook(households, members))
    assert "校验位错误" in message_at(job, M, 3, "身份证号")
    assert problems(job) == [(M, 3, "身份证号")]


def test_person_listed_twice_in_one_household(tree, people):
    households, members = family_rows()
    members.append(dict(members[1]))
    members.append(member("新1", "张小妹", "女", 身份证号=""))
    members.append(member("新1", "张小妹", "女", 身份证号=""))
    job = start(people.cadre, workbook(households, members))
    assert "重复填写" in message_at(job, M, 5, "身份证号")
    assert "重复填写" in message_at(job, M, 7, "姓名")
    assert problems(job) == [(M, 5, "身份证号"), (M, 7, "姓名")]


def test_same_id_number_in_two_households_flags_both_rows(tree, people):
    h1, m1 = family_rows("新1", "张建国")
    h2, m2 = family_rows("新2", "李四")
    m2[2]["身份证号"] = m1[2]["身份证号"]
    job = start(people.cadre, workbook(h1 + h2, m1 + m2))
    assert "第7行" in message_at(job, M, 4, "身份证号")
    assert "第4行" in message_at(job, M, 7, "身份证号")
    assert job.summary["households"]["skipped"] == 2


def test_household_needs_exactly_one_head(tree, people):
    h1, m1 = family_rows("新1", "张建国")
    m1[1]["与户主关系"] = "户主"  # two heads
    h2, m2 = family_rows("新2", "李四")
    m2[0]["与户主关系"] = "其他"  # no head
    h3 = [hh("新3")]  # no members at all
    job = start(people.cadre, workbook(h1 + h2 + h3, m1 + m2))
    assert "多个户主" in message_at(job, M, 3, "与户主关系")
    assert "没有户主" in message_at(job, H, 3, "户编号")
    assert "没有成员" in message_at(job, H, 4, "户编号")


def test_member_whose_household_is_neither_in_the_sheet_nor_registered(tree, people):
    households, members = family_rows()
    members.append(member("新9", "孤单", "户主"))
    job = start(people.cadre, workbook(households, members))
    assert "既不在“户信息”表中" in message_at(job, M, 5, "户编号")
    assert job.summary["households"] == {"create": 1, "update": 0, "unchanged": 0, "skipped": 1}


def test_duplicate_household_code_in_the_sheet(tree, people):
    households, members = family_rows()
    job = start(people.cadre, workbook([*households, hh("新1", 住址="别处")], members))
    assert "与第2行重复" in message_at(job, H, 3, "户编号")


def test_rows_are_numbered_as_excel_shows_them_with_blank_rows_and_a_title_row(tree, people):
    """A title above the header and blank rows in between must not shift the reported row numbers."""
    households, members = family_rows()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = H
    sheet.append(["张庄村民情档案（2026年）"])
    sheet.append(H_HEADERS)
    sheet.append([])
    sheet.append([households[0].get(h, "") for h in H_HEADERS])
    m_sheet = book.create_sheet(M)
    m_sheet.append(M_HEADERS)
    members[2]["联系电话"] = "电话坏了"
    for m in members:
        m_sheet.append([m.get(h, "") for h in M_HEADERS])
        m_sheet.append([])
    buffer = io.BytesIO()
    book.save(buffer)
    job = start(people.cadre, buffer.getvalue())
    assert job.status == ImportStatus.VALIDATED, job.error_message
    assert problems(job) == [(M, 6, "联系电话")]
    assert job.summary["rows"]["households"]["total"] == 1


def test_every_problem_is_listed_at_once_in_file_order(tree, people):
    households, members = family_rows()
    households[0]["耕地(亩)"] = "abc"
    members[0]["联系电话"] = "x"
    members[2]["身份证号"] = "123"
    job = start(people.cadre, workbook(households, members))
    assert problems(job) == [(H, 2, "耕地(亩)"), (M, 2, "联系电话"), (M, 4, "身份证号")]


# --------------------------------------------------------------------------------------------------
# Error report and export


def test_errors_workbook_lists_every_problem(tree, people):
    households, members = family_rows()
    members[0]["联系电话"] = "x"
    members[1]["身份证号"] = "4.10225E+17"
    job = start(people.cadre, workbook(households, members))
    rows = read_back(excel.errors_workbook(job))["错误清单"]
    assert [(r["工作表"], r["行号"], r["列"]) for r in rows] == [(M, 2, "联系电话"), (M, 3, "身份证号")]
    assert "科学计数法" in rows[1]["问题"]


def test_errors_workbook_of_an_unreadable_file_carries_the_file_message(tree, people):
    job = start(people.cadre, b"not a workbook")
    rows = read_back(excel.errors_workbook(job))["错误清单"]
    assert len(rows) == 1 and rows[0]["问题"].startswith("文件不是有效的")


def test_export_writes_the_import_layout_with_full_ids_and_phones_as_text(tree, people):
    households, members = family_rows()
    members[0]["联系电话"] = "13800001111"
    job = confirm(people.cadre, start(people.cadre, workbook(households, members)))
    assert job.status == ImportStatus.APPLIED
    content = excel.export_households(Household.objects.all())
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == [H, M]
    assert [c.value for c in book[H][1]] == H_HEADERS and [c.value for c in book[M][1]] == M_HEADERS
    id_col = M_HEADERS.index("身份证号")
    phone_col = M_HEADERS.index("联系电话")
    head_row = [c for c in book[M][2]]
    assert head_row[id_col].data_type == "s" and head_row[id_col].value == members[0]["身份证号"]
    assert head_row[phone_col].data_type == "s" and head_row[phone_col].value == "13800001111"
    assert book[H]["A2"].value == "4102251062070001" and book[H]["A2"].data_type == "s"


# --------------------------------------------------------------------------------------------------
# Cells


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "0.00"),
        (None, "0.00"),
        (0, "0.00"),
        (2.5, "2.50"),
        (1.005, "1.00"),
        ("3亩", "3.00"),
        ("1,234.5", "1234.50"),
    ],
)
def test_land_cells(raw, expected):
    assert str(xlsx.cell_decimal(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "reason"), [("2,5", "nan"), ("abc", "nan"), (-1, "negative"), ("1E+30", "too_big"), (True, "nan")]
)
def test_bad_land_cells(raw, reason):
    with pytest.raises(ValueError, match=reason):
        xlsx.cell_decimal(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (datetime.datetime(1980, 1, 2), datetime.date(1980, 1, 2)),
        ("1980-01-02", datetime.date(1980, 1, 2)),
        ("1980/1/2", datetime.date(1980, 1, 2)),
        ("1980年1月2日", datetime.date(1980, 1, 2)),
        ("19800102", datetime.date(1980, 1, 2)),
        (19800102.0, datetime.date(1980, 1, 2)),
        ("", None),
    ],
)
def test_date_cells(raw, expected):
    assert xlsx.cell_date(raw) == expected


@pytest.mark.parametrize("raw", ["1980-02-30", "去年", 29221.0])
def test_bad_date_cells(raw):
    with pytest.raises(ValueError):
        xlsx.cell_date(raw)


def test_code_cells_refuse_numbers_excel_has_rounded():
    assert xlsx.code_text(410225106207.0) == "410225106207"
    assert xlsx.code_text(" 新1 ") == "新1"
    for raw in (4102251062070001.0, "4.10225E+15", 1.5):
        with pytest.raises(ValueError):
            xlsx.code_text(raw)


def test_sheet_sizes_are_read_without_loading_the_sheets():
    households, members = family_rows()
    assert xlsx.sheet_last_rows(workbook(households, members)) == {H: 2, M: 4}
    assert xlsx.sheet_last_rows(b"not a zip") == {}


def test_a_village_cadre_uploading_a_zip_bomb_is_refused_on_the_form_and_nothing_is_stored(
    client, tree, people
):
    households, members = family_rows()
    bomb = workbook_bomb(workbook(households, members), 1500)
    assert len(bomb) < 2 * 1024 * 1024
    client.force_login(people.cadre)
    response = client.post(reverse("households:import"), {"file": SimpleUploadedFile("户.xlsx", bomb)})
    assert response.status_code == 200
    assert "“户.xlsx”解压后有 1500 MB" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert _nothing_written()
