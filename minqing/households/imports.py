"""Importing the household workbook (户信息 + 成员信息) and exporting it again.

What a view calls:

- ``excel.build_template() -> bytes`` — the empty workbook with instructions (填写说明) to download.
- ``import_start(actor=, file_name=, content=) -> ImportJob`` — store the upload and queue its validation.
  Raises PermissionDenied (no import permission anywhere) or ServiceError (empty or too large file).
- Poll the job for progress: ``status``, ``progress_percent`` (rows_done / rows_total), ``error_message``
  (a file-level problem when FAILED; the reason a confirmed import was refused otherwise), ``errors``
  (every problem: sheet, row as Excel shows it, column header, message) and ``summary`` (below). Use
  ``ImportJob.objects.defer("content")`` for pages; a user sees only the jobs they created.
- ``excel.errors_workbook(job) -> bytes`` — all problems as an .xlsx to download.
- ``import_confirm(actor=, job=, good_rows_only=)`` — queue the write. With problems, only
  ``good_rows_only=True`` is accepted: every household with a bad row is skipped entirely.
- ``import_cancel(actor=, job=)`` — abandon a job that has not been applied.
- ``households_export(actor=, qs=) -> bytes`` — the households of ``qs`` (scoped again here) in the same
  layout, audited.

``summary`` (after validation: what applying would do; after applying: what was done)::

    {"households": {"create": n, "update": n, "unchanged": n, "skipped": n},
     "residents": {"create": n, "update": n, "unchanged": n, "skipped": n},
     "rows": {"households": {"total": n, "good": n, "bad": n, "skipped": n}, "members": {...}},
     "error_count": n}

"bad" rows have problems of their own; "skipped" rows are fine but belong to a household with a bad row.

Rules (also in the template's 填写说明): 户编号 links the two sheets and is required in both. A code
already in the registry updates that household. A new household carries a temporary code ("新1") that
is replaced on apply by village code + 4-digit serial, assigned in file order; a code already in that
form for the row's village is kept. A temporary-coded household whose head (by ID number) already
heads a registered household *is* that household, so importing a file twice never duplicates
households; residents are matched on ID number, or by name within the household. Importing never
deletes or moves people.

Validation writes only the job. Applying matches the rows against the registry again inside one
transaction and refuses if the problems differ from what the user confirmed (the registry changed
meanwhile). Reading a 400,000-row workbook takes seconds, so the worker keeps the rows it read while
validating and applying reuses them when the file, the user's regions and the tag and region tables
are unchanged; otherwise it reads the file again. On SQLite it also keeps validation's matching, and
applying skips matching again when a fingerprint of the registry taken inside the write transaction
equals the one taken before validation matched (nothing in the registry changed meanwhile).
"""

import contextlib
import datetime
import gc
import hashlib
import itertools
import logging
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import mul
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from localflavor.cn.forms import CN_LOCATION_CODES
from pypinyin.constants import PHRASES_DICT, RE_HANS

from minqing.accounts.models import User
from minqing.audit.models import Action, AuditEntry
from minqing.audit.services import audit_record, snapshot
from minqing.core.errors import ServiceError
from minqing.regions.models import Level, Region, subtree_q
from minqing.regions.scoping import Perm, regions_with, require, scope

from . import excel
from .excel import HOUSEHOLD_SHEET, LAND_KEYS, MEMBER_SHEET, WorkbookError
from .identity import id_birth_date, id_gender, normalize_id_number, normalize_phone, pinyin_initials
from .models import (
    DifficultyTag,
    Gender,
    Household,
    HouseholdStatus,
    Housing,
    ImportJob,
    ImportStatus,
    Living,
    Membership,
    MoveReason,
    Relation,
    Resident,
    TagScope,
)
from .services import index_resident

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 2000
# Rows per IN (...) list in raw lookups: far below every backend's parameter limit.
_IN_CHUNK = 2000
# Households written per round: bounds the rows held at once.
_APPLY_CHUNK = 5000
_SHEET_ORDER = {HOUSEHOLD_SHEET: 0, MEMBER_SHEET: 1}
_ZERO = Decimal("0.00")
_CENT = Decimal("0.01")


# --------------------------------------------------------------------------------------------------
# What the file says, and what it is in the registry


@dataclass(slots=True)
class RegionRef:
    pk: int
    code: str
    path: str
    name: str
    level: int
    parent_id: int | None


@dataclass(slots=True)
class HouseholdRow:
    row: int
    code: str
    region: RegionRef | None
    address: str
    housing: str
    land: tuple[Decimal, ...]
    tags: frozenset[int]
    notes: str


@dataclass(slots=True)
class MemberRow:
    row: int
    code: str
    name: str
    relation: str
    gender: str
    birth_date: datetime.date | None
    ethnicity: str
    id_number: str
    phone: str
    living: str
    tags: frozenset[int]
    notes: str


class _Record:
    """A registered row as a tuple of FIELDS (a dict per row would double the memory of a big re-import)."""

    __slots__ = ("row", "tags")
    FIELDS: ClassVar[tuple[str, ...]]
    INDEX: ClassVar[dict[str, int]]

    def __init__(self, row: tuple[Any, ...], tags: frozenset[int] = frozenset()) -> None:
        self.row = row
        self.tags = tags

    def __getitem__(self, key: str) -> Any:
        return self.row[self.INDEX[key]]

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(self.FIELDS, self.row, strict=True))

    @property
    def pk(self) -> int:
        return int(self.row[0])


class DbHousehold(_Record):
    """A registered household: every concrete field but the timestamps (for comparison and the
    audit), and its tags."""

    __slots__ = ()
    FIELDS = tuple(
        f.attname for f in Household._meta.concrete_fields if f.attname not in ("created_at", "updated_at")
    )
    INDEX: ClassVar[dict[str, int]] = {name: i for i, name in enumerate(FIELDS)}
    _DECIMALS = tuple(i for i, name in enumerate(FIELDS) if name in LAND_KEYS)

    @classmethod
    def from_db(cls, row: tuple[Any, ...], decimals: dict[Any, Decimal]) -> "DbHousehold":
        """From a plain SQL row: SQLite hands decimals back as REAL (`decimals` caches conversions)."""
        if any(type(row[i]) is not Decimal for i in cls._DECIMALS):
            values = list(row)
            for i in cls._DECIMALS:
                value = values[i]
                if type(value) is not Decimal:
                    found = decimals.get(value)
                    if found is None:
                        found = decimals[value] = Decimal(repr(value)).quantize(_CENT)
                    values[i] = found
            row = tuple(values)
        return cls(row)

    @property
    def path(self) -> str:
        return str(self["region_path"])


class DbResident(_Record):
    """A registered person: the fields an import compares and sets, and their tags."""

    __slots__ = ()
    FIELDS = (
        "id",
        "household_id",
        "region_path",
        "name",
        "gender",
        "birth_date",
        "ethnicity",
        "id_number",
        "phone",
        "relation",
        "living",
        "is_deceased",
        "notes",
    )
    INDEX: ClassVar[dict[str, int]] = {name: i for i, name in enumerate(FIELDS)}


@dataclass(slots=True)
class Unit:
    """One household as the file describes it: its row on 户信息 (if any) and its rows on 成员信息."""

    code: str
    household: HouseholdRow | None = None
    members: list[MemberRow] = field(default_factory=list)
    residents: list[DbResident | None] = field(default_factory=list)  # who each member row updates
    changes: list[dict[str, tuple[Any, Any]]] = field(default_factory=list)  # per member row, when matched
    target: DbHousehold | None = None  # the registered household this unit updates
    bad: bool = False
    new_code: str = ""  # for a new household: the code to create (empty: generated on apply)


@dataclass
class Parsed:
    """The rows of a workbook as typed values, with the problems found in the cells themselves."""

    households: list[HouseholdRow]
    members: list[MemberRow]
    problems: list[dict[str, Any]]
    bad_rows: dict[str, set[int]]
    rows_total: int


@dataclass
class Analysis:
    units: dict[str, Unit]
    errors: list[dict[str, Any]]
    rows_total: int
    residents: dict[int, DbResident]  # registered people the file touches, by pk
    summary: dict[str, Any]


Progress = Callable[[int, int], None]


# --------------------------------------------------------------------------------------------------
# Fast paths that give the same answers as identity.py


_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # ASCII only: \d would accept full-width digits
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_LOCATIONS = frozenset(CN_LOCATION_CODES)
_MOBILE = re.compile(r"1[3-9]\d{9}")


# Birth dates repeat across 300,000 people (a few tens of thousands of days): parse each once.
_BIRTH_DATES: dict[str, datetime.date | None] = {}
# Weighted sum of the digits' ASCII codes minus this is the weighted sum of the digits themselves.
_ID_ASCII_OFFSET = ord("0") * sum(_ID_WEIGHTS)


def id_with_birth_date(raw: object) -> tuple[str, datetime.date | None]:
    """identity.normalize_id_number and the birth date it encodes, with a shortcut for the common case
    of a valid 18-character text. Anything the shortcut is not sure of goes to normalize_id_number,
    which gives the exact reason. Through the form field alone 300,000 ID numbers take seconds."""
    if type(raw) is str:
        value = raw.strip().upper()
        if len(value) == 18 and _ID_SHAPE.fullmatch(value) and int(value[:2]) in _ID_LOCATIONS:
            digits = value[6:14]
            born = _BIRTH_DATES.get(digits)
            if born is None:
                born = id_birth_date(value)
                if len(_BIRTH_DATES) < 100_000:
                    _BIRTH_DATES[digits] = born
            checksum = (sum(map(mul, value[:17].encode("ascii"), _ID_WEIGHTS)) - _ID_ASCII_OFFSET) % 11
            if born is not None and "10X98765432"[checksum] == value[17]:
                return value, born
    value = normalize_id_number(raw)
    return value, id_birth_date(value) if value else None


def fast_id_number(raw: object) -> str:
    """identity.normalize_id_number, faster for valid numbers (see id_with_birth_date)."""
    return id_with_birth_date(raw)[0]


def fast_phone(raw: object) -> str:
    """identity.normalize_phone, with a shortcut for an 11-digit mobile number written as text."""
    if type(raw) is str:
        value = raw.strip()
        if len(value) == 11 and _MOBILE.fullmatch(value):
            return value
    return normalize_phone(raw)


def _has_phrase(name: str) -> bool:
    n = len(name)
    if n == 2:  # most given names and many full names: one look-up
        return name in PHRASES_DICT
    for i in range(n - 1):
        for j in range(i + 2, n + 1):
            if name[i:j] in PHRASES_DICT:
                return True
    return False


class Initials:
    """identity.pinyin_initials for many names, with the same results, an order of magnitude faster.

    pypinyin segments a name with its phrase dictionary and reads each phrase or, failing that, each
    character on its own. When no part of an all-Chinese name is in the phrase dictionary, the answer
    is therefore the characters' initials joined, which we memoise per character; every other name
    goes through pinyin_initials itself. (test_imports checks the equality on awkward names.)
    """

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.chars: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        found = self.names.get(name)
        if found is None:
            found = self.names[name] = self._compute(name)
        return found

    def _compute(self, name: str) -> str:
        if not name or not RE_HANS.match(name) or _has_phrase(name):
            return pinyin_initials(name)
        parts = []
        for char in name:
            initial = self.chars.get(char)
            if initial is None:
                initial = self.chars[char] = pinyin_initials(char)
            parts.append(initial)
        return "".join(parts)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile. Reading a big workbook creates millions of small objects
    that all stay alive (rows, units); each automatic full collection walks all of them again, which
    costs about a quarter of validation. Those objects form no reference cycles, so nothing collectable
    piles up; collection resumes (process-wide) on leaving."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _first_message(exc: DjangoValidationError) -> str:
    return exc.messages[0] if exc.messages else str(exc)


# --------------------------------------------------------------------------------------------------
# Parsing


class _Problems:
    """Problems in file order, and which rows have them."""

    def __init__(
        self, items: Iterable[dict[str, Any]] = (), bad_rows: dict[str, set[int]] | None = None
    ) -> None:
        self.items: list[dict[str, Any]] = list(items)
        self.bad_rows: dict[str, set[int]] = {
            sheet: set((bad_rows or {}).get(sheet, ())) for sheet in (HOUSEHOLD_SHEET, MEMBER_SHEET)
        }

    def add(self, sheet: str, row: int, key: str, message: str) -> None:
        column = excel.HEADER[sheet].get(key, "") if key else ""
        self.items.append({"sheet": sheet, "row": row, "column": column, "message": message})
        self.bad_rows[sheet].add(row)

    def sorted(self) -> list[dict[str, Any]]:
        return sorted(self.items, key=lambda p: (_SHEET_ORDER.get(p["sheet"], 9), p["row"]))


class _Regions:
    """Villages and groups the actor may import into, by code and by name."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self.by_code: dict[str, RegionRef] = {}
        self.by_name: dict[str, list[RegionRef]] = defaultdict(list)
        self.groups: dict[tuple[int, str], RegionRef] = {}
        for pk, code, path, name, level, parent_id in _scope_regions(paths).values_list(
            "pk", "code", "path", "name", "level", "parent_id"
        ):
            ref = RegionRef(pk, code, path, name, level, parent_id)
            self.by_code[code] = ref
            self.by_name[name].append(ref)
            if level == Level.GROUP and parent_id is not None:
                self.groups[(parent_id, name)] = ref

    def scope_names(self) -> str:
        names = Region.objects.filter(path__in=self.paths).order_by("path").values_list("name", flat=True)
        return "、".join(names)

    def resolve(self, village: str, group: str) -> tuple[RegionRef | None, str, str]:
        """(region, column key, problem). Neither region nor problem: not among the actor's regions."""
        if village.isdigit():
            if len(village) not in (12, 15):
                return (
                    None,
                    "village",
                    _("区划代码应为12位（村、社区）或15位（村民小组），现为%(n)d位。") % {"n": len(village)},
                )
            ref = self.by_code.get(village)
        else:
            found = self.by_name.get(village, [])
            if len(found) > 1:
                return (
                    None,
                    "village",
                    _("有多个名为“%(name)s”的村或小组，请改填12位区划代码。") % {"name": village},
                )
            ref = found[0] if found else None
        if ref is None:
            return None, "village", ""
        if not group:
            return ref, "", ""
        if ref.level == Level.GROUP:
            if group in (ref.name, ref.code):
                return ref, "", ""
            return (
                None,
                "group",
                _("村民小组“%(group)s”与“村(社区)”列填写的小组“%(name)s”不一致。")
                % {"group": group, "name": ref.name},
            )
        child = self.groups.get((ref.pk, group))
        if child is None and group.isdigit():
            candidate = self.by_code.get(group)
            child = candidate if candidate and candidate.parent_id == ref.pk else None
        if child is None:
            return (
                None,
                "group",
                _("%(village)s下没有村民小组“%(group)s”。") % {"village": ref.name, "group": group},
            )
        return child, "", ""

    def explain_unknown(self, values: set[str]) -> dict[str, str]:
        """Why each village cell is not among the actor's regions: unknown, not a village, or elsewhere."""
        codes = sorted(v for v in values if v.isdigit())
        names = sorted(v for v in values if not v.isdigit())
        found: dict[str, int] = {}  # value → deepest level seen
        for start in range(0, max(len(codes), len(names)), _IN_CHUNK):
            rows = Region.objects.filter(
                Q(code__in=codes[start : start + _IN_CHUNK]) | Q(name__in=names[start : start + _IN_CHUNK])
            ).values_list("code", "name", "level")
            for code, name, level in rows:
                for key in (code, name):
                    if key in values:
                        found[key] = max(found.get(key, 0), level)
        scope_names = self.scope_names() or "—"
        out: dict[str, str] = {}
        for value in values:
            seen = found.get(value)
            if seen is None:
                out[value] = _("行政区划中没有“%(value)s”，请检查村（社区）名称或代码。") % {"value": value}
            elif seen < Level.VILLAGE:
                out[value] = _(
                    "“%(value)s”不是村（社区）或村民小组；户必须登记在村（社区）或村民小组下。"
                ) % {"value": value}
            else:
                out[value] = _("“%(value)s”不在您的管辖范围内（您可以导入：%(scope)s）。") % {
                    "value": value,
                    "scope": scope_names,
                }
        return out


def _scope_regions(paths: list[str]) -> QuerySet[Region]:
    if not paths:
        return Region.objects.none()
    q = Q()
    for path in paths:
        q |= subtree_q(path, "path")
    return Region.objects.filter(q, is_active=True, level__gte=Level.VILLAGE).order_by("pk")


def _land_message(reason: str, raw: Any) -> str:
    if reason == "negative":
        return _("面积不能为负数。")
    if reason == "too_big":
        return _("面积过大（最多 999999.99 亩）。")
    return _("面积应为数字（单位：亩），现为“%(value)s”。") % {"value": excel.cell_text(raw)}


class _Parser:
    """Turns cells into typed rows, recording every problem with its sheet, row and column.

    The loops over rows are the hot path of an import (400,000 rows): cells that are already what
    they should be (text codes, labels from the dropdowns, valid IDs) take a shortcut.
    """

    def __init__(self, paths: list[str], problems: _Problems, progress: Progress | None, total: int) -> None:
        self.problems = problems
        self.progress = progress
        self.total = total
        self.done = 0
        self.regions = _Regions(paths)
        self.tags = {t.name: t for t in DifficultyTag.objects.all()}
        self.housing = excel.enum_lookup(Housing)
        self.relation = excel.enum_lookup(Relation)
        self.living = excel.enum_lookup(Living)
        self.gender = excel.enum_lookup(Gender)
        self._tag_cache: dict[tuple[str, str], tuple[frozenset[int], str]] = {}
        self._land_cache: dict[float, Decimal] = {}
        self._today = timezone.localdate()

    def tick(self, rows: int) -> None:
        self.done += rows
        if self.progress is not None:
            self.progress(self.done, self.total)

    # -- cells

    def code(self, sheet: str, row: int, raw: Any) -> str | None:
        if (
            type(raw) is str
            and 0 < len(raw) <= 32
            and raw.isprintable()
            and " " not in raw
            and "+" not in raw
        ):
            return raw
        try:
            code = excel.code_text(raw)
        except ValueError:
            self.problems.add(
                sheet,
                row,
                "code",
                _("户编号被Excel存成了数字，末几位可能已丢失；请把该列设为“文本”格式后重新填写。"),
            )
            return None
        if not code:
            self.problems.add(sheet, row, "code", _("户编号不能为空（新户请填写临时编号，如“新1”）。"))
            return None
        if len(code) > 32:
            self.problems.add(sheet, row, "code", _("户编号过长（最多32个字符）。"))
            return None
        return code

    def text(self, sheet: str, row: int, key: str, raw: Any, max_length: int) -> str:
        value = raw.strip() if type(raw) is str else excel.cell_text(raw)
        if len(value) > max_length:
            self.problems.add(sheet, row, key, _("内容过长（最多%(n)d个字）。") % {"n": max_length})
        return value

    def choice(self, sheet: str, row: int, key: str, raw: Any, lookup: dict[str, str], default: str) -> str:
        found = lookup.get(raw) if type(raw) is str else None
        if found is not None:
            return found
        value = excel.cell_text(raw)
        if not value:
            return default
        found = lookup.get(value)
        if found is None:
            labels = "、".join(k for k, v in lookup.items() if k != v)
            self.problems.add(
                sheet,
                row,
                key,
                _("“%(value)s”不是有效选项，可选：%(options)s。") % {"value": value, "options": labels},
            )
            return default
        return found

    def tag_set(self, sheet: str, row: int, raw: Any, scope: str) -> frozenset[int]:
        if raw == "" or raw is None:
            return frozenset()
        text = excel.cell_text(raw)
        cached = self._tag_cache.get((text, scope))
        if cached is None:
            cached = self._tag_cache[(text, scope)] = self._tags(text, scope)
        if cached[1]:
            self.problems.add(sheet, row, "tags", cached[1])
        return cached[0]

    def _tags(self, text: str, scope: str) -> tuple[frozenset[int], str]:
        pks: set[int] = set()
        messages: list[str] = []
        for name in excel.split_tags(text):
            tag = self.tags.get(name)
            if tag is None:
                options = "、".join(
                    t.name for t in self.tags.values() if t.is_active and t.applies_to == scope
                )
                messages.append(
                    _("困难类别“%(name)s”不存在，可选：%(options)s。") % {"name": name, "options": options}
                )
            elif not tag.is_active:
                messages.append(_("困难类别“%(name)s”已停用。") % {"name": name})
            elif tag.applies_to != scope:
                if scope == TagScope.HOUSEHOLD:
                    messages.append(_("“%(name)s”是个人的困难类别，请填在“成员信息”表中。") % {"name": name})
                else:
                    messages.append(_("“%(name)s”是户的困难类别，请填在“户信息”表中。") % {"name": name})
            else:
                pks.add(tag.pk)
        return frozenset(pks), " ".join(messages)

    def land(self, sheet: str, row: int, key: str, raw: Any) -> Decimal:
        # Areas repeat a lot (0, 0.5, 1.2 …): convert each distinct cell value once.
        found = self._land_cache.get(raw) if type(raw) is float else None
        if found is not None:
            return found
        try:
            found = excel.cell_decimal(raw)
        except ValueError as exc:
            self.problems.add(sheet, row, key, _land_message(str(exc), raw))
            return _ZERO
        if type(raw) is float:
            self._land_cache[raw] = found
        return found

    # -- sheets

    def households(self, reader: excel.SheetReader) -> list[HouseholdRow]:
        sheet = HOUSEHOLD_SHEET
        add = self.problems.add
        rows: list[HouseholdRow] = []
        places: list[tuple[HouseholdRow, str, str]] = []
        count = 0
        for row, cells in reader.rows():
            count += 1
            if count % PROGRESS_EVERY == 0:
                self.tick(PROGRESS_EVERY)
            code_raw, village_raw, group_raw, address, housing, farm, forest, garden, home, tags, notes = (
                cells
            )
            code = self.code(sheet, row, code_raw)
            if code is not None and code.startswith(excel.EXAMPLE_PREFIX):
                continue
            try:
                village = excel.code_text(village_raw)
            except ValueError:
                village = excel.cell_text(village_raw)
            if not village:
                add(sheet, row, "village", _("请填写村（社区）名称或代码。"))
            household = HouseholdRow(
                row,
                code or "",
                None,
                self.text(sheet, row, "address", address, 200),
                self.choice(sheet, row, "housing", housing, self.housing, ""),
                (
                    self.land(sheet, row, "land_farmland", farm),
                    self.land(sheet, row, "land_forest", forest),
                    self.land(sheet, row, "land_garden", garden),
                    self.land(sheet, row, "land_homestead", home),
                ),
                self.tag_set(sheet, row, tags, TagScope.HOUSEHOLD),
                notes.strip() if type(notes) is str else excel.cell_text(notes),
            )
            rows.append(household)
            places.append((household, village, excel.cell_text(group_raw)))
        self.tick(count % PROGRESS_EVERY)
        self._resolve_regions(places)
        return rows

    def _resolve_regions(self, places: list[tuple[HouseholdRow, str, str]]) -> None:
        cache: dict[tuple[str, str], tuple[RegionRef | None, str, str]] = {}
        unknown: dict[str, list[int]] = defaultdict(list)
        for household, village, group in places:
            if not village:
                continue
            result = cache.get((village, group))
            if result is None:
                result = cache[(village, group)] = self.regions.resolve(village, group)
            ref, column, message = result
            if ref is not None:
                household.region = ref
            elif message:
                self.problems.add(HOUSEHOLD_SHEET, household.row, column, message)
            else:
                unknown[village].append(household.row)
        if unknown:
            for village, message in self.regions.explain_unknown(set(unknown)).items():
                for row in unknown[village]:
                    self.problems.add(HOUSEHOLD_SHEET, row, "village", message)

    def members(self, reader: excel.SheetReader) -> list[MemberRow]:
        sheet = MEMBER_SHEET
        add = self.problems.add
        relations, genders, livings = self.relation, self.gender, self.living
        strings: dict[str, str] = {}
        today = self._today
        rows: list[MemberRow] = []
        count = 0
        for row, cells in reader.rows():
            count += 1
            if count % PROGRESS_EVERY == 0:
                self.tick(PROGRESS_EVERY)
            (
                code_raw,
                name,
                relation_raw,
                gender_raw,
                born_raw,
                ethnicity,
                id_raw,
                phone_raw,
                living_raw,
                tags,
                notes,
            ) = cells
            code = self.code(sheet, row, code_raw)
            if code is not None:
                code = strings.setdefault(code, code)  # one object per household, not per person
            if code is not None and code.startswith(excel.EXAMPLE_PREFIX):
                continue
            name = self.text(sheet, row, "name", name, 50)
            if not name:
                add(sheet, row, "name", _("姓名不能为空。"))
            relation = relations.get(relation_raw) if type(relation_raw) is str else None
            if relation is None:
                relation = self.choice(sheet, row, "relation", relation_raw, relations, "")
                if not relation and not excel.cell_text(relation_raw):
                    add(sheet, row, "relation", _("请填写与户主关系。"))
            gender = genders.get(gender_raw) if type(gender_raw) is str else None
            if gender is None:
                gender = self.choice(sheet, row, "gender", gender_raw, genders, "")
            living = livings.get(living_raw) if type(living_raw) is str else None
            if living is None:
                living = self.choice(sheet, row, "living", living_raw, livings, Living.HOME)
            if type(born_raw) is datetime.datetime:
                birth_date: datetime.date | None = born_raw.date()
            elif type(born_raw) is datetime.date:
                birth_date = born_raw
            else:
                try:
                    birth_date = excel.cell_date(born_raw)
                except ValueError:
                    birth_date = None
                    add(sheet, row, "birth_date", _("出生日期无法识别，请填写如 1980-01-02 的日期。"))
            id_number, born = "", None
            if id_raw != "":
                try:
                    id_number, born = id_with_birth_date(id_raw)
                except DjangoValidationError as exc:
                    add(sheet, row, "id_number", _first_message(exc))
            if id_number:
                if birth_date and born and birth_date != born:
                    add(
                        sheet,
                        row,
                        "birth_date",
                        _("出生日期与身份证号不符（身份证为%(d)s）。") % {"d": born.isoformat()},
                    )
                birth_date = birth_date or born
                from_id = id_gender(id_number)
                if gender and gender != from_id:
                    add(sheet, row, "gender", _("性别与身份证号不符。"))
                gender = gender or from_id
            if birth_date and birth_date > today:
                add(sheet, row, "id_number" if id_number else "birth_date", _("出生日期不能晚于今天。"))
            phone = ""
            if phone_raw != "":
                try:
                    phone = fast_phone(phone_raw)
                except DjangoValidationError as exc:
                    add(sheet, row, "phone", _first_message(exc))
            rows.append(
                MemberRow(
                    row,
                    code or "",
                    name,
                    relation,
                    gender,
                    birth_date,
                    strings.setdefault(eth := self.text(sheet, row, "ethnicity", ethnicity, 20), eth),
                    id_number,
                    phone,
                    living,
                    self.tag_set(sheet, row, tags, TagScope.PERSON),
                    notes.strip() if type(notes) is str else excel.cell_text(notes),
                )
            )
        self.tick(count % PROGRESS_EVERY)
        return rows


def parse(content: bytes, paths: list[str], *, progress: Progress | None = None) -> Parsed:
    """Read the workbook and check every cell. Raise WorkbookError when it is not a household workbook."""
    workbook = excel.open_workbook(content)
    last_rows = excel.sheet_last_rows(content)
    for name in (HOUSEHOLD_SHEET, MEMBER_SHEET):
        # Refuse an oversized sheet before loading it; the exact count follows once it is loaded.
        excel.check_row_limit(name, last_rows.get(name, 0) - 1, slack=10)
    # One sheet at a time: calamine holds a loaded sheet in memory (hundreds of MB for 300,000 rows).
    h_reader = excel.read_sheet(workbook, HOUSEHOLD_SHEET)
    excel.check_row_limit(HOUSEHOLD_SHEET, h_reader.row_count)
    total = h_reader.row_count + max(0, last_rows.get(MEMBER_SHEET, 1) - 1)
    if progress is not None:
        progress(0, total)
    problems = _Problems()
    parser = _Parser(paths, problems, progress, total)
    households = parser.households(h_reader)
    del h_reader
    m_reader = excel.read_sheet(workbook, MEMBER_SHEET)
    excel.check_row_limit(MEMBER_SHEET, m_reader.row_count)
    total = parser.total = parser.done + m_reader.row_count
    members = parser.members(m_reader)
    del m_reader, workbook
    if not households and not members:
        message = _("文件中没有数据行（示例行除外）。")
        raise WorkbookError(message, [{"sheet": HOUSEHOLD_SHEET, "row": 2, "column": "", "message": message}])
    return Parsed(households, members, problems.items, problems.bad_rows, total)


# --------------------------------------------------------------------------------------------------
# Keeping the rows read while validating, for applying in the same worker


@dataclass
class _Remembered:
    key: str
    parsed: Parsed
    at: float
    # The validation's own analysis, and the registry's fingerprint taken just before it (SQLite only).
    analysis: "Analysis | None" = None
    fingerprint: tuple[Any, ...] | None = None


_REMEMBER_SECONDS = 3600
_remembered: _Remembered | None = None
_remember_lock = threading.Lock()


def _parse_key(job: ImportJob, content: bytes, paths: list[str]) -> str:
    """Everything the parsed rows depend on besides the file: the user's regions, the region tree under
    them, the tags, and today's date (birth dates after it are refused)."""
    digest = hashlib.sha256(content)
    digest.update(repr((job.pk, paths, timezone.localdate().isoformat())).encode())
    for tag in DifficultyTag.objects.order_by("pk").values_list("pk", "name", "applies_to", "is_active"):
        digest.update(repr(tag).encode())
    for region in _scope_regions(paths).values_list("pk", "code", "name", "level", "parent_id"):
        digest.update(repr(region).encode())
    return digest.hexdigest()


def _remember(
    key: str,
    parsed: Parsed,
    analysis: "Analysis | None" = None,
    fingerprint: tuple[Any, ...] | None = None,
) -> None:
    global _remembered
    with _remember_lock:
        _remembered = _Remembered(key, parsed, time.monotonic(), analysis, fingerprint)


def _recall(key: str) -> _Remembered | None:
    """What was remembered for `key`, used once; anything else remembered is dropped."""
    global _remembered
    with _remember_lock:
        found, _remembered = _remembered, None
    if found is None or found.key != key or time.monotonic() - found.at > _REMEMBER_SECONDS:
        return None
    return found


# Every table the matching reads besides the regions and tags (which _parse_key covers). Rows are only
# ever added with a new id (AUTOINCREMENT: ids are not reused), removed, or saved with a new updated_at;
# the through tables and memberships have no timestamps, but their rows are only added and removed.
def _fingerprint_sql() -> str:
    qn = connection.ops.quote_name
    parts = []
    for model, stamped in (
        (Household, True),
        (Resident, True),
        (Membership, False),
        (Household.tags.through, False),
        (Resident.tags.through, False),
    ):
        table, pk = qn(model._meta.db_table), qn(str(model._meta.pk.column))
        parts += [f"(SELECT COUNT(*) FROM {table})", f"(SELECT MAX({pk}) FROM {table})"]
        if stamped:
            parts.append(f"(SELECT MAX({qn('updated_at')}) FROM {table})")
    return "SELECT " + ", ".join(parts)


def registry_fingerprint() -> tuple[Any, ...] | None:
    """A few aggregates of the whole registry that change whenever anything the matching reads changes,
    or None where they cannot stand for it.

    Only on SQLite: there apply's transaction holds the database's write lock from BEGIN (IMMEDIATE), so
    an equal fingerprint inside it proves the registry is still what validation matched against, and
    stays so until commit. On PostgreSQL others may commit meanwhile; apply matches again under row
    locks. The whole registry, not the actor's regions: matching also reads ID numbers and codes
    registered anywhere. A change elsewhere merely costs the full re-analysis.
    """
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        return tuple(cursor.fetchone())


def forget_parsed() -> None:
    global _remembered
    with _remember_lock:
        _remembered = None


# --------------------------------------------------------------------------------------------------
# Matching against the registry


def _in_paths(path: str, paths: list[str]) -> bool:
    return any(path.startswith(p) for p in paths)


def _select(
    model: type[models.Model],
    columns: Sequence[str],
    column: str,
    values: Iterable[Any],
    *,
    lock: bool = False,
) -> Iterator[tuple[Any, ...]]:
    """`columns` of the rows whose `column` is one of `values`, in plain SQL.

    The ORM spends about 8 µs per value building an IN (...) list and as much again converting each
    row: seconds for 300,000 ID numbers. Here values go to the driver as they are; SQLite's and
    psycopg's own converters give dates and booleans (callers convert SQLite's REAL decimals). When
    the table is small next to the values sought, one scan beats a probe per value. `lock` locks the
    rows (PostgreSQL; SQLite already holds the whole database for the transaction).
    """
    wanted_set = set(values)
    if not wanted_set:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    select = ", ".join(qn(c) for c in columns)
    locking = lock and connection.features.has_select_for_update
    suffix = " FOR UPDATE" if locking else ""
    with connection.cursor() as cursor:
        if not locking:
            cursor.execute(f"SELECT MAX({qn(str(model._meta.pk.column))}) FROM {table}")
            size = cursor.fetchone()[0] or 0
            if size <= 4 * len(wanted_set):
                position = list(columns).index(column)
                cursor.execute(f"SELECT {select} FROM {table} WHERE {qn(column)} IS NOT NULL")
                while batch := cursor.fetchmany(_IN_CHUNK):
                    yield from (row for row in batch if row[position] in wanted_set)
                return
        for chunk in _chunks(sorted(wanted_set)):
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {select} FROM {table} WHERE {qn(column)} IN ({placeholders}){suffix}", chunk
            )
            yield from cursor.fetchall()


def _chunks[T](items: Sequence[T], size: int = _IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_HOUSEHOLD_REPEATS = tuple(DbHousehold.INDEX[k] for k in ("region_path", "housing", "status"))
_RESIDENT_REPEATS = tuple(
    DbResident.INDEX[k] for k in ("region_path", "gender", "ethnicity", "relation", "living", "notes")
)


class _Matcher:
    """Finds what each unit and row is in the registry and checks the rules that need the registry."""

    def __init__(self, parsed: Parsed, paths: list[str], *, lock: bool) -> None:
        self.parsed = parsed
        self.problems = _Problems(parsed.problems, parsed.bad_rows)
        self.paths = paths
        self.lock = lock
        self.units: dict[str, Unit] = {}
        self.households: dict[int, DbHousehold] = {}  # registered households touched, by pk
        self.residents: dict[int, DbResident] = {}
        self.by_id_number: dict[str, DbResident] = {}
        self.members_of: dict[int, list[DbResident]] = defaultdict(list)
        self.strings: dict[str, str] = {}
        self.decimals: dict[Any, Decimal] = {}
        self.counts = {
            "households": {"create": 0, "update": 0, "unchanged": 0, "skipped": 0},
            "residents": {"create": 0, "update": 0, "unchanged": 0, "skipped": 0},
        }

    def err(self, unit: Unit | None, sheet: str, row: int, key: str, message: str) -> None:
        self.problems.add(sheet, row, key, message)
        if unit is not None:
            unit.bad = True

    def run(self) -> Analysis:
        self._group()
        codes = sorted(self.units)
        by_code = {db["code"]: db for db in self._load_households("code", codes)}
        self._load_residents_by_id()
        self._targets(by_code)
        self._load_members()
        claimed: dict[int, Unit] = {}
        for unit in self.units.values():
            if unit.target is None:
                continue
            other = claimed.get(unit.target.pk)
            if other is not None:
                self._same_household(unit, other)
            else:
                claimed[unit.target.pk] = unit
        self._duplicates()
        for unit in self.units.values():
            self._match_members(unit)
            self._head_rule(unit)
        for unit in self.units.values():
            self._count(unit)
        return Analysis(
            units=self.units,
            errors=self.problems.sorted(),
            rows_total=self.parsed.rows_total,
            residents=self.residents,
            summary={
                **self.counts,
                "rows": self._row_counts(),
                "error_count": len(self.problems.items),
            },
        )

    def _group(self) -> None:
        units = self.units
        bad_households = self.problems.bad_rows[HOUSEHOLD_SHEET]
        bad_members = self.problems.bad_rows[MEMBER_SHEET]
        for household in self.parsed.households:
            if not household.code:
                continue
            unit = units.get(household.code)
            if unit is None:
                unit = units[household.code] = Unit(code=household.code, household=household)
                if household.row in bad_households:
                    unit.bad = True
            else:
                first = unit.household.row if unit.household else 0
                self.err(
                    unit,
                    HOUSEHOLD_SHEET,
                    household.row,
                    "code",
                    _("户编号“%(code)s”与第%(row)d行重复。") % {"code": household.code, "row": first},
                )
        current: Unit | None = None
        for member in self.parsed.members:
            code = member.code
            if not code:
                continue
            if current is None or current.code != code:  # a household's members usually follow each other
                current = units.get(code)
                if current is None:
                    current = units[code] = Unit(code=code)
            current.members.append(member)
            if member.row in bad_members:
                current.bad = True
        for unit in units.values():
            unit.residents = [None] * len(unit.members)

    # -- registry lookups

    def _households_qs(self) -> QuerySet[Household]:
        qs = Household.objects.all()
        return qs.select_for_update() if self.lock else qs

    def _load_households(self, column: str, values: Iterable[Any]) -> list[DbHousehold]:
        out: list[DbHousehold] = []
        for row in _select(Household, DbHousehold.FIELDS, column, values, lock=self.lock):
            db = self.households.get(row[0])
            if db is None:
                db = self.households[row[0]] = DbHousehold.from_db(
                    self._canonical(row, _HOUSEHOLD_REPEATS), self.decimals
                )
            out.append(db)
        return out

    def _resident(self, row: tuple[Any, ...]) -> DbResident:
        resident = self.residents.get(row[0])
        if resident is None:
            resident = self.residents[row[0]] = DbResident(self._canonical(row, _RESIDENT_REPEATS))
            if resident["id_number"]:
                self.by_id_number[resident["id_number"]] = resident
        return resident

    def _canonical(self, row: tuple[Any, ...], positions: tuple[int, ...]) -> tuple[Any, ...]:
        """One string object per distinct value in columns that repeat (region paths, relations …):
        for a re-import of 300,000 people that is a hundred MB less."""
        values = list(row)
        strings = self.strings
        for i in positions:
            value = values[i]
            if type(value) is str:
                values[i] = strings.setdefault(value, value)
        return tuple(values)

    def _load_residents_by_id(self) -> None:
        numbers = {m.id_number for m in self.parsed.members if m.id_number}
        for row in _select(Resident, DbResident.FIELDS, "id_number", numbers):
            self._resident(row)

    def _load_members(self) -> None:
        """Everyone registered in the households the file updates, with their tags and the households' tags."""
        pks = {u.target.pk for u in self.units.values() if u.target is not None}
        # Ids first: on a re-import most members were already loaded by their ID numbers.
        pairs = list(_select(Resident, ("id", "household_id"), "household_id", pks))
        missing = [rid for rid, _hid in pairs if rid not in self.residents]
        for row in _select(Resident, DbResident.FIELDS, "id", missing):
            self._resident(row)
        for rid, hid in pairs:
            self.members_of[hid].append(self.residents[rid])
        tags: dict[int, set[int]] = defaultdict(set)
        for rid, tid in _select(
            Resident.tags.through, ("resident_id", "difficultytag_id"), "resident_id", self.residents
        ):
            tags[rid].add(tid)
        for rid, tag_set in tags.items():
            self.residents[rid].tags = frozenset(tag_set)
        tags = defaultdict(set)
        for hid, tid in _select(
            Household.tags.through, ("household_id", "difficultytag_id"), "household_id", pks
        ):
            tags[hid].add(tid)
        for hid, tag_set in tags.items():
            self.households[hid].tags = frozenset(tag_set)

    def _targets(self, by_code: dict[str, DbHousehold]) -> None:
        temporary: list[Unit] = []
        for unit in self.units.values():
            household = unit.household
            db = by_code.get(unit.code)
            if db is not None:
                if not _in_paths(db.path, self.paths):
                    if household is not None:
                        self.err(
                            unit,
                            HOUSEHOLD_SHEET,
                            household.row,
                            "code",
                            _("户编号“%(code)s”已被您管辖范围以外的户使用；新户请改用临时编号（如“新1”）。")
                            % {"code": unit.code},
                        )
                    else:
                        self._unknown_code(unit)
                elif db["status"] != HouseholdStatus.ACTIVE:
                    sheet, row = (
                        (HOUSEHOLD_SHEET, household.row) if household else (MEMBER_SHEET, unit.members[0].row)
                    )
                    self.err(
                        unit, sheet, row, "code", _("户 %(code)s 已注销，不能导入。") % {"code": unit.code}
                    )
                else:
                    unit.target = db
                continue
            if household is None:
                self._unknown_code(unit)
            elif household.region is None:
                continue  # the region problem is reported already; the household cannot be placed
            elif unit.code.isdigit() and len(unit.code) == 16:
                village_code = household.region.code[:12]
                if unit.code[:12] == village_code:
                    unit.new_code = unit.code
                else:
                    self.err(
                        unit,
                        HOUSEHOLD_SHEET,
                        household.row,
                        "code",
                        _(
                            "户编号“%(code)s”的前12位与所在村代码 %(village)s 不符；新户请改用临时编号（如“新1”）。"
                        )
                        % {"code": unit.code, "village": village_code},
                    )
            else:
                temporary.append(unit)
        self._match_temporary(temporary)

    def _unknown_code(self, unit: Unit) -> None:
        for member in unit.members:
            self.err(
                unit,
                MEMBER_SHEET,
                member.row,
                "code",
                _("户编号“%(code)s”既不在“户信息”表中，也不是您管辖范围内已登记的户。") % {"code": unit.code},
            )

    def _match_temporary(self, units: list[Unit]) -> None:
        """A temporary-coded household is a registered one when its head already heads that household
        (by ID number; without one, by the same head name and address in the same village or group)."""
        by_head: dict[int, list[tuple[Unit, DbResident]]] = defaultdict(list)
        by_name: list[tuple[Unit, str]] = []
        for unit in units:
            heads = [m for m in unit.members if m.relation == Relation.HEAD]
            if len(heads) != 1:
                continue
            head = heads[0]
            if head.id_number:
                resident = self.by_id_number.get(head.id_number)
                if resident is not None and resident["household_id"] is not None:
                    by_head[resident["household_id"]].append((unit, resident))
            elif head.name:
                by_name.append((unit, head.name))
        for db in self._load_households("id", by_head):
            if db["status"] != HouseholdStatus.ACTIVE or not _in_paths(db.path, self.paths):
                continue
            for unit, resident in by_head[db.pk]:
                if db["head_id"] == resident.pk:
                    unit.target = db
        if not by_name:
            return
        places = {u.household.region.path for u, _n in by_name if u.household and u.household.region}
        candidates: dict[tuple[str, str, str], list[DbHousehold]] = defaultdict(list)
        for chunk in _chunks(sorted({name for _u, name in by_name})):
            qs = self._households_qs().filter(
                head_name__in=chunk, region_path__in=places, status=HouseholdStatus.ACTIVE
            )
            for row in qs.values_list(*DbHousehold.FIELDS):
                db = self.households.setdefault(row[0], DbHousehold(self._canonical(row, _HOUSEHOLD_REPEATS)))
                candidates[(db["region_path"], db["head_name"], db["address"])].append(db)
        for unit, name in by_name:
            assert unit.household is not None and unit.household.region is not None
            found = candidates.get((unit.household.region.path, name, unit.household.address), [])
            if len(found) == 1:
                unit.target = found[0]

    def _same_household(self, unit: Unit, other: Unit) -> None:
        assert unit.target is not None
        sheet, row = (
            (HOUSEHOLD_SHEET, unit.household.row) if unit.household else (MEMBER_SHEET, unit.members[0].row)
        )
        self.err(
            unit,
            sheet,
            row,
            "code",
            _("与户编号“%(other)s”是系统中的同一户（%(code)s），请合并为一户填写。")
            % {"other": other.code, "code": unit.target["code"]},
        )
        other.bad = True
        unit.target = None

    # -- rows

    def _duplicates(self) -> None:
        """The same person twice: the same ID number anywhere, or the same name without ID in one household."""
        first_by_id: dict[str, tuple[Unit, MemberRow]] = {}
        for unit in self.units.values():
            names: dict[str, MemberRow] = {}
            for member in unit.members:
                if member.id_number:
                    seen = first_by_id.get(member.id_number)
                    if seen is None:
                        first_by_id[member.id_number] = (unit, member)
                        continue
                    other_unit, other = seen
                    if other_unit is unit:
                        self.err(
                            unit,
                            MEMBER_SHEET,
                            member.row,
                            "id_number",
                            _("该成员在本户中重复填写（与第%(row)d行身份证号相同）。") % {"row": other.row},
                        )
                        continue
                    self.err(
                        unit,
                        MEMBER_SHEET,
                        member.row,
                        "id_number",
                        _("身份证号与第%(row)d行（户编号“%(code)s”）重复。")
                        % {"row": other.row, "code": other_unit.code},
                    )
                    self.err(
                        other_unit,
                        MEMBER_SHEET,
                        other.row,
                        "id_number",
                        _("身份证号与第%(row)d行（户编号“%(code)s”）重复。")
                        % {"row": member.row, "code": unit.code},
                    )
                elif member.name:
                    earlier = names.get(member.name)
                    if earlier is None:
                        names[member.name] = member
                    else:
                        self.err(
                            unit,
                            MEMBER_SHEET,
                            member.row,
                            "name",
                            _("该成员在本户中重复填写（与第%(row)d行同名且都没有身份证号）。")
                            % {"row": earlier.row},
                        )

    def _match_members(self, unit: Unit) -> None:
        target = unit.target
        used: dict[int, MemberRow] = {}
        registered_here = self.members_of.get(target.pk, []) if target is not None else []
        for index, member in enumerate(unit.members):
            resident: DbResident | None = None
            if member.id_number:
                registered = self.by_id_number.get(member.id_number)
                if registered is not None:
                    if target is None or registered["household_id"] != target.pk:
                        self._clash(unit, member, registered)
                        continue
                    resident = registered
                elif registered_here:
                    same = [r for r in registered_here if r["name"] == member.name and not r["id_number"]]
                    resident = same[0] if len(same) == 1 else None
            elif registered_here and member.name:
                same = [r for r in registered_here if r["name"] == member.name]
                if len(same) > 1:
                    self.err(
                        unit,
                        MEMBER_SHEET,
                        member.row,
                        "name",
                        _("户内已有多名叫“%(name)s”的成员，请填写身份证号以区分。") % {"name": member.name},
                    )
                    continue
                resident = same[0] if same else None
            if resident is None:
                continue
            if resident.pk in used:
                self.err(
                    unit,
                    MEMBER_SHEET,
                    member.row,
                    "name",
                    _("与第%(row)d行是同一人。") % {"row": used[resident.pk].row},
                )
                continue
            used[resident.pk] = member
            unit.residents[index] = resident
            self._check_registered_id(unit, member, resident)

    def _check_registered_id(self, unit: Unit, member: MemberRow, resident: DbResident) -> None:
        """A row without ID number that updates a person with one must agree with it."""
        registered = resident["id_number"]
        if member.id_number or not registered:
            return
        born = id_birth_date(registered)
        if member.birth_date and born and member.birth_date != born:
            self.err(
                unit,
                MEMBER_SHEET,
                member.row,
                "birth_date",
                _("出生日期与已登记的身份证号不符（身份证为%(d)s）。") % {"d": born.isoformat()},
            )
        if member.gender and member.gender != id_gender(registered):
            self.err(unit, MEMBER_SHEET, member.row, "gender", _("性别与已登记的身份证号不符。"))

    def _clash(self, unit: Unit, member: MemberRow, registered: DbResident) -> None:
        household_id = registered["household_id"]
        household = self.households.get(household_id) if household_id else None
        if household is None and household_id:
            loaded = self._load_households("id", [household_id])
            household = loaded[0] if loaded else None
        if household is not None and _in_paths(household.path, self.paths):
            message = _("该身份证号已登记在户 %(code)s（%(name)s）；迁入本户请使用“迁移”或“分户”功能。") % {
                "code": household["code"],
                "name": registered["name"],
            }
        else:
            message = _("该身份证号已登记在其他户（不在您的管辖范围内），不能导入到本户。")
        self.err(unit, MEMBER_SHEET, member.row, "id_number", message)

    def _head_rule(self, unit: Unit) -> None:
        """After applying, the household has exactly one head."""
        heads = [m for m in unit.members if m.relation == Relation.HEAD]
        target = unit.target
        if len(heads) > 1:
            rows = "、".join(str(m.row) for m in heads)
            for head in heads[1:]:
                self.err(
                    unit,
                    MEMBER_SHEET,
                    head.row,
                    "relation",
                    _("户编号“%(code)s”填写了多个户主（第%(rows)s行），每户只能有一名户主。")
                    % {"code": unit.code, "rows": rows},
                )
            return
        current = self.residents.get(target["head_id"]) if target and target["head_id"] else None
        if current is not None and (target is None or current["household_id"] != target.pk):
            current = None  # a stale pointer: that person has left the household
        listed = {r.pk: m for m, r in zip(unit.members, unit.residents, strict=True) if r is not None}
        if heads:
            head = heads[0]
            head_resident = unit.residents[unit.members.index(head)]
            if current is None or (head_resident is not None and head_resident.pk == current.pk):
                return
            if current["is_deceased"] or current.pk in listed:
                return  # a new head after a death, or the old head relabelled in this file
            self.err(
                unit,
                MEMBER_SHEET,
                head.row,
                "relation",
                _(
                    "该户现有户主为“%(name)s”。更换户主请在本表中同时修改“%(name)s”的与户主关系，或使用“变更户主”功能。"
                )
                % {"name": current["name"]},
            )
            return
        if current is not None and current.pk not in listed:
            return  # the registered head stays
        if unit.household is not None:
            sheet, row, key = HOUSEHOLD_SHEET, unit.household.row, "code"
        else:
            sheet, row, key = MEMBER_SHEET, unit.members[0].row, "relation"
        if not unit.members and target is None:
            message = _("户编号“%(code)s”在“成员信息”表中没有成员；新户至少要填写户主。") % {
                "code": unit.code
            }
        else:
            message = _("户编号“%(code)s”没有户主，每户必须有且只有一名户主。") % {"code": unit.code}
        self.err(unit, sheet, row, key, message)

    # -- what applying would do

    def _count(self, unit: Unit) -> None:
        counts = self.counts
        if unit.bad:
            counts["households"]["skipped"] += 1
            counts["residents"]["skipped"] += len(unit.members)
            return
        members_changed = False
        unit.changes = []
        for member, resident in zip(unit.members, unit.residents, strict=True):
            changes = resident_changes(member, resident) if resident is not None else {}
            unit.changes.append(changes)  # the writer needs them again
            if resident is None:
                counts["residents"]["create"] += 1
                members_changed = True
            elif changes:
                counts["residents"]["update"] += 1
                members_changed = True
            else:
                counts["residents"]["unchanged"] += 1
        if unit.target is None:
            counts["households"]["create"] += 1
        elif members_changed or household_changes(unit, unit.target) or final_head(unit, self.residents)[1]:
            counts["households"]["update"] += 1
        else:
            counts["households"]["unchanged"] += 1

    def _row_counts(self) -> dict[str, dict[str, int]]:
        def count(sheet: str, rows: Iterable[HouseholdRow | MemberRow]) -> dict[str, int]:
            total = bad = skipped = 0
            bad_rows = self.problems.bad_rows[sheet]
            for r in rows:
                total += 1
                if r.row in bad_rows:
                    bad += 1
                elif not r.code or self.units[r.code].bad:
                    skipped += 1
            return {"total": total, "good": total - bad - skipped, "bad": bad, "skipped": skipped}

        return {
            "households": count(HOUSEHOLD_SHEET, self.parsed.households),
            "members": count(MEMBER_SHEET, self.parsed.members),
        }


def household_changes(unit: Unit, db: DbHousehold) -> dict[str, tuple[Any, Any]]:
    """field → (registered, file) for the household's own fields that the file changes."""
    row = unit.household
    if row is None or row.region is None:
        return {}
    wanted: dict[str, Any] = {
        "region_id": row.region.pk,
        "address": row.address,
        "housing": row.housing,
        "notes": row.notes,
        **dict(zip(LAND_KEYS, row.land, strict=True)),
    }
    changes = {k: (db[k], v) for k, v in wanted.items() if db[k] != v}
    if row.tags != db.tags:
        changes["tags"] = (db.tags, row.tags)
    return changes


def resident_values(member: MemberRow, resident: DbResident | None) -> dict[str, Any]:
    """The fields a row sets. A blank ID number or ethnicity keeps what is registered."""
    values: dict[str, Any] = {
        "name": member.name,
        "gender": member.gender,
        "birth_date": member.birth_date,
        "phone": member.phone,
        "relation": member.relation,
        "living": member.living,
        "notes": member.notes,
    }
    if member.id_number or resident is None:
        values["id_number"] = member.id_number or None
    if member.ethnicity or resident is None:
        values["ethnicity"] = member.ethnicity or "汉族"
    if resident is not None and not member.id_number and resident["id_number"]:
        registered = resident["id_number"]
        values["gender"] = member.gender or id_gender(registered)
        values["birth_date"] = member.birth_date or id_birth_date(registered)
    return values


def resident_changes(member: MemberRow, resident: DbResident) -> dict[str, tuple[Any, Any]]:
    row, index = resident.row, DbResident.INDEX
    changes = {
        k: (row[index[k]], v) for k, v in resident_values(member, resident).items() if row[index[k]] != v
    }
    if member.tags != resident.tags:
        changes["tags"] = (resident.tags, member.tags)
    return changes


def final_head(unit: Unit, residents: dict[int, DbResident]) -> tuple[int | DbResident | None, bool]:
    """The head after applying — an index into unit.members, or the registered head when the file
    names none — and whether the household's head or head name changes."""
    index = next((i for i, m in enumerate(unit.members) if m.relation == Relation.HEAD), None)
    target = unit.target
    if target is None:
        return index, True
    head_id = target["head_id"]
    if index is not None:
        resident = unit.residents[index]
        if resident is None or resident.pk != head_id:
            return index, True
        return index, unit.members[index].name != target["head_name"]
    return (residents.get(head_id) if head_id else None), False


def analyse(
    content: bytes,
    actor: Any,
    *,
    progress: Progress | None = None,
    lock: bool = False,
    parsed: Parsed | None = None,
) -> Analysis:
    """Read and check the workbook against the registry (or match already `parsed` rows). Writes nothing.

    Raise WorkbookError when the file cannot be read as a household workbook at all. `lock` (inside
    apply's transaction) locks the registered households the file touches.
    """
    paths = regions_with(actor, Perm.IMPORT_HOUSEHOLDS)
    if not paths:
        raise WorkbookError(_("您没有导入民情档案的权限。"))
    if parsed is None:
        parsed = parse(content, paths, progress=progress)
    return _Matcher(parsed, paths, lock=lock).run()


# --------------------------------------------------------------------------------------------------
# Validate (task step 1)


def validate(job: ImportJob) -> ImportJob:
    """Check the job's file; record the problems and the summary on the job (VALIDATED), or FAILED when
    the file cannot be read. Writes nothing but the job."""
    claimed = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportStatus.PENDING, ImportStatus.VALIDATED, ImportStatus.FAILED]
    ).update(status=ImportStatus.VALIDATING, rows_done=0, error_message="", errors=[], summary={})
    if not claimed:
        raise ServiceError(_("该导入任务当前不能校验。"))
    job.refresh_from_db()
    actor = job.created_by
    content = bytes(job.content)
    due = [0.0]

    def progress(done: int, total: int) -> None:
        # At most every two seconds: pages poll no faster. On SQLite every update of the job row
        # rewrites the stored file with it (tens of MB, a fifth of a second, for a big workbook), so
        # the updates are also spaced to take at most a twentieth of the time.
        now = time.monotonic()
        if now >= due[0] or done == total:
            ImportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=total)
            due[0] = now + max(2.0, 20 * (time.monotonic() - now))

    fingerprint = None
    try:
        paths = regions_with(actor, Perm.IMPORT_HOUSEHOLDS)
        with _gc_paused():
            parsed = parse(content, paths, progress=progress) if paths else None
            # Taken before matching reads the registry: whatever changes after it changes the fingerprint.
            fingerprint = registry_fingerprint() if parsed is not None else None
            analysis = analyse(content, actor, parsed=parsed)
    except WorkbookError as exc:
        _finish(
            job,
            ImportStatus.VALIDATING,
            status=ImportStatus.FAILED,
            error_message=exc.message,
            errors=exc.problems,
        )
        return job
    except Exception:
        logger.exception("validating import job %s failed", job.pk)
        _finish(
            job,
            ImportStatus.VALIDATING,
            status=ImportStatus.FAILED,
            error_message=_("校验时发生内部错误，请稍后重试或联系管理员。"),
        )
        raise
    if parsed is not None:
        _remember(_parse_key(job, content, paths), parsed, analysis, fingerprint)
    _finish(
        job,
        ImportStatus.VALIDATING,
        status=ImportStatus.VALIDATED,
        errors=analysis.errors,
        summary=analysis.summary,
        rows_total=analysis.rows_total,
        rows_done=analysis.rows_total,
    )
    return job


def _finish(job: ImportJob, expected: str, **fields: Any) -> None:
    """Move the job on, unless someone cancelled it meanwhile."""
    now = timezone.now()
    if fields.get("status") in (ImportStatus.FAILED, ImportStatus.APPLIED, ImportStatus.CANCELLED):
        fields["finished_at"] = now
        # The upload holds ID numbers and phones of whole villages: once the job is over it is not kept.
        fields["content"] = b""
    ImportJob.objects.filter(pk=job.pk, status=expected).update(updated_at=now, **fields)
    job.refresh_from_db()


# --------------------------------------------------------------------------------------------------
# Apply (task step 2)


class _RegistryChanged(Exception):
    def __init__(self, analysis: Analysis) -> None:
        super().__init__("registry changed since validation")
        self.analysis = analysis


def apply(job: ImportJob, *, actor: User, good_rows_only: bool) -> ImportJob:
    """Write a validated job to the registry in one transaction: all of it, or, with `good_rows_only`,
    every household none of whose rows has a problem. Never half a household."""
    job.refresh_from_db()
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.APPLYING):
        raise ServiceError(_("该导入任务不是“已校验，待确认”状态，不能导入。"))
    try:
        _check_may_apply(job, actor, good_rows_only)
    except (ServiceError, PermissionDenied) as exc:
        # A job queued by import_confirm would otherwise show "导入中" for ever.
        _finish(job, ImportStatus.APPLYING, status=ImportStatus.VALIDATED, error_message=str(exc))
        raise
    ImportJob.objects.filter(pk=job.pk, status__in=[ImportStatus.VALIDATED, ImportStatus.APPLYING]).update(
        status=ImportStatus.APPLYING,
        apply_good_rows=good_rows_only,
        error_message="",
        updated_at=timezone.now(),
    )
    try:
        with _gc_paused(), transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status != ImportStatus.APPLYING:
                raise ServiceError(_("该导入任务已处理。"))
            content = bytes(locked.content)
            paths = regions_with(actor, Perm.IMPORT_HOUSEHOLDS)
            remembered = _recall(_parse_key(locked, content, paths))
            analysis = _unchanged_analysis(remembered)
            if analysis is None:
                parsed = remembered.parsed if remembered is not None else None
                analysis = analyse(content, actor, lock=True, parsed=parsed)
            if analysis.errors != locked.errors:
                raise _RegistryChanged(analysis)
            done = _Writer(analysis, actor=actor, job=locked).write()
            summary = {**analysis.summary, **done}
            audit_record(
                actor=actor,
                action=Action.IMPORT,
                obj=locked,
                note=_import_note(locked, summary),
                after={"summary": summary},
            )
            now = timezone.now()
            ImportJob.objects.filter(pk=locked.pk).update(
                status=ImportStatus.APPLIED,
                summary=summary,
                rows_total=analysis.rows_total,
                rows_done=analysis.rows_total,
                finished_at=now,
                updated_at=now,
                content=b"",  # see _finish: the upload is not kept once applied
            )
    except _RegistryChanged as changed:
        message = _("自校验以来系统中的数据发生了变化，问题清单已更新；请查看后重新确认。")
        _finish(
            job,
            ImportStatus.APPLYING,
            status=ImportStatus.VALIDATED,
            errors=changed.analysis.errors,
            summary=changed.analysis.summary,
            error_message=message,
        )
        raise ServiceError(message) from None
    except WorkbookError as exc:
        _finish(
            job,
            ImportStatus.APPLYING,
            status=ImportStatus.FAILED,
            error_message=exc.message,
            errors=exc.problems,
        )
        raise ServiceError(exc.message) from None
    except ServiceError:
        job.refresh_from_db()
        raise
    except Exception:
        logger.exception("applying import job %s failed", job.pk)
        _finish(
            job,
            ImportStatus.APPLYING,
            status=ImportStatus.VALIDATED,
            error_message=_("导入失败，没有写入任何数据；请稍后重试或联系管理员。"),
        )
        raise
    job.refresh_from_db()
    return job


def _unchanged_analysis(remembered: _Remembered | None) -> Analysis | None:
    """Validation's analysis, when the registry provably has not changed since (see registry_fingerprint);
    matching 400,000 rows again takes seconds of the write lock. Call inside apply's transaction."""
    if remembered is None or remembered.analysis is None or remembered.fingerprint is None:
        return None
    if registry_fingerprint() != remembered.fingerprint:
        return None
    return remembered.analysis


def _check_may_apply(job: ImportJob, actor: User, good_rows_only: bool) -> None:
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("只有上传该文件的人可以确认导入。"))
    require(actor, Perm.IMPORT_HOUSEHOLDS)
    if job.errors and not good_rows_only:
        raise ServiceError(
            _("文件中有 %(n)d 处问题。请修改后重新上传，或选择“只导入无误的户”。") % {"n": len(job.errors)}
        )


def _import_note(job: ImportJob, summary: dict[str, Any]) -> str:
    h, r = summary["households"], summary["residents"]
    return _(
        "Excel导入“%(file)s”：新增户%(hc)d、更新户%(hu)d、跳过户%(hs)d；新增成员%(rc)d、更新成员%(ru)d。"
    ) % {
        "file": job.file_name,
        "hc": h["create"],
        "hu": h["update"],
        "hs": h["skipped"],
        "rc": r["create"],
        "ru": r["update"],
    }


def _adapter(f: "models.Field[Any, Any]") -> Callable[[Any], Any] | None:
    """What the field's get_db_prep_save does to a value of the right type, for this backend."""
    ops = connection.ops
    if isinstance(f, models.DateTimeField):
        adapted: dict[datetime.datetime, Any] = {}

        def adapt_datetime(value: datetime.datetime) -> Any:
            # Every row of an import carries the same timestamp; convert it once.
            found = adapted.get(value)
            if found is None:
                found = adapted[value] = ops.adapt_datetimefield_value(value)
            return found

        return adapt_datetime
    if isinstance(f, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(f, models.DecimalField):
        digits, places = f.max_digits, f.decimal_places
        return lambda value: ops.adapt_decimalfield_value(value, digits, places)
    if isinstance(f, models.JSONField):
        encoder = f.encoder
        return lambda value: ops.adapt_json_value(value, encoder)
    return None


class _Insert:
    """INSERT of plain tuples for one model, bypassing the per-value compilation of bulk_create.

    bulk_create spends ~20 µs per row preparing values through the ORM: 10 s for an import's 700,000
    new rows. Here only dates, decimals and JSON are adapted, by the backend's own adapters; the values
    come from parsed cells already of the right type, so nothing else needs preparing.
    """

    def __init__(self, model: type[models.Model], attnames: Sequence[str]) -> None:
        ops = connection.ops
        by_attname: dict[str, models.Field[Any, Any]] = {f.attname: f for f in model._meta.concrete_fields}
        fields = [by_attname[a] for a in attnames]
        self.columns = len(attnames)
        self.adapters: list[tuple[int, Callable[[Any], Any]]] = []
        for index, f in enumerate(fields):
            adapter = _adapter(f)
            if adapter is not None:
                self.adapters.append((index, adapter))
        column_sql = ", ".join(ops.quote_name(str(f.column)) for f in fields)
        self.head = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({column_sql}) VALUES "
        self.row_sql = "(" + ", ".join(["%s"] * self.columns) + ")"

    def _adapt(self, rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
        out = []
        for row in rows:
            values = list(row)
            for index, adapt in self.adapters:
                if values[index] is not None:
                    values[index] = adapt(values[index])
            out.append(values)
        return out

    def many(self, rows: Sequence[Sequence[Any]], *, adapted: bool = False) -> None:
        """Insert `rows`; `adapted`: the caller already converted every value for the database."""
        if not rows:
            return
        with connection.cursor() as cursor:
            # One statement prepared once and stepped per row: far cheaper than multi-row VALUES.
            cursor.executemany(self.head + self.row_sql, rows if adapted else self._adapt(rows))


_H_INSERT = (
    "id",
    "code",
    "region_id",
    "region_path",
    "address",
    "head_id",
    "head_name",
    "housing",
    *LAND_KEYS,
    "notes",
    "status",
    "version",
    "created_at",
    "updated_at",
)
_R_INSERT = (
    "id",
    "household_id",
    "region_path",
    "name",
    "name_initials",
    "gender",
    "birth_date",
    "ethnicity",
    "id_number",
    "id_rev",
    "phone",
    "phone_rev",
    "relation",
    "living",
    "is_deceased",
    "notes",
    "created_at",
    "updated_at",
)
_M_INSERT = (
    "resident_id",
    "household_id",
    "relation",
    "started_on",
    "start_reason",
    "end_reason",
    "recorded_by_id",
)
_A_INSERT = (
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "region_path",
    "before",
    "after",
    "note",
)
_AUDIT_SKIP = {"created_at", "updated_at"}


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` rows about to be inserted, which nobody else can take before this
    transaction ends. Knowing them up front lets rows name each other (a resident its household, a
    household its head) without reading ids back; the foreign keys are checked at commit."""
    if not count:
        return []
    qn = connection.ops.quote_name
    table, pk = model._meta.db_table, str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            # Any write statement takes SQLite's database-wide write lock until commit (the project's
            # IMMEDIATE transactions hold it from BEGIN anyway), so the ids after the highest are ours.
            cursor.execute(f"DELETE FROM {qn(table)} WHERE {qn(pk)} < 0")
            cursor.execute(f"SELECT MAX({qn(pk)}) FROM {qn(table)}")
            top = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(top, row[0] if row else 0) + 1
            return list(range(start, start + count))
    raise NotImplementedError(f"imports support SQLite and PostgreSQL, not {connection.vendor}")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class _DbValues:
    """Values converted for the database as the ORM would, for rows written without it."""

    def __init__(self, now: datetime.datetime, today: datetime.date) -> None:
        ops = connection.ops
        self.now = ops.adapt_datetimefield_value(now)
        self.today = ops.adapt_datefield_value(today)
        self.date = ops.adapt_datefield_value
        decimal_field = Household._meta.get_field("land_farmland")
        assert isinstance(decimal_field, models.DecimalField)
        digits, places = decimal_field.max_digits, decimal_field.decimal_places
        self.decimal = lambda value: ops.adapt_decimalfield_value(value, digits, places)


class _Writer:
    """Writes the good units of an analysis, a chunk of households at a time."""

    def __init__(self, analysis: Analysis, *, actor: User, job: ImportJob) -> None:
        self.analysis = analysis
        self.actor = actor
        self.job = job
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.note = (_("Excel导入“%(file)s”（导入任务 %(id)d）") % {"file": job.file_name, "id": job.pk})[
            :500
        ]
        self.tag_names = dict(DifficultyTag.objects.values_list("pk", "name"))
        self.initials = Initials()
        self.db = _DbValues(self.now, self.today)
        self.counts = {
            "households": {"create": 0, "update": 0, "unchanged": 0, "skipped": 0},
            "residents": {"create": 0, "update": 0, "unchanged": 0, "skipped": 0},
        }
        self.households = _Insert(Household, _H_INSERT)
        self.residents = _Insert(Resident, _R_INSERT)
        self.memberships = _Insert(Membership, _M_INSERT)
        self.audit = _Insert(AuditEntry, _A_INSERT)
        self.household_tags = _Insert(Household.tags.through, ("household_id", "difficultytag_id"))
        self.resident_tags = _Insert(Resident.tags.through, ("resident_id", "difficultytag_id"))

    def write(self) -> dict[str, dict[str, int]]:
        good: list[Unit] = []
        for unit in self.analysis.units.values():
            if unit.bad:
                self.counts["households"]["skipped"] += 1
                self.counts["residents"]["skipped"] += len(unit.members)
            else:
                good.append(unit)
        self._assign_codes(good)
        for chunk in _chunks(good, _APPLY_CHUNK):
            self._create([u for u in chunk if u.target is None])
            self._update([u for u in chunk if u.target is not None])
        return self.counts

    def _assign_codes(self, units: list[Unit]) -> None:
        """Village code + serial for temporary codes, after the highest serial in the registry and the file."""
        pending: dict[str, list[Unit]] = defaultdict(list)
        for unit in units:
            if unit.target is None and not unit.new_code and unit.household and unit.household.region:
                pending[unit.household.region.code[:12]].append(unit)
        # Real-format codes anywhere in the file stay reserved, even those of households skipped now.
        file_codes = [u.code for u in self.analysis.units.values() if u.code.isdigit()]
        for village_code, village_units in pending.items():
            # Computed here rather than with services.next_household_code, whose string MAX stops
            # counting at 9999 (…9999 sorts after …10000).
            registered = Household.objects.filter(subtree_q(village_code, "code")).values_list(
                "code", flat=True
            )
            serial = max(
                (
                    int(code[12:])
                    for code in itertools.chain(registered, file_codes)
                    if _serial_of(code, village_code)
                ),
                default=0,
            )
            for unit in village_units:
                serial += 1
                unit.new_code = f"{village_code}{serial:04d}"

    # -- new households

    def _create(self, units: list[Unit]) -> None:
        """New households and their members, each table in one statement stepped per row."""
        if not units:
            return
        db = self.db
        now, today, registered = db.now, db.today, MoveReason.REGISTERED.value
        active, head_relation, create = HouseholdStatus.ACTIVE.value, Relation.HEAD.value, Action.CREATE.value
        decimal, new_resident, audit_row = db.decimal, self._new_resident, self._audit_row
        actor_id = self.actor.pk
        # On SQLite a household naming a head not yet inserted is an outstanding (deferred) foreign key
        # violation, and while any is outstanding SQLite searches every table referring to residents
        # for each resident inserted: households go in without their heads, set once the heads exist.
        later_heads = connection.vendor == "sqlite"
        heads: list[tuple[int, int]] = []
        household_ids = _reserve_ids(Household, len(units))
        resident_ids = iter(_reserve_ids(Resident, sum(len(u.members) for u in units)))
        households: list[tuple[Any, ...]] = []
        residents: list[tuple[Any, ...]] = []
        memberships: list[tuple[Any, ...]] = []
        person_tags: list[tuple[int, int]] = []
        household_tags: list[tuple[int, int]] = []
        audit: list[tuple[Any, ...]] = []
        for unit, household_id in zip(units, household_ids, strict=True):
            h = unit.household
            assert h is not None and h.region is not None
            path = h.region.path
            head_id, head_name = None, ""
            created = []
            for m in unit.members:
                rid = next(resident_ids)
                residents.append(new_resident(m, rid, household_id, path))
                memberships.append((rid, household_id, m.relation, today, registered, "", actor_id))
                if m.tags:
                    person_tags.extend((rid, t) for t in m.tags)
                created.append({"id": rid, "name": m.name})
                if m.relation == head_relation:
                    head_id, head_name = rid, m.name
            farmland, forest, garden, homestead = h.land
            households.append(
                (
                    household_id,
                    unit.new_code,
                    h.region.pk,
                    path,
                    h.address,
                    None if later_heads else head_id,
                    head_name,
                    h.housing,
                    decimal(farmland),
                    decimal(forest),
                    decimal(garden),
                    decimal(homestead),
                    h.notes,
                    active,
                    1,
                    now,
                    now,
                )
            )
            if later_heads and head_id is not None:
                heads.append((head_id, household_id))
            if h.tags:
                household_tags.extend((household_id, t) for t in h.tags)
            after = {
                "id": household_id,
                "code": unit.new_code,
                "region_id": h.region.pk,
                "region_path": path,
                "address": h.address,
                "head_id": head_id,
                "head_name": head_name,
                "housing": h.housing,
                **{k: str(v) for k, v in zip(LAND_KEYS, h.land, strict=True)},
                "notes": h.notes,
                "status": active,
                "split_from_id": None,
                "version": 1,
                "tags": self._names(h.tags) if h.tags else [],
                "members": {"created": created, "updated": []},
            }
            audit.append(
                audit_row(create, household_id, f"{head_name or '—'}户 ({unit.new_code})", path, None, after)
            )
        self.counts["households"]["create"] += len(units)
        self.counts["residents"]["create"] += len(residents)
        self.households.many(households, adapted=True)
        self.residents.many(residents, adapted=True)
        if heads:
            qn = connection.ops.quote_name
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {qn(Household._meta.db_table)} SET {qn('head_id')} = %s WHERE {qn('id')} = %s",
                    heads,
                )
        self.memberships.many(memberships, adapted=True)
        self.resident_tags.many(person_tags, adapted=True)
        self.household_tags.many(household_tags, adapted=True)
        self.audit.many(audit)

    def _new_resident(self, m: MemberRow, resident_id: int, household_id: int, path: str) -> tuple[Any, ...]:
        """A resident row ready for the database. The derived columns are exactly what
        services.index_resident fills in (test_imports checks it)."""
        db = self.db
        phone = m.phone
        id_number = m.id_number or None
        return (
            resident_id,
            household_id,
            path,
            m.name,
            self.initials(m.name),
            m.gender,
            db.date(m.birth_date) if m.birth_date is not None else None,
            m.ethnicity or "汉族",
            id_number,
            (id_number or "")[::-1],
            phone,
            phone[::-1],
            m.relation,
            m.living,
            False,
            m.notes,
            db.now,
            db.now,
        )

    # -- registered households

    def _update(self, units: list[Unit]) -> None:
        """Registered households: change what differs, add new members, keep everything else."""
        if not units:
            return
        now = self.now
        new_members: list[tuple[Unit, MemberRow, str]] = []
        changed_residents: list[Resident] = []
        resident_fields: set[str] = set()
        retag_residents: list[tuple[int, frozenset[int]]] = []
        logs: dict[int, dict[str, list[dict[str, Any]]]] = {}
        for unit in units:
            db = unit.target
            assert db is not None
            path = unit.household.region.path if unit.household and unit.household.region else db.path
            log: dict[str, list[dict[str, Any]]] = {"created": [], "updated": []}
            logs[db.pk] = log
            for member, registered, changes in zip(unit.members, unit.residents, unit.changes, strict=True):
                if registered is None:
                    new_members.append((unit, member, path))
                    continue
                if not changes:
                    self.counts["residents"]["unchanged"] += 1
                    continue
                resident = Resident(**registered.as_dict())
                for key, value in resident_values(member, registered).items():
                    setattr(resident, key, value)
                resident.household = Household(id=db.pk, region_path=path)
                index_resident(resident)
                resident.updated_at = now
                changed_residents.append(resident)
                resident_fields.update(k for k in changes if k != "tags")
                if "tags" in changes:
                    retag_residents.append((resident.pk, member.tags))
                log["updated"].append(
                    {
                        "id": resident.pk,
                        "name": resident.name,
                        "before": {k: self._json(v[0]) for k, v in changes.items()},
                        "after": {k: self._json(v[1]) for k, v in changes.items()},
                    }
                )
                self.counts["residents"]["update"] += 1

        new_ids = _reserve_ids(Resident, len(new_members))
        new_resident: dict[int, int] = {}  # id(member row) → new resident id
        new_rows: list[tuple[Any, ...]] = []
        memberships: list[tuple[Any, ...]] = []
        person_tags: list[tuple[int, int]] = []
        for (unit, member, path), rid in zip(new_members, new_ids, strict=True):
            assert unit.target is not None
            new_resident[id(member)] = rid
            new_rows.append(self._new_resident(member, rid, unit.target.pk, path))
            memberships.append(
                (
                    rid,
                    unit.target.pk,
                    member.relation,
                    self.db.today,
                    MoveReason.REGISTERED.value,
                    "",
                    self.actor.pk,
                )
            )
            person_tags.extend((rid, t) for t in member.tags)
            logs[unit.target.pk]["created"].append({"id": rid, "name": member.name})
            self.counts["residents"]["create"] += 1
        self.residents.many(new_rows, adapted=True)
        self.memberships.many(memberships, adapted=True)
        if changed_residents:
            fields = sorted(
                resident_fields | {"name_initials", "id_rev", "phone_rev", "region_path", "updated_at"}
            )
            Resident.objects.bulk_update(changed_residents, fields, batch_size=500)
        through = Resident.tags.through
        for chunk in _chunks([pk for pk, _t in retag_residents]):
            through.objects.filter(resident_id__in=chunk).delete()
        person_tags.extend((pk, t) for pk, tags in retag_residents for t in tags)
        self.resident_tags.many(person_tags, adapted=True)

        changed: list[Household] = []
        moved: dict[str, list[int]] = defaultdict(list)
        retag_households: list[tuple[int, frozenset[int]]] = []
        old_heads: list[int] = []
        audit = []
        for unit in units:
            db = unit.target
            assert db is not None
            log = logs[db.pk]
            changes = household_changes(unit, db)
            head, head_changed = final_head(unit, self.analysis.residents)
            if not (changes or head_changed or log["created"] or log["updated"]):
                self.counts["households"]["unchanged"] += 1
                continue
            household = Household(**db.as_dict())
            before = snapshot(household, {"tags": self._names(db.tags)})
            if changes and unit.household is not None and unit.household.region is not None:
                row = unit.household
                ref = unit.household.region
                if household.region_id != ref.pk:
                    moved[ref.path].append(household.pk)
                household.region_id, household.region_path = ref.pk, ref.path
                household.address, household.housing, household.notes = row.address, row.housing, row.notes
                for key, value in zip(LAND_KEYS, row.land, strict=True):
                    setattr(household, key, value)
                if "tags" in changes:
                    retag_households.append((household.pk, row.tags))
            if head_changed and isinstance(head, int):
                member = unit.members[head]
                registered = unit.residents[head]
                head_id = registered.pk if registered is not None else new_resident[id(member)]
                if household.head_id and household.head_id != head_id:
                    old_heads.append(household.head_id)
                household.head_id, household.head_name = head_id, member.name
            if changes or head_changed:
                household.version += 1
                household.updated_at = now
                changed.append(household)
            tags = changes["tags"][1] if "tags" in changes else db.tags
            after = snapshot(household, {"tags": self._names(tags), "members": log})
            audit.append(
                self._audit_row(
                    Action.UPDATE, household.pk, str(household), household.region_path, before, after
                )
            )
            self.counts["households"]["update"] += 1
        for path, pks in moved.items():
            for chunk in _chunks(pks):
                Resident.objects.filter(household_id__in=chunk).update(region_path=path, updated_at=now)
        if changed:
            Household.objects.bulk_update(
                changed,
                [
                    "region",
                    "region_path",
                    "address",
                    "housing",
                    "notes",
                    *LAND_KEYS,
                    "head",
                    "head_name",
                    "version",
                    "updated_at",
                ],
                batch_size=500,
            )
        if old_heads:
            # As household_change_head does: the previous head (dead, or relabelled in the file) is head no more.
            Resident.objects.filter(pk__in=old_heads, relation=Relation.HEAD).update(
                relation=Relation.OTHER, updated_at=now
            )
        h_through = Household.tags.through
        for chunk in _chunks([pk for pk, _t in retag_households]):
            h_through.objects.filter(household_id__in=chunk).delete()
        self.household_tags.many([(pk, t) for pk, tags in retag_households for t in tags], adapted=True)
        self.audit.many(audit)

    # -- helpers

    def _names(self, tags: Iterable[int]) -> list[str]:
        return sorted(self.tag_names[t] for t in tags)

    def _json(self, value: Any) -> Any:
        if isinstance(value, frozenset | set):
            return self._names(value)
        return _plain(value)

    def _audit_row(
        self,
        action: str,
        object_id: int,
        label: str,
        region_path: str,
        before: dict[str, Any] | None,
        after: dict[str, Any],
    ) -> tuple[Any, ...]:
        return (
            self.now,
            self.actor.pk,
            self.actor.username,
            action,
            Household._meta.label_lower,
            str(object_id),
            label[:200],
            region_path,
            before,
            after,
            self.note,
        )


def _serial_of(code: str, village_code: str) -> bool:
    return code.startswith(village_code) and len(code) > 12 and code[12:].isdigit()


# --------------------------------------------------------------------------------------------------
# Services a view calls


def import_start(*, actor: User, file_name: str, content: bytes) -> ImportJob:
    """Store an uploaded workbook as a job and queue its validation."""
    from .tasks import validate_import

    require(actor, Perm.IMPORT_HOUSEHOLDS)
    if not content:
        raise ServiceError(_("上传的文件是空的。"))
    limit = settings.MINQING_IMPORT_MAX_BYTES
    if len(content) > limit:
        raise ServiceError(
            _("文件过大（%(size).1f MB），一次最多导入 %(limit).0f MB；请分成几个文件导入。")
            % {"size": len(content) / 1024 / 1024, "limit": limit / 1024 / 1024}
        )
    job = ImportJob.objects.create(
        created_by=actor,
        region_path=regions_with(actor, Perm.IMPORT_HOUSEHOLDS)[0],
        file_name=(file_name or "import.xlsx")[:255],
        content=content,
        status=ImportStatus.PENDING,
    )
    validate_import.enqueue(job.pk)
    job.refresh_from_db()
    return job


def import_confirm(*, actor: User, job: ImportJob, good_rows_only: bool) -> ImportJob:
    """The user accepts what validation found: queue the write."""
    from .tasks import apply_import

    job.refresh_from_db()
    if job.status != ImportStatus.VALIDATED:
        raise ServiceError(_("该导入任务不是“已校验，待确认”状态，不能导入。"))
    _check_may_apply(job, actor, good_rows_only)
    households = (job.summary or {}).get("households", {})
    if job.errors and not any(households.get(k) for k in ("create", "update", "unchanged")):
        raise ServiceError(_("没有可以导入的户：每一户都有问题。"))
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATED).update(
        status=ImportStatus.APPLYING,
        apply_good_rows=good_rows_only,
        error_message="",
        updated_at=timezone.now(),
    )
    if not claimed:
        raise ServiceError(_("该导入任务已在处理。"))
    apply_import.enqueue(job.pk, actor.pk, good_rows_only)
    job.refresh_from_db()
    return job


def import_cancel(*, actor: User, job: ImportJob) -> ImportJob:
    """Abandon a job that has not been applied; the stored file is dropped."""
    job.refresh_from_db()
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("只有上传该文件的人可以取消导入。"))
    now = timezone.now()
    cancelled = ImportJob.objects.filter(
        pk=job.pk,
        status__in=[
            ImportStatus.PENDING,
            ImportStatus.VALIDATING,
            ImportStatus.VALIDATED,
            ImportStatus.FAILED,
        ],
    ).update(status=ImportStatus.CANCELLED, content=b"", finished_at=now, updated_at=now)
    if not cancelled:
        raise ServiceError(_("该导入任务正在导入或已完成，不能取消。"))
    job.refresh_from_db()
    return job


def households_export(*, actor: User, qs: QuerySet[Household]) -> bytes:
    """The households of `qs` that the actor may export, in the import layout, with full ID numbers and
    phones; the export is audited with the numbers of households and people in the file."""
    require(actor, Perm.EXPORT_HOUSEHOLDS)
    content, households, residents = excel.export_workbook(scope(qs, actor, Perm.EXPORT_HOUSEHOLDS))
    paths = regions_with(actor, Perm.EXPORT_HOUSEHOLDS)
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        object_type=Household._meta.label_lower,
        object_repr=_("民情档案导出"),
        region_path=paths[0] if len(paths) == 1 else "",
        note=_("导出户 %(h)d 户、成员 %(r)d 人（含完整身份证号和电话）。")
        % {"h": households, "r": residents},
    )
    return content
