"""The file's rows against the registry: what each household and person would become."""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.db import connection, models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from minqing.printing.xlsx import WorkbookError
from minqing.regions.scoping import Perm, regions_with

from ..excel import HOUSEHOLD_SHEET, LAND_KEYS, MEMBER_SHEET
from ..identity import id_birth_date, id_gender
from ..models import (
    Household,
    HouseholdStatus,
    Relation,
    Resident,
)
from .cells import _IN_CHUNK
from .parse import HouseholdRow, MemberRow, Parsed, Progress, _Problems, parse

_CENT = Decimal("0.01")


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
class Analysis:
    units: dict[str, Unit]
    errors: list[dict[str, Any]]
    rows_total: int
    residents: dict[int, DbResident]  # registered people the file touches, by pk
    summary: dict[str, Any]


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
