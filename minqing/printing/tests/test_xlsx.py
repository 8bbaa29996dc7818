"""The shared writers: strings stay strings (no numbers, formulas or links made of user text), dates and
times keep their formats, and a sheet laid out from columns has their headers, widths and formats."""

import datetime
import io

import openpyxl
import pytest

from minqing.core.tests.zips import workbook_bomb
from minqing.printing import xlsx

COLUMNS = (
    xlsx.Col("code", "编号", 20, text=True, required=True),
    xlsx.Col("name", "名称", 12),
    xlsx.Col("on", "日期", 11, kind="date"),
    xlsx.Col("at", "时间", 16, kind="datetime"),
    xlsx.Col("n", "数量", 8),
)


def _written(
    values: list[object], *, with_column_formats: bool
) -> tuple[openpyxl.worksheet.worksheet.Worksheet]:
    buffer = io.BytesIO()
    workbook = xlsx.new_workbook(buffer, constant_memory=True)
    formats = xlsx.Formats(workbook)
    sheet = xlsx.add_sheet(workbook, formats, "表", COLUMNS, frozen_columns=1)
    cell_formats = [formats.column(c) for c in COLUMNS] if with_column_formats else ()
    xlsx.write_row(sheet, 1, values, formats, cell_formats)
    workbook.close()
    return openpyxl.load_workbook(buffer).active


def test_text_that_looks_like_a_formula_a_link_or_a_number_is_stored_as_text():
    formula = '=HYPERLINK("http://example.com","点这里")'
    for with_column_formats in (False, True):
        sheet = _written(["0410225106207", formula], with_column_formats=with_column_formats)
        code, name = sheet["A2"], sheet["B2"]
        assert (code.value, code.data_type) == ("0410225106207", "s")
        assert (name.value, name.data_type) == (formula, "s")
        assert name.hyperlink is None
    sheet = _written(["http://example.com/a", "=1+1"], with_column_formats=True)
    assert [(c.value, c.data_type, c.hyperlink) for c in sheet[2][:2]] == [
        ("http://example.com/a", "s", None),
        ("=1+1", "s", None),
    ]


def test_dates_times_numbers_and_blanks():
    on = datetime.date(2026, 3, 4)
    at = datetime.datetime(2026, 3, 4, 5, 6)
    for with_column_formats in (False, True):
        sheet = _written(["A1", "", on, at, 2.5], with_column_formats=with_column_formats)
        assert sheet["B2"].value is None
        assert (sheet["C2"].value, sheet["C2"].number_format) == (
            datetime.datetime(2026, 3, 4),
            xlsx.DATE_FORMAT,
        )
        assert (sheet["D2"].value, sheet["D2"].number_format) == (at, xlsx.DATETIME_FORMAT)
        assert sheet["E2"].value == 2.5
    sheet = _written(["A1"], with_column_formats=True)
    assert sheet["A2"].number_format == xlsx.TEXT


def test_a_sheet_from_columns_has_their_headers_widths_and_formats():
    sheet = _written([], with_column_formats=True)
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert sheet["A1"].font.b and sheet["A1"].font.color.rgb.endswith("C00000")
    assert sheet["B1"].font.b and sheet["B1"].font.color.type == "theme"  # not red: not required
    assert sheet.freeze_panes == "B2"
    widths = {key: round(d.width) for key, d in sheet.column_dimensions.items()}
    assert widths["A"] == 21 and widths["E"] == 9


def test_opening_a_zip_bomb_is_refused_before_calamine_unpacks_it():
    workbook = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["户编号"])
    book.save(workbook)
    bomb = workbook_bomb(workbook.getvalue(), 1500)
    with pytest.raises(xlsx.WorkbookError, match="解压后有 1500 MB"):
        xlsx.open_workbook(bomb, "户.xlsx")
