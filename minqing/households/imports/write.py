"""Writing an applied import in bulk: ids reserved up front, rows inserted with executemany, audited."""

import datetime
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action, AuditEntry
from minqing.audit.services import snapshot
from minqing.regions.models import subtree_q

from ..excel import LAND_KEYS
from ..models import (
    DifficultyTag,
    Household,
    HouseholdStatus,
    ImportJob,
    Membership,
    MoveReason,
    Relation,
    Resident,
)
from ..services import index_resident
from .cells import Initials
from .match import Analysis, Unit, _chunks, final_head, household_changes, resident_values
from .parse import MemberRow

# Households written per round: bounds the rows held at once.
_APPLY_CHUNK = 5000


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
    "version",
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
            1,
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
                # An edit form opened before the import must not write the old values back over it.
                resident.version = F("version") + 1
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
                resident_fields
                | {"name_initials", "id_rev", "phone_rev", "region_path", "updated_at", "version"}
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
