"""Export of the filtered work list to .xlsx (诉求台账).

Rows are read in chunks with .values() (no model instances) and written with xlsxwriter in constant-memory mode
into a temporary file, so 200,000 rows take a bounded amount of memory; the view streams the file. Phones are
always masked and written as text; names are shown unless the request is anonymous. Every export is audited with
the row count and the filters.
"""

import datetime
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, fields
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record
from minqing.core.errors import ServiceError
from minqing.core.privacy import mask_phone
from minqing.printing import xlsx
from minqing.printing.xlsx import Col
from minqing.regions.models import Level as RegionLevel
from minqing.regions.scoping import Perm, region_q, regions_with, require

from . import selectors
from .models import OPEN_STATUSES, Channel, HandlingLevel, Petition, Satisfaction, Status

MAX_ROWS = 200_000
CHUNK = 2_000


def columns() -> tuple[Col, ...]:
    return (
        Col("code", _("查询码"), 13, text=True),
        Col("registered_on", _("登记日期"), 11, kind="date"),
        Col("channel", _("渠道"), 10),
        Col("category", _("分类"), 20),
        Col("title", _("标题"), 36),
        Col("region", _("村/乡镇"), 18),
        Col("submitter", _("诉求人"), 10),
        Col("phone", _("联系电话"), 14, text=True),
        Col("level", _("办理层级"), 9),
        Col("department", _("承办部门"), 14),
        Col("status", _("状态"), 12),
        Col("due_date", _("当前期限"), 11, kind="date"),
        Col("overdue", _("是否超期"), 8),
        Col("satisfaction", _("满意度"), 9),
        Col("skip_level", _("越级"), 6),
        Col("village_could_settle", _("可在村解决"), 8),
        Col("repeat", _("重复访"), 7),
        Col("closed_at", _("办结时间"), 16, kind="datetime"),
        Col("solved_level", _("解决层级"), 9),
        Col("j_reform", _("改革发展中的问题"), 10),
        Col("j_justified", _("有理或有实际困难"), 10),
        Col("j_solvable", _("可以解决"), 8),
        Col("j_grassroots", _("基层应解决可解决"), 10),
    )


_VALUES = (
    "tracking_code",
    "registered_on",
    "channel",
    "category__name",
    "category__parent__name",
    "title",
    "region__name",
    "region__level",
    "region__parent__name",
    "is_anonymous",
    "submitter_name",
    "submitter_phone",
    "level",
    "department__name",
    "status",
    "reopen_count",
    "due_date",
    "satisfaction",
    "is_skip_level",
    "village_could_settle",
    "is_repeat",
    "closed_at",
    "solved_level",
    "j_reform",
    "j_justified",
    "j_solvable",
    "j_grassroots",
)


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("是") if value else _("否")


def _rows(qs: QuerySet[Petition], today: datetime.date) -> Iterator[list[Any]]:
    channel = dict(Channel.choices)
    level = dict(HandlingLevel.choices)
    status = dict(Status.choices)
    satisfaction = dict(Satisfaction.choices)
    tz = timezone.get_current_timezone()
    reopened = _("重新办理")
    anonymous = _("匿名")
    for r in qs.values(*_VALUES).iterator(chunk_size=CHUNK):
        category = r["category__name"]
        if r["category__parent__name"]:
            category = f"{r['category__parent__name']}/{category}"
        region = r["region__name"]
        if r["region__level"] == RegionLevel.VILLAGE and r["region__parent__name"]:
            region = f"{r['region__parent__name']}/{region}"
        state = str(status.get(r["status"], r["status"]))
        if r["status"] == Status.ACCEPTED and r["reopen_count"]:
            state = f"{state}（{reopened}）"
        closed = r["closed_at"]
        yield [
            r["tracking_code"],
            r["registered_on"],
            str(channel.get(r["channel"], r["channel"])),
            category,
            r["title"],
            region,
            anonymous if r["is_anonymous"] else r["submitter_name"],
            mask_phone(r["submitter_phone"]),
            str(level.get(r["level"], r["level"])),
            r["department__name"] or "",
            state,
            r["due_date"],
            _yes_no(r["status"] in OPEN_STATUSES and r["due_date"] is not None and r["due_date"] < today),
            str(satisfaction.get(r["satisfaction"], "")) if r["satisfaction"] else "",
            _yes_no(r["is_skip_level"]),
            _yes_no(r["village_could_settle"]),
            _yes_no(r["is_repeat"]),
            closed.astimezone(tz).replace(tzinfo=None) if closed is not None else None,
            str(level.get(r["solved_level"], "")) if r["solved_level"] else "",
            _yes_no(r["j_reform"]),
            _yes_no(r["j_justified"]),
            _yes_no(r["j_solvable"]),
            _yes_no(r["j_grassroots"]),
        ]


def write_workbook(qs: QuerySet[Petition], out: IO[bytes], *, title: str = "") -> int:
    """Write the petitions of `qs` (in its order) to `out` as an .xlsx; return the number of rows."""
    cols = columns()
    workbook = xlsx.new_workbook(out, constant_memory=True)
    formats = xlsx.Formats(workbook)
    sheet = xlsx.add_sheet(workbook, formats, title or _("诉求台账"), cols, frozen_columns=1)
    cell_formats = [formats.column(c) for c in cols]
    row = 0
    for row, values in enumerate(_rows(qs, timezone.localdate()), start=1):
        xlsx.write_row(sheet, row, values, formats, cell_formats)
    if row:
        sheet.autofilter(0, 0, row, len(cols) - 1)
    workbook.close()
    return row


def describe_filters(filters: selectors.ListFilters) -> str:
    """The filters that are set, as `name=value` pairs, for the audit note."""
    defaults = {f.name: f.default for f in fields(filters)}
    parts = [
        f"{name}={value.isoformat() if isinstance(value, datetime.date) else value}"
        for name, value in asdict(filters).items()
        if value != defaults[name]
    ]
    return ", ".join(parts) or _("无")


def petitions_export(
    *, actor: User, filters: selectors.ListFilters, out: IO[bytes] | None = None, ip: str | None = None
) -> tuple[IO[bytes], int]:
    """The filtered work list as .xlsx in a temporary file (positioned at its start) and the row count.

    Needs EXPORT_PETITIONS; only requests in the regions where the actor holds it are written. More than
    MAX_ROWS rows is refused (narrow the filters). Audited with the count and the filters.
    """
    require(actor, Perm.EXPORT_PETITIONS)
    qs = selectors.petition_list(actor=actor, filters=filters).filter(region_q(actor, Perm.EXPORT_PETITIONS))
    count = qs.count()
    if count > MAX_ROWS:
        raise ServiceError(
            _(
                "符合条件的诉求有 %(n)d 条，一次最多导出 %(max)d 条，请缩小筛选范围（如按登记日期分段）后再导出。"
            )
            % {"n": count, "max": MAX_ROWS}
        )
    target: IO[bytes] = out if out is not None else tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        written = write_workbook(qs, target)
        target.seek(0)
    except BaseException:
        if out is None:
            target.close()
        raise
    paths = regions_with(actor, Perm.EXPORT_PETITIONS)
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        object_type=Petition._meta.label_lower,
        object_repr=_("诉求台账导出"),
        region_path=paths[0] if len(paths) == 1 else "",
        note=_("导出诉求 %(n)d 条（电话已脱敏）。筛选：%(filters)s")
        % {"n": written, "filters": describe_filters(filters)},
        ip=ip,
    )
    return target, written
