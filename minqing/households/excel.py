"""The household workbook (民情档案 Excel): its layout, the template, reading its sheets, export, error report.

The same two sheets and headers serve the template, the import and the export, so an exported file
can be edited and imported again. Reading uses python-calamine (fast, streaming rows); writing uses
xlsxwriter (constant memory for exports); the cells and writers any workbook shares are in
minqing.printing.xlsx.

Headers are part of the file format, not interface text: they are fixed Chinese strings and are not
translated, otherwise a workbook downloaded in one language could not be imported in another.
"""

import datetime
import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from minqing.printing import xlsx
from minqing.printing.xlsx import Col, WorkbookError
from minqing.regions.models import Level, Region

from .identity import id_birth_date
from .models import DifficultyTag, Gender, Household, Housing, ImportJob, Living, Relation, Resident, TagScope

HOUSEHOLD_SHEET = "户信息"
MEMBER_SHEET = "成员信息"
GUIDE_SHEET = "填写说明"

# Rows whose 户编号 starts with this are the template's examples and are skipped on import.
EXAMPLE_PREFIX = "示例"
# Temporary codes for new households in the template look like this; any code unknown to the
# registry that is not a real code of the row's village is treated the same way.
TEMP_CODE_EXAMPLE = "新1"

# Data validations reach this far down; beyond it cells are still accepted, just without a dropdown.
TEMPLATE_VALIDATION_ROWS = 20000


HOUSEHOLD_COLUMNS: tuple[Col, ...] = (
    Col("code", "户编号", 20, text=True, required=True),
    Col("village", "村(社区)", 16, text=True, required=True),
    Col("group", "村民小组", 12, text=True),
    Col("address", "住址", 26),
    Col("housing", "住房状况", 14),
    Col("land_farmland", "耕地(亩)", 10),
    Col("land_forest", "林地(亩)", 10),
    Col("land_garden", "园地(亩)", 10),
    Col("land_homestead", "宅基地(亩)", 11),
    Col("tags", "困难类别", 22),
    Col("notes", "备注", 30),
)

MEMBER_COLUMNS: tuple[Col, ...] = (
    Col("code", "户编号", 20, text=True, required=True),
    Col("name", "姓名", 12, required=True),
    Col("relation", "与户主关系", 14, required=True),
    Col("gender", "性别", 6),
    Col("birth_date", "出生日期", 12, kind="date"),
    Col("ethnicity", "民族", 8),
    Col("id_number", "身份证号", 22, text=True),
    Col("phone", "联系电话", 16, text=True),
    Col("living", "居住状态", 12),
    Col("tags", "困难类别", 22),
    Col("notes", "备注", 30),
)

LAND_KEYS = ("land_farmland", "land_forest", "land_garden", "land_homestead")
SHEET_COLUMNS = {HOUSEHOLD_SHEET: HOUSEHOLD_COLUMNS, MEMBER_SHEET: MEMBER_COLUMNS}
HEADER = {sheet: {c.key: c.header for c in cols} for sheet, cols in SHEET_COLUMNS.items()}

# --------------------------------------------------------------------------------------------------
# Reading


@dataclass
class SheetReader:
    """The data rows of one sheet, with the position of each known column."""

    name: str
    header_row: int  # Excel row number of the header (1-based)
    positions: dict[str, int]  # column key → index in a row list
    row_count: int  # upper bound on data rows (blank rows included)
    _sheet: Any

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(Excel row number, cells in the sheet's column order) for every non-blank data row."""
        positions = [self.positions[c.key] for c in SHEET_COLUMNS[self.name]]
        pick = itemgetter(*positions)
        needed = max(positions) + 1
        width = len(positions)
        rows = itertools.islice(self._sheet.iter_rows(), self.header_row, None)
        for number, row in enumerate(rows, start=self.header_row + 1):
            if len(row) >= needed:
                cells = pick(row)
            else:
                cells = tuple(row[p] if p < len(row) else "" for p in positions)
            empty = cells.count("")
            if empty == width:
                continue
            # Rarely, the rest of a row holds only spaces: still a blank row.
            if empty >= width - 2 and all(isinstance(v, str) and not v.strip() for v in cells):
                continue
            yield number, cells


def read_sheet(workbook: Any, name: str) -> SheetReader:
    """Locate `name` and its headers; raise WorkbookError for a missing sheet or wrong headers."""
    columns = SHEET_COLUMNS[name]
    sheet_names = list(workbook.sheet_names)
    if name not in sheet_names:
        raise WorkbookError(
            _("缺少工作表“%(name)s”（文件中的工作表：%(found)s）。请使用下载的模板填写。")
            % {"name": name, "found": "、".join(sheet_names) or "—"},
            [_problem(name, 0, "", _("缺少工作表“%(name)s”。") % {"name": name})],
        )
    try:
        sheet = workbook.get_sheet_by_name(name)
    except Exception as exc:
        raise xlsx.not_xlsx() from exc
    located = xlsx.find_header(sheet, columns)
    if located is None:
        message = _("工作表“%(name)s”是空的，没有表头。请使用下载的模板填写。") % {"name": name}
        raise WorkbookError(message, [_problem(name, 1, "", message)])
    header_row, cells = located
    positions: dict[str, int] = {}
    by_header = {c.header: c.key for c in columns}
    unexpected: list[str] = []
    duplicated: list[str] = []
    for index, value in enumerate(cells):
        header = xlsx.norm_header(value)
        if not header:
            continue
        key = by_header.get(header)
        if key is None:
            unexpected.append(xlsx.cell_text(value))
        elif key in positions:
            duplicated.append(header)
        else:
            positions[key] = index
    missing = [c.header for c in columns if c.key not in positions]
    if missing or duplicated:
        parts = []
        if missing:
            parts.append(_("缺少列：%(cols)s") % {"cols": "、".join(missing)})
        if unexpected:
            parts.append(_("发现无法识别的列：%(cols)s") % {"cols": "、".join(unexpected)})
        if duplicated:
            parts.append(_("重复的列：%(cols)s") % {"cols": "、".join(duplicated)})
        detail = "；".join(parts)
        message = _("工作表“%(name)s”第%(row)d行的表头不对（%(detail)s）。请不要修改模板的表头。") % {
            "name": name,
            "row": header_row,
            "detail": detail,
        }
        raise WorkbookError(message, [_problem(name, header_row, "", message)])
    end = sheet.end
    row_count = max(0, (end[0] + 1 if end else 0) - header_row)
    return SheetReader(
        name=name, header_row=header_row, positions=positions, row_count=row_count, _sheet=sheet
    )


def check_row_limit(name: str, rows: int, *, slack: int = 0) -> None:
    """Refuse a sheet with more than settings.MINQING_IMPORT_MAX_ROWS data rows (each sheet counts on
    its own). `slack`: rows that may turn out not to be data (a title row above the header)."""
    limit = settings.MINQING_IMPORT_MAX_ROWS
    if rows - slack > limit:
        message = _(
            "工作表“%(name)s”有 %(n)d 行数据，超过一次导入的上限 %(limit)d 行；请分成几个文件导入。"
        ) % {"name": name, "n": rows, "limit": limit}
        raise WorkbookError(message, [_problem(name, 0, "", message)])


def _problem(sheet: str, row: int, column: str, message: str) -> dict[str, Any]:
    return {"sheet": sheet, "row": row, "column": column, "message": message}


# --------------------------------------------------------------------------------------------------
# Template


def _dropdown(sheet: Any, name: str, key: str, options: Sequence[str], title: str) -> None:
    index = next(i for i, c in enumerate(SHEET_COLUMNS[name]) if c.key == key)
    sheet.data_validation(
        1,
        index,
        TEMPLATE_VALIDATION_ROWS,
        index,
        {
            "validate": "list",
            "source": list(options),
            "error_type": "warning",
            "error_title": title,
            "error_message": _("请从下拉列表中选择。"),
        },
    )


def _guide_lines(tag_names: dict[str, list[str]]) -> list[str]:
    housing = "、".join(xlsx.choice_labels(Housing))
    relation = "、".join(xlsx.choice_labels(Relation))
    living = "、".join(xlsx.choice_labels(Living))
    limit = settings.MINQING_IMPORT_MAX_ROWS
    return [
        _("一、文件结构"),
        _(
            "本文件有两个工作表：“户信息”每户一行，“成员信息”每人一行，两表通过“户编号”关联。请不要修改表头、"
            "不要改工作表名称；表头为红色的列必须填写。每个工作表最多 %(limit)d 行。"
        )
        % {"limit": limit},
        _("以“示例”开头的户编号是示例行，导入时自动跳过，可以删除。"),
        "",
        _("二、户编号"),
        _("1. 修改已有的户：填写系统中的户编号（可先“导出”再修改后导入）。"),
        _(
            "2. 新增的户：户编号填写临时编号，如“新1”“新2”……两表中同一户的临时编号必须一致。"
            "导入时系统按“村代码+4位序号”自动生成正式户编号，临时编号不会保存。"
        ),
        _("3. 也可直接填写正式格式的新户编号（本村12位代码+4位序号，共16位数字）。"),
        _(
            "4. 重复导入同一文件不会产生重复的户：已有户编号的户按户编号更新；临时编号的户，"
            "若户主身份证号已是系统中某户的户主，则视为该户并更新。"
        ),
        "",
        _("三、户信息"),
        _(
            "村(社区)：填写村（社区）名称或12位区划代码；也可直接填写村民小组名称或15位代码。"
            "只能导入您管辖范围内的村。同名村请填写代码。"
        ),
        _("村民小组：可不填；填写时须是该村下的村民小组名称。"),
        _("住房状况：%(options)s。") % {"options": housing},
        _("耕地、林地、园地、宅基地：单位为亩，填数字，最多两位小数，不填为0。"),
        _("困难类别（户）：多个用顿号“、”或逗号分隔，可选：%(tags)s。")
        % {"tags": "、".join(tag_names.get(TagScope.HOUSEHOLD, [])) or "—"},
        "",
        _("四、成员信息"),
        _("与户主关系：%(options)s。每户必须有且只有一名户主。") % {"options": relation},
        _(
            "修改已有的户时，表中可以只列出部分成员，未列出的成员保持不变；不填户主时原户主不变；"
            "更换户主须在本表中同时修改原户主的与户主关系。"
        ),
        _(
            "身份证号：18位，请保持“文本”格式（模板已设置），否则Excel会把它变成科学计数法并丢失末位。"
            "填写身份证号后，性别和出生日期可不填，由身份证号得出；如填写须与身份证号一致。"
        ),
        _("同一身份证号只能出现一次；已登记在其他户的人不能通过导入移入本户，请使用“迁移”或“分户”功能。"),
        _("出生日期：如 1980-01-02；联系电话：手机11位或带区号的固话。"),
        _("居住状态：%(options)s；不填为“在家”。民族不填时新成员记为汉族。") % {"options": living},
        _("困难类别（人）：可选：%(tags)s。")
        % {"tags": "、".join(tag_names.get(TagScope.PERSON, [])) or "—"},
        "",
        _("五、导入规则"),
        _("1. 导入分两步：先校验，列出所有问题（工作表、行号、列、原因）；确认后才写入。"),
        _("2. 一户的户信息或任何一名成员有错误时，整户都不导入，不会只导入半户。"),
        _("3. 已有的成员按身份证号匹配，没有身份证号的按同户姓名匹配，只更新有变化的内容。"),
        _("4. 每一行就是该户或该人的完整信息：空白单元格会清空原有内容（身份证号、民族留空则保持原样）。"),
        _("5. 导入只新增和修改，不会删除户或成员；成员迁出、死亡等请在系统中办理。"),
    ]


def build_template() -> bytes:
    """The empty workbook users download: both sheets with headers, text-formatted code/ID/phone
    columns, dropdowns for the enumerations, one example row each, and the instructions sheet."""
    tags: dict[str, list[str]] = {}
    for tag in DifficultyTag.objects.filter(is_active=True).order_by("sort_order", "name"):
        tags.setdefault(tag.applies_to, []).append(tag.name)
    buffer = io.BytesIO()
    workbook = xlsx.new_workbook(buffer)
    formats = xlsx.Formats(workbook)

    guide = workbook.add_worksheet(GUIDE_SHEET)
    guide.set_column(0, 0, 110, formats.wrap)
    guide.write_string(0, 0, _("民情档案导入模板 · 填写说明"), formats.title)
    for index, line in enumerate(_guide_lines(tags), start=2):
        guide.write_string(index, 0, line)

    households = xlsx.add_sheet(workbook, formats, HOUSEHOLD_SHEET, HOUSEHOLD_COLUMNS)
    example_code = f"{EXAMPLE_PREFIX}1"
    example_household = {
        "code": example_code,
        "village": "张庄村",
        "group": "",
        "address": "张庄村前街12号",
        "housing": next(k for k, v in xlsx.choice_labels(Housing).items() if v == Housing.BRICK_WOOD),
        "land_farmland": 3.5,
        "land_forest": 0,
        "land_garden": 0.5,
        "land_homestead": 0.3,
        "tags": "、".join(tags.get(TagScope.HOUSEHOLD, [])[:1]),
        "notes": _("示例行，导入时自动跳过，可删除"),
    }
    _write_example(households, formats, HOUSEHOLD_COLUMNS, example_household)
    _dropdown(households, HOUSEHOLD_SHEET, "housing", list(xlsx.choice_labels(Housing)), "住房状况")

    members = xlsx.add_sheet(workbook, formats, MEMBER_SHEET, MEMBER_COLUMNS)
    example_id = _with_check_digit("41022519700101001")
    with translation.override("zh-hans"):
        example_member = {
            "code": example_code,
            "name": "张三",
            "relation": str(Relation.HEAD.label),
            "gender": str(Gender.MALE.label),
            "birth_date": id_birth_date(example_id),
            "ethnicity": "汉族",
            "id_number": example_id,
            "phone": "13800000000",
            "living": str(Living.HOME.label),
            "tags": "",
            "notes": _("示例行，导入时自动跳过，可删除"),
        }
    _write_example(members, formats, MEMBER_COLUMNS, example_member)
    _dropdown(members, MEMBER_SHEET, "relation", list(xlsx.choice_labels(Relation)), "与户主关系")
    _dropdown(members, MEMBER_SHEET, "gender", list(xlsx.choice_labels(Gender)), "性别")
    _dropdown(members, MEMBER_SHEET, "living", list(xlsx.choice_labels(Living)), "居住状态")
    workbook.close()
    return buffer.getvalue()


def _with_check_digit(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _write_example(sheet: Any, formats: xlsx.Formats, columns: Sequence[Col], values: dict[str, Any]) -> None:
    for index, col in enumerate(columns):
        value = values.get(col.key, "")
        if isinstance(value, datetime.date):
            sheet.write_datetime(
                1, index, datetime.datetime.combine(value, datetime.time()), formats.example_date
            )
        elif isinstance(value, int | float):
            sheet.write_number(1, index, value, formats.example)
        else:
            sheet.write_string(1, index, str(value), formats.example)


# --------------------------------------------------------------------------------------------------
# Export

_EXPORT_CHUNK = 2000


def export_households(qs: QuerySet[Household]) -> bytes:
    """The households of `qs` and their living members, in the import layout, full ID numbers and phones.

    The caller decides which households (and checks the permission): see services.households_export.
    """
    return export_workbook(qs)[0]


def export_workbook(qs: QuerySet[Household]) -> tuple[bytes, int, int]:
    """export_households, with the numbers of households and people written."""
    housing_label = {v: k for k, v in xlsx.choice_labels(Housing).items()}
    relation_label = {v: k for k, v in xlsx.choice_labels(Relation).items()}
    living_label = {v: k for k, v in xlsx.choice_labels(Living).items()}
    gender_label = {v: k for k, v in xlsx.choice_labels(Gender).items()}
    tag_names = dict(DifficultyTag.objects.values_list("pk", "name"))

    buffer = io.BytesIO()
    workbook = xlsx.new_workbook(buffer, constant_memory=True)
    formats = xlsx.Formats(workbook)
    h_sheet = xlsx.add_sheet(workbook, formats, HOUSEHOLD_SHEET, HOUSEHOLD_COLUMNS)
    m_sheet = xlsx.add_sheet(workbook, formats, MEMBER_SHEET, MEMBER_COLUMNS)
    h_row = m_row = 1
    regions: dict[int, tuple[str, str]] = {}  # region pk → (village name, group name)

    ids = list(qs.order_by("code").values_list("pk", flat=True))
    h_tags_model = Household.tags.through
    r_tags_model = Resident.tags.through
    for start in range(0, len(ids), _EXPORT_CHUNK):
        chunk = ids[start : start + _EXPORT_CHUNK]
        households = list(
            Household.objects.filter(pk__in=chunk)
            .order_by("code")
            .values("pk", "code", "region_id", "address", "housing", *LAND_KEYS, "notes")
        )
        _load_region_names(regions, {h["region_id"] for h in households})
        h_tags: dict[int, list[str]] = {}
        for hid, tid in h_tags_model.objects.filter(household_id__in=chunk).values_list(
            "household_id", "difficultytag_id"
        ):
            h_tags.setdefault(hid, []).append(tag_names[tid])
        residents = list(
            Resident.objects.filter(household_id__in=chunk, is_deceased=False)
            .order_by("household_id", "id")
            .values(
                "pk",
                "household_id",
                "name",
                "relation",
                "gender",
                "birth_date",
                "ethnicity",
                "id_number",
                "phone",
                "living",
                "notes",
            )
        )
        r_tags: dict[int, list[str]] = {}
        for rid, tid in r_tags_model.objects.filter(resident__household_id__in=chunk).values_list(
            "resident_id", "difficultytag_id"
        ):
            r_tags.setdefault(rid, []).append(tag_names[tid])
        by_household: dict[int, list[Any]] = {}
        for r in residents:
            by_household.setdefault(r["household_id"], []).append(r)

        for h in households:
            village, group = regions[h["region_id"]]
            values: list[Any] = [
                h["code"],
                village,
                group,
                h["address"],
                housing_label.get(h["housing"], ""),
                *(float(h[k]) for k in LAND_KEYS),
                "、".join(sorted(h_tags.get(h["pk"], []))),
                h["notes"],
            ]
            xlsx.write_row(h_sheet, h_row, values, formats)
            h_row += 1
            people = by_household.get(h["pk"], [])
            people.sort(key=lambda r: (r["relation"] != Relation.HEAD, r["pk"]))
            for r in people:
                values = [
                    h["code"],
                    r["name"],
                    relation_label.get(r["relation"], ""),
                    gender_label.get(r["gender"], ""),
                    r["birth_date"],
                    r["ethnicity"],
                    r["id_number"] or "",
                    r["phone"],
                    living_label.get(r["living"], ""),
                    "、".join(sorted(r_tags.get(r["pk"], []))),
                    r["notes"],
                ]
                xlsx.write_row(m_sheet, m_row, values, formats)
                m_row += 1
    workbook.close()
    return buffer.getvalue(), h_row - 1, m_row - 1


def _load_region_names(cache: dict[int, tuple[str, str]], pks: set[int]) -> None:
    missing = pks - cache.keys()
    if not missing:
        return
    rows = list(
        Region.objects.filter(pk__in=missing).values("pk", "name", "level", "parent_id", "parent__name")
    )
    for r in rows:
        if r["level"] == Level.GROUP:
            cache[r["pk"]] = (r["parent__name"] or "", r["name"])
        else:
            cache[r["pk"]] = (r["name"], "")


# --------------------------------------------------------------------------------------------------
# Error report


def errors_workbook(job: ImportJob) -> bytes:
    """Every problem found in the job's file, one per line, in file order; for download."""
    buffer = io.BytesIO()
    workbook = xlsx.new_workbook(buffer, constant_memory=True)
    formats = xlsx.Formats(workbook)
    sheet = workbook.add_worksheet(_("错误清单"))
    headers = [_("工作表"), _("行号"), _("列"), _("问题")]
    for col, (header, width) in enumerate(zip(headers, (12, 8, 14, 90), strict=True)):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, header, formats.header)
    row = 1
    problems = list(job.errors or [])
    if not problems and job.error_message:
        problems = [_problem("", 0, "", job.error_message)]
    for problem in problems:
        sheet.write_string(row, 0, str(problem.get("sheet", "")))
        if problem.get("row"):
            sheet.write_number(row, 1, int(problem["row"]))
        sheet.write_string(row, 2, str(problem.get("column", "")))
        sheet.write_string(row, 3, str(problem.get("message", "")))
        row += 1
    workbook.close()
    return buffer.getvalue()
