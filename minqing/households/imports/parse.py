"""The workbook read into typed rows, with the problems found in the cells themselves."""

import contextlib
import datetime
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.printing import xlsx
from minqing.printing.xlsx import WorkbookError
from minqing.regions.models import Level, Region, subtree_q

from .. import excel
from ..excel import HOUSEHOLD_SHEET, MEMBER_SHEET
from ..identity import id_gender
from ..models import (
    DifficultyTag,
    Gender,
    Housing,
    Living,
    Relation,
    TagScope,
)
from .cells import _IN_CHUNK, fast_phone, id_with_birth_date

PROGRESS_EVERY = 2000
_SHEET_ORDER = {HOUSEHOLD_SHEET: 0, MEMBER_SHEET: 1}
_ZERO = Decimal("0.00")

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


@dataclass
class Parsed:
    """The rows of a workbook as typed values, with the problems found in the cells themselves."""

    households: list[HouseholdRow]
    members: list[MemberRow]
    problems: list[dict[str, Any]]
    bad_rows: dict[str, set[int]]
    rows_total: int


Progress = Callable[[int, int], None]


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
    return _("面积应为数字（单位：亩），现为“%(value)s”。") % {"value": xlsx.cell_text(raw)}


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
        self.housing = xlsx.enum_lookup(Housing)
        self.relation = xlsx.enum_lookup(Relation)
        self.living = xlsx.enum_lookup(Living)
        self.gender = xlsx.enum_lookup(Gender)
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
            code = xlsx.code_text(raw)
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
        value = raw.strip() if type(raw) is str else xlsx.cell_text(raw)
        if len(value) > max_length:
            self.problems.add(sheet, row, key, _("内容过长（最多%(n)d个字）。") % {"n": max_length})
        return value

    def choice(self, sheet: str, row: int, key: str, raw: Any, lookup: dict[str, str], default: str) -> str:
        found = lookup.get(raw) if type(raw) is str else None
        if found is not None:
            return found
        value = xlsx.cell_text(raw)
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
        text = xlsx.cell_text(raw)
        cached = self._tag_cache.get((text, scope))
        if cached is None:
            cached = self._tag_cache[(text, scope)] = self._tags(text, scope)
        if cached[1]:
            self.problems.add(sheet, row, "tags", cached[1])
        return cached[0]

    def _tags(self, text: str, scope: str) -> tuple[frozenset[int], str]:
        pks: set[int] = set()
        messages: list[str] = []
        for name in xlsx.split_tags(text):
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
            found = xlsx.cell_decimal(raw)
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
                village = xlsx.code_text(village_raw)
            except ValueError:
                village = xlsx.cell_text(village_raw)
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
                notes.strip() if type(notes) is str else xlsx.cell_text(notes),
            )
            rows.append(household)
            places.append((household, village, xlsx.cell_text(group_raw)))
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
                if not relation and not xlsx.cell_text(relation_raw):
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
                    birth_date = xlsx.cell_date(born_raw)
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
                    notes.strip() if type(notes) is str else xlsx.cell_text(notes),
                )
            )
        self.tick(count % PROGRESS_EVERY)
        return rows


def parse(content: bytes, paths: list[str], *, progress: Progress | None = None) -> Parsed:
    """Read the workbook and check every cell. Raise WorkbookError when it is not a household workbook."""
    workbook = xlsx.open_workbook(content)
    last_rows = xlsx.sheet_last_rows(content)
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
