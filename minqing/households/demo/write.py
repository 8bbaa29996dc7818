"""Planned households written in bulk, one village at a time; feuds and other ties between them."""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from random import Random
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from minqing.accounts.models import User
from minqing.households.models import (
    DifficultyTag,
    FeudStatus,
    Household,
    HouseholdRelation,
    Membership,
    MoveReason,
    Relation,
    RelationKind,
    Resident,
    Severity,
)
from minqing.households.services import index_resident
from minqing.regions.models import Region

# ---------------------------------------------------------------------------------------------------
# Writing.
from .names import _FEUD_NOTES, _KIN_SUBJECTS, _NEIGHBOUR_SUBJECTS, FEUD_SUBJECTS
from .plan import HouseholdPlan, PersonPlan, _Placed


@dataclass
class _TableSpec:
    sql: str
    attnames: list[str]
    values_of: Callable[[Any], tuple[Any, ...]]
    defaults: list[Any]
    adapters: list[tuple[int, Callable[[Any], Any]]]  # fields whose values the backend needs converted
    stamps: list[int]  # auto_now / auto_now_add fields


class _Writer:
    """Inserts rows with executemany and ids assigned up front.

    bulk_create compiles every value of every row through the ORM, which dominates a 900,000-person
    load. Assigning ids ourselves also lets a household name its head before the head's row exists
    (Django's foreign keys are deferred to commit). This assumes nobody else inserts into these tables
    during the load, which holds for a demo or benchmark database.
    """

    def __init__(self) -> None:
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.next_pk: dict[type[models.Model], int] = {}
        self.specs: dict[type[models.Model], _TableSpec] = {}

    def _take_pks(self, model: type[models.Model], count: int) -> int:
        start = self.next_pk.get(model)
        if start is None:
            start = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_pk[model] = start + count
        return start

    def assign_pks(self, objs: Sequence[models.Model]) -> None:
        if objs:
            start = self._take_pks(type(objs[0]), len(objs))
            for offset, obj in enumerate(objs):
                obj.pk = start + offset

    def _spec(self, model: type[models.Model]) -> _TableSpec:
        spec = self.specs.get(model)
        if spec is None:
            ops, fields = connection.ops, list(model._meta.concrete_fields)
            adapters: list[tuple[int, Callable[[Any], Any]]] = []
            stamps: list[int] = []
            for i, f in enumerate(fields):
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    stamps.append(i)
                elif isinstance(f, models.DateTimeField):
                    adapters.append((i, ops.adapt_datetimefield_value))
                elif isinstance(f, models.DateField):
                    adapters.append((i, ops.adapt_datefield_value))
                elif isinstance(f, models.DecimalField):
                    adapters.append((i, _decimal_adapter(f.max_digits, f.decimal_places)))
            spec = _TableSpec(
                sql="INSERT INTO {} ({}) VALUES ({})".format(
                    ops.quote_name(model._meta.db_table),
                    ", ".join(ops.quote_name(f.column or f.attname) for f in fields),
                    ", ".join(["%s"] * len(fields)),
                ),
                attnames=[f.attname for f in fields],
                values_of=attrgetter(*(f.attname for f in fields)),
                defaults=[None if f.primary_key else f.get_default() for f in fields],
                adapters=adapters,
                stamps=stamps,
            )
            self.specs[model] = spec
        return spec

    def _execute(self, spec: _TableSpec, rows: list[list[Any]]) -> None:
        for row in rows:
            for i, adapt in spec.adapters:
                if row[i] is not None:
                    row[i] = adapt(row[i])
            for i in spec.stamps:
                row[i] = self.now
        with connection.cursor() as cursor:
            cursor.executemany(spec.sql, rows)

    def insert(self, objs: Sequence[models.Model]) -> None:
        """Insert model instances whose ids were set by assign_pks()."""
        if objs:
            spec = self._spec(type(objs[0]))
            self._execute(spec, [list(spec.values_of(obj)) for obj in objs])

    def insert_values(self, model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows given as {attname: value}; other fields take their defaults, ids are assigned.

        For the largest tables (memberships, tag links) this skips building a model instance per row.
        """
        if not rows:
            return
        spec = self._spec(model)
        start = self._take_pks(model, len(rows))
        pk_index = spec.attnames.index(model._meta.pk.attname)
        out: list[list[Any]] = []
        for n, values in enumerate(rows):
            row = [
                values.get(name, default) for name, default in zip(spec.attnames, spec.defaults, strict=True)
            ]
            row[pk_index] = start + n
            out.append(row)
        self._execute(spec, out)

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids we assigned (SQLite keeps track by itself)."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.next_pk))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _decimal_adapter(digits: int | None, places: int | None) -> Callable[[Any], Any]:
    def adapt(value: Any) -> Any:
        return connection.ops.adapt_decimalfield_value(value, digits, places)

    return adapt


def _write_village(
    writer: _Writer, plans: list[HouseholdPlan], tags: dict[str, DifficultyTag], on: datetime.date
) -> list[int]:
    """Insert one village's households, members, memberships and tags; return the household ids."""
    households = [
        Household(
            code=plan.code,
            region=plan.group,
            region_path=plan.group.path,
            address=plan.address,
            head_name=plan.members[0].name,
            housing=plan.housing,
            land_farmland=plan.land_farmland,
            land_forest=plan.land_forest,
            land_garden=plan.land_garden,
            land_homestead=plan.land_homestead,
        )
        for plan in plans
    ]
    writer.assign_pks(households)
    residents: list[Resident] = []
    members: list[PersonPlan] = []
    homes: list[Household] = []
    for household, plan in zip(households, plans, strict=True):
        for m in plan.members:
            resident = Resident(
                household=household,
                name=m.name,
                gender=m.gender,
                birth_date=m.birth_date,
                ethnicity=m.ethnicity,
                id_number=m.id_number,
                phone=m.phone,
                relation=m.relation,
                living=m.living,
            )
            index_resident(resident)
            residents.append(resident)
            members.append(m)
            homes.append(household)
    writer.assign_pks(residents)
    head_of = {r.household_id: r.pk for r in residents if r.relation == Relation.HEAD}
    for household in households:
        household.head_id = head_of[household.pk]
    writer.insert(households)
    writer.insert(residents)
    writer.insert_values(
        Membership,
        [
            {
                "resident_id": r.pk,
                "household_id": home.pk,
                "relation": r.relation,
                "started_on": on,
                "start_reason": MoveReason.REGISTERED,
            }
            for r, home in zip(residents, homes, strict=True)
        ],
    )
    writer.insert_values(
        Household.tags.through,
        [
            {"household_id": h.pk, "difficultytag_id": tags[name].pk}
            for h, plan in zip(households, plans, strict=True)
            for name in plan.tags
            if name in tags
        ],
    )
    writer.insert_values(
        Resident.tags.through,
        [
            {"resident_id": r.pk, "difficultytag_id": tags[name].pk}
            for r, m in zip(residents, members, strict=True)
            for name in m.tags
            if name in tags
        ],
    )
    return [h.pk for h in households]


def _relations(
    rng: Random,
    placed: list[_Placed],
    villages: Sequence[Region],
    *,
    feuds: int,
    as_of: datetime.date,
    recorded_by: User | None,
) -> tuple[int, int]:
    """过结 between households of the same or a neighbouring village; some 亲属 and 邻里 ties."""
    if len(placed) < 2:
        return 0, 0
    by_village: dict[int, list[int]] = {}
    by_surname: dict[tuple[int, str], list[int]] = {}
    for i, h in enumerate(placed):
        by_village.setdefault(h.village, []).append(i)
        by_surname.setdefault((h.village, h.surname), []).append(i)
    township = [v.code[:9] for v in villages]

    def neighbour_village(v: int) -> int:
        options = [
            w
            for w in (v - 1, v + 1)
            if 0 <= w < len(villages) and township[w] == township[v] and w in by_village
        ]
        return rng.choice(options) if options else v

    def partner(a: int, *, same_surname: bool = False, nearby: bool = False) -> int | None:
        h = placed[a]
        if same_surname:
            pool = by_surname[(h.village, h.surname)]
        elif nearby:
            pool = by_village[neighbour_village(h.village)]
        else:
            pool = by_village[h.village]
        for _try in range(5):
            b = rng.choice(pool)
            if b != a:
                return b
        return None

    rows: list[HouseholdRelation] = []
    seen: set[tuple[str, int, int]] = set()

    def add(kind: str, a: int, b: int | None, **fields: Any) -> bool:
        if b is None:
            return False
        key = (kind, min(a, b), max(a, b))
        if key in seen:
            return False
        seen.add(key)
        rows.append(
            HouseholdRelation(
                kind=kind,
                household_a_id=placed[a].pk,
                household_b_id=placed[b].pk,
                recorded_by=recorded_by,
                **fields,
            )
        )
        return True

    made = 0
    for _try in range(feuds * 5):
        if made >= feuds:
            break
        a = rng.randrange(len(placed))
        subject, details = FEUD_SUBJECTS[rng.randrange(len(FEUD_SUBJECTS))]
        # 赡养老人 is a quarrel between brothers' households; the rest can cross a village boundary.
        same_family = subject == "赡养老人"
        b = partner(a, same_surname=same_family, nearby=not same_family and rng.random() < 0.25)
        years_ago = rng.triangular(0.05, 15, 1)
        since = as_of - datetime.timedelta(days=max(7, round(years_ago * 365)))
        severity = rng.choices((Severity.MILD, Severity.SERIOUS, Severity.GRAVE), weights=(50, 35, 15))[0]
        resolved_bias = min(0.6, years_ago / 15) - 0.1 * (severity - 1)
        status = rng.choices(
            (FeudStatus.ACTIVE, FeudStatus.EASED, FeudStatus.RESOLVED),
            weights=(45 - 30 * resolved_bias, 30, 25 + 40 * resolved_bias),
        )[0]
        n = rng.randint(2, 5)
        note = rng.choice(_FEUD_NOTES[status]).format(n=n)
        made += add(
            RelationKind.FEUD,
            a,
            b,
            subject=f"{subject}：{rng.choice(details).format(n=n)}",
            since=since,
            severity=severity,
            status=status,
            notes=note,
        )
    others = 0
    for _i in range(round(len(placed) / 60)):
        a = rng.randrange(len(placed))
        others += add(RelationKind.KIN, a, partner(a, same_surname=True), subject=rng.choice(_KIN_SUBJECTS))
    by_group: dict[tuple[int, int, int], int] = {
        (h.village, h.group, h.house_no): i for i, h in enumerate(placed)
    }
    for _i in range(round(len(placed) / 100)):
        a = rng.randrange(len(placed))
        h = placed[a]
        b = by_group.get((h.village, h.group, h.house_no + 1))
        others += add(RelationKind.NEIGHBOUR, a, b, subject=rng.choice(_NEIGHBOUR_SUBJECTS))
    HouseholdRelation.objects.bulk_create(rows, batch_size=2000)
    return made, others
