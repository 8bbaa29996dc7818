"""Helpers (no tests here): real .xlsx workbooks for the import tests, built with openpyxl like a user's Excel."""

import datetime
import io
from typing import Any

import openpyxl

from minqing.core.tests.factories import make_id_number
from minqing.households import excel
from minqing.households.imports import jobs
from minqing.households.models import ImportJob

H_HEADERS = [c.header for c in excel.HOUSEHOLD_COLUMNS]
M_HEADERS = [c.header for c in excel.MEMBER_COLUMNS]

_serials = iter(range(1, 499))


def new_id(born: datetime.date = datetime.date(1970, 5, 1), *, male: bool = True) -> str:
    """A valid ID number not used before in this test session (serials stay below make_id_number's 500)."""
    global _serials
    try:
        serial = next(_serials)
    except StopIteration:
        _serials = iter(range(1, 499))
        serial = next(_serials)
    return make_id_number(born=born, serial=serial, male=male)


def hh(code: str = "新1", village: str = "张庄村", **cells: Any) -> dict[str, Any]:
    row = {
        "户编号": code,
        "村(社区)": village,
        "住址": f"{village}{code}号",
        "住房状况": "砖混/钢混",
        "耕地(亩)": 2.5,
    }
    row.update(cells)
    return row


def member(code: str, name: str, relation: str = "户主", **cells: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"户编号": code, "姓名": name, "与户主关系": relation, "联系电话": "13812345678"}
    if "身份证号" not in cells:
        male = relation not in ("配偶", "女")
        row["身份证号"] = new_id(male=male)
    row.update(cells)
    return row


def family_rows(
    code: str = "新1", head: str = "张建国", village: str = "张庄村", **household_cells: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One household with a head, a spouse and a son."""
    return (
        [hh(code, village, **household_cells)],
        [
            member(code, head, "户主"),
            member(code, f"{head[0]}妻", "配偶", 身份证号=new_id(datetime.date(1972, 3, 4), male=False)),
            member(code, f"{head[0]}小军", "子", 身份证号=new_id(datetime.date(1998, 7, 8))),
        ],
    )


def workbook(
    households: list[dict[str, Any]],
    members: list[dict[str, Any]],
    *,
    h_headers: list[str] | None = None,
    m_headers: list[str] | None = None,
    sheets: tuple[str, ...] = (excel.HOUSEHOLD_SHEET, excel.MEMBER_SHEET),
) -> bytes:
    """Rows are dicts keyed by header; values are written with their Python type (str stays text)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    specs = {
        excel.HOUSEHOLD_SHEET: (h_headers or H_HEADERS, households),
        excel.MEMBER_SHEET: (m_headers or M_HEADERS, members),
    }
    for name in sheets:
        headers, rows = specs.get(name, ([], []))
        sheet = book.create_sheet(name)
        if headers:
            sheet.append(headers)
        for row in rows:
            sheet.append([row.get(h, "") for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_back(content: bytes) -> dict[str, list[dict[str, Any]]]:
    """Every data row of a workbook as {header: value}, per sheet (values as openpyxl reads them)."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    out: dict[str, list[dict[str, Any]]] = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            out[sheet.title] = []
            continue
        headers = rows[0]
        out[sheet.title] = [
            {h: v for h, v in zip(headers, r, strict=False) if h}
            for r in rows[1:]
            if any(v is not None for v in r)
        ]
    return out


def start(actor: Any, content: bytes, name: str = "民情档案.xlsx") -> ImportJob:
    """Upload; the test settings' ImmediateBackend runs validation at once."""
    return jobs.import_start(actor=actor, file_name=name, content=content)


def confirm(actor: Any, job: ImportJob, *, good_rows_only: bool = False) -> ImportJob:
    jobs.import_confirm(actor=actor, job=job, good_rows_only=good_rows_only)
    job.refresh_from_db()
    return job


def problems(job: ImportJob) -> list[tuple[str, int, str]]:
    return [(e["sheet"], e["row"], e["column"]) for e in job.errors]


def message_at(job: ImportJob, sheet: str, row: int, column: str) -> str:
    found = [e["message"] for e in job.errors if (e["sheet"], e["row"], e["column"]) == (sheet, row, column)]
    assert found, f"no problem at {sheet} row {row} {column}: {job.errors}"
    return " ".join(found)
