"""Excel cells and workbooks, for any app that reads or writes .xlsx.

Reading: cells as users type them (codes Excel turned into numbers, dates written every which way, areas,
tag lists), and opening an upload with one clear message when it is not an .xlsx workbook. Uses
python-calamine (fast, streaming rows).

Writing: xlsxwriter workbooks whose strings are always written as strings, so that ID numbers and phones
never become numbers and text starting with "=" never becomes a formula; shared header and cell formats;
sheets laid out from a list of columns.

Nothing here knows a practice: the columns, sheets and messages about rows are the caller's.
"""

import datetime
import io
import re
import zipfile
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import IO, Any, Literal, NamedTuple
from xml.etree import ElementTree

import python_calamine
import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _

from minqing.core.uploads import ArchiveError, check_archive

TAG_SEPARATORS = re.compile(r"[、,，;；]+")
TEXT = "@"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


class Col(NamedTuple):
    key: str
    header: str
    width: int
    text: bool = False  # formatted as text ("@") so Excel keeps long digit strings intact
    required: bool = False  # header in red: the column must be filled in
    kind: Literal["", "date", "datetime"] = ""  # formatted as a date, or as a date and time


def choice_labels(choices: Any) -> dict[str, str]:
    """label → value of a TextChoices, in the file's language (Chinese) whatever the user's language."""
    with translation.override("zh-hans"):
        return {str(label): value for value, label in choices.choices}


def enum_lookup(choices: Any) -> dict[str, str]:
    """Accept the Chinese label (what the template offers) and the stored value (what a script might write)."""
    lookup = {value: value for value in choices.values}
    lookup.update(choice_labels(choices))
    return lookup


# --------------------------------------------------------------------------------------------------
# Cells


def cell_text(value: Any) -> str:
    """A cell as text: whole numbers lose their '.0', dates become ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


# Excel keeps 15 significant digits; anything longer stored as a number has already lost digits.
_EXCEL_DIGITS = 15


def code_text(value: Any) -> str:
    """A code cell (户编号, region code) as text; raise ValueError when Excel has mangled it into a number."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("scientific")
        if len(str(int(value))) > _EXCEL_DIGITS:
            raise ValueError("too_long")
        return str(int(value))
    text = cell_text(value)
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        raise ValueError("scientific")
    return text.replace(" ", "")


_DATE_PARTS = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")


def cell_date(value: Any) -> datetime.date | None:
    """A date cell: a real Excel date, or text like 1980-01-02, 1980/1/2, 1980年1月2日, 19800102.

    Raise ValueError when the cell holds something else.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool):
        # A plain number: only 19800102 is unambiguous; a serial without date format is not.
        if float(value).is_integer() and 10000000 <= value <= 99991231:
            value = str(int(value))
        else:
            raise ValueError("number")
    text = str(value).strip()
    match = _DATE_PARTS.fullmatch(text) or _DATE_DIGITS.fullmatch(text)
    if not match:
        raise ValueError("format")
    year, month, day = (int(p) for p in match.groups())
    return datetime.date(year, month, day)


_MAX_LAND = Decimal("999999.99")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
_ZERO = Decimal("0.00")
_CENT = Decimal("0.01")


def cell_decimal(value: Any) -> Decimal:
    """Land area in mu, rounded to 0.01; blank is 0. Raise ValueError('nan'|'negative'|'too_big')."""
    if value is None or value == "" or value == 0:
        return _ZERO
    if type(value) is float and 0 < value <= 999999.99:
        return Decimal(repr(value)).quantize(_CENT)
    if isinstance(value, bool):
        raise ValueError("nan")
    if isinstance(value, float | int):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = str(value).strip().removesuffix("亩").strip()
        if not text:
            return _ZERO
        if "," in text:
            # Only as a thousands separator (1,234.5); "2,5" would silently become 25.
            if not _THOUSANDS.fullmatch(text):
                raise ValueError("nan")
            text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError("nan") from exc
    if not number.is_finite():
        raise ValueError("nan")
    if number < 0:
        raise ValueError("negative")
    # Compared before rounding: quantize() itself fails on numbers beyond the decimal context.
    if number >= _MAX_LAND + Decimal("0.005"):
        raise ValueError("too_big")
    return number.quantize(_CENT)


def split_tags(value: Any) -> list[str]:
    text = cell_text(value)
    if not text:
        return []
    return [t.strip() for t in TAG_SEPARATORS.split(text) if t.strip()]


# --------------------------------------------------------------------------------------------------
# Reading


class WorkbookError(Exception):
    """The file cannot be read as the workbook expected at all; `problems` says why (sheet, row, column,
    message), for the error list."""

    def __init__(self, message: str, problems: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


def not_xlsx() -> WorkbookError:
    """The one message for an upload that is not an .xlsx workbook, whatever it turned out to be."""
    return WorkbookError(
        _(
            "文件不是有效的 Excel .xlsx 文件（可能是 CSV、旧版 .xls 或其他格式改了扩展名，或文件已损坏）。"
            "请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（.xlsx）再上传。"
        )
    )


def open_workbook(content: bytes, name: str = "") -> Any:
    """Open the upload as an .xlsx workbook, or raise WorkbookError with one clear file-level message. A zip
    bomb is refused from its central directory before calamine unpacks anything."""
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        # An OLE file: legacy .xls (or an encrypted .xlsx, which Office also wraps in OLE).
        raise WorkbookError(
            _(
                "文件不是有效的 Excel .xlsx 文件：这是旧版 .xls 格式或设置了打开密码的文件。"
                "请去掉密码，并用 Excel 或 WPS “另存为”Excel 工作簿（.xlsx）后再上传。"
            )
        )
    if not content.startswith(b"PK\x03\x04"):
        raise not_xlsx()
    try:
        check_archive(content, name)
    except ArchiveError as exc:
        raise (not_xlsx() if exc.damaged else WorkbookError(exc.message)) from exc
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise not_xlsx() from exc
    if "xl/workbook.xml" not in names:
        # A zip, but not a spreadsheet in Excel's format (e.g. .ods, .docx, or an ordinary zip).
        raise not_xlsx()
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise not_xlsx() from exc


def norm_header(value: Any) -> str:
    """A header cell as compared with the expected headers: ASCII brackets, no spaces, no "*" marks."""
    text = cell_text(value).replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", text).strip("*")


def find_header(sheet: Any, columns: Sequence[Col]) -> tuple[int, list[Any]] | None:
    """The header row: among the first rows, the first holding most expected headers (a title row may
    precede it); otherwise the first non-blank row, so that the error names what was found there."""
    expected = {c.header for c in columns}
    first: tuple[int, list[Any]] | None = None
    for index, row in enumerate(sheet.iter_rows()):
        if index >= 10:
            break
        found = {norm_header(v) for v in row}
        if not any(v != "" for v in found):
            continue
        if first is None:
            first = (index + 1, row)
        if len(found & expected) * 2 >= len(expected):
            return index + 1, row
    return first


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+(\d+)(?::[A-Z]+(\d+))?"')


def sheet_last_rows(content: bytes) -> dict[str, int]:
    """The last row of each worksheet as its <dimension> element states it, read from the start of the
    sheet's XML without loading the sheet. Excel, WPS, openpyxl and xlsxwriter all write the element;
    sheets without it are left out. Lets the row limit refuse a huge sheet before it takes memory."""
    sizes: dict[str, int] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if archive.getinfo("xl/workbook.xml").file_size > 1024**2:
                return sizes
            book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            targets = {
                r.get("Id"): r.get("Target") or "" for r in relations if r.tag.endswith("Relationship")
            }
            for sheet in book.iter():
                if not sheet.tag.endswith("}sheet"):
                    continue
                relation = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
                target = targets.get(relation, "")
                if not target:
                    continue
                path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                with archive.open(path) as stream:
                    match = _DIMENSION.search(stream.read(4096))
                if match:
                    sizes[sheet.get("name") or ""] = int(match.group(2) or match.group(1))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError, ValueError):
        return {}
    return sizes


# --------------------------------------------------------------------------------------------------
# Writing


def new_workbook(out: IO[bytes], *, constant_memory: bool = False) -> Any:
    """An xlsxwriter workbook writing to `out`. Its generic write() would turn digit strings into numbers,
    "=..." into formulas and addresses into links; these options stop that, and the writers here use
    write_string for every string anyway."""
    return xlsxwriter.Workbook(
        out,
        {
            "constant_memory": constant_memory,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )


class Formats:
    """The cell formats the writers here use, made once per workbook (an xlsxwriter format belongs to one)."""

    def __init__(self, workbook: Any) -> None:
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
        )
        self.required = workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_color": "#C00000", "text_wrap": True}
        )
        self.text = workbook.add_format({"num_format": TEXT})
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.datetime = workbook.add_format({"num_format": DATETIME_FORMAT})
        self.example = workbook.add_format({"font_color": "#808080", "italic": True, "num_format": TEXT})
        self.example_date = workbook.add_format(
            {"font_color": "#808080", "italic": True, "num_format": DATE_FORMAT}
        )
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.title = workbook.add_format({"bold": True, "font_size": 14})

    def column(self, col: Col) -> Any:
        """The format of `col`'s cells: text, date, date and time, or None (Excel's general format)."""
        if col.text:
            return self.text
        if col.kind == "date":
            return self.date
        if col.kind == "datetime":
            return self.datetime
        return None


def add_sheet(
    workbook: Any, formats: Formats, name: str, columns: Sequence[Col], *, frozen_columns: int = 0
) -> Any:
    """A sheet with `columns`: their widths and formats, and a header row that stays in view with the first
    `frozen_columns` columns."""
    sheet = workbook.add_worksheet(name)
    for index, col in enumerate(columns):
        sheet.set_column(index, index, col.width, formats.column(col))
        sheet.write_string(0, index, col.header, formats.required if col.required else formats.header)
    sheet.freeze_panes(1, frozen_columns)
    return sheet


def write_row(
    sheet: Any, row: int, values: Sequence[Any], formats: Formats, cell_formats: Sequence[Any] = ()
) -> None:
    """`values` from the first column on; blanks (None, "") are left empty. `cell_formats`: the format of each
    column's cells (missing or None: a date gets formats.date or formats.datetime, anything else none)."""
    for col, value in enumerate(values):
        if value is None or value == "":
            continue
        cell_format = cell_formats[col] if col < len(cell_formats) else None
        if isinstance(value, datetime.datetime):
            sheet.write_datetime(row, col, value, cell_format or formats.datetime)
        elif isinstance(value, datetime.date):
            sheet.write_datetime(
                row, col, datetime.datetime.combine(value, datetime.time()), cell_format or formats.date
            )
        elif isinstance(value, float | int):
            sheet.write_number(row, col, value, cell_format)
        else:
            # Strings are written as strings, always: ID numbers and phones must never become numbers, and
            # text starting with "=" never a formula.
            sheet.write_string(row, col, value, cell_format)
