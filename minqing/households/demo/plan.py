"""Households planned as plain data from a seeded random: members, ID numbers, phones, land, tags."""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.core.errors import ServiceError
from minqing.households.models import (
    DifficultyTag,
    Gender,
    Housing,
    Living,
    Relation,
)
from minqing.regions.models import Region

from .names import (
    _GENERATION_CHARS,
    _GENERATION_SECOND,
    _GIVEN,
    _GIVEN_CHARS,
    _HOUSING,
    _HUI_SURNAME,
    _PHONE_PREFIXES,
    _SURNAME,
    _UNSAFE,
    SURNAMES,
    _Choice,
    _era,
)

DEFAULT_SEED = 2026
DEMO_COUNTY = "410225"  # 兰考县
AREA_CODE = DEMO_COUNTY  # birthplace code in the generated ID numbers
MAX_PER_VILLAGE = 9999  # household codes carry a four-digit serial

# ---------------------------------------------------------------------------------------------------
# Plans: what will be written, as plain data.


@dataclass(slots=True)
class PersonPlan:
    relation: str
    gender: str
    birth_date: datetime.date
    gen: int  # generation in the household: 0 head's parents, 1 head, 2 children, 3 grandchildren
    surname: str
    ethnicity: str = "汉族"
    name: str = ""
    living: str = Living.HOME
    id_number: str = ""
    phone: str = ""
    tags: list[str] = field(default_factory=list)
    is_parent: bool = False  # a parent of children registered in the same household


@dataclass(slots=True)
class HouseholdPlan:
    code: str
    group: Region
    group_no: int
    house_no: int
    address: str
    housing: str
    land_farmland: Decimal
    land_forest: Decimal
    land_garden: Decimal
    land_homestead: Decimal
    members: list[PersonPlan]
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Placed:
    """What relations need to know about a written household, kept for the whole run."""

    pk: int
    village: int
    group: int
    house_no: int
    surname: str


@dataclass
class DemoResult:
    villages: int = 0
    groups: int = 0
    households: int = 0
    residents: int = 0
    feuds: int = 0
    relations: int = 0
    seconds: float = 0.0
    staff: list[User] = field(default_factory=list)


class _People:
    """Draws people for one run, keeping ID numbers and phones unique across the whole run."""

    def __init__(self, rng: Random, as_of: datetime.date, used_ids: set[str], used_phones: set[str]) -> None:
        self.rng = rng
        self.as_of = as_of
        self.used_ids = used_ids
        self.used_phones = used_phones

    def birth(self, age: float) -> datetime.date:
        """A birth date `age` years (fractional) before the reference date, never after it."""
        return self.as_of - datetime.timedelta(days=max(0, round(age * 365.2425)))

    def age(self, born: datetime.date) -> int:
        return self.as_of.year - born.year - ((self.as_of.month, self.as_of.day) < (born.month, born.day))

    def given_name(self, gender: str, born: datetime.date) -> str:
        key = (gender, _era(born.year))
        if self.rng.random() < 0.5:
            return self.rng.choice(_GIVEN[key])
        first, second = _GIVEN_CHARS[key]
        return self.rng.choice(first) + self.rng.choice(second)

    def id_number(self, born: datetime.date, gender: str) -> str:
        """A GB 11643 number: area, birth date, a sequence whose parity is the gender, checksum."""
        stem = f"{AREA_CODE}{born:%Y%m%d}"
        stem_sum = _weighted_sum(stem)
        parity = 1 if gender == Gender.MALE else 0
        for attempt in range(600):
            seq = (self.rng.randrange(500) if attempt < 20 else attempt - 20) * 2 + parity
            if seq > 999:
                break
            body = f"{stem}{seq:03d}"
            number = body + _CHECK[(stem_sum + _weighted_sum(body[14:], 14)) % 11]
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number
        raise ServiceError(_("同一出生日期的人数过多，无法生成不重复的身份证号。"))

    def phone(self) -> str:
        while True:
            number = self.rng.choice(_PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


_CHECK = "10X98765432"


def _weighted_sum(digits: str, start: int = 0) -> int:
    """GB 11643 weighted digit sum of `digits` placed at position `start` of the 17-digit body."""
    return sum(int(d) * w for d, w in zip(digits, _ID_WEIGHTS[start:], strict=False))


# Household shapes and how common they are; the mix gives about three people per household.
_KINDS: tuple[tuple[str, float], ...] = (
    ("elder_single", 9),
    ("adult_single", 6),
    ("elder_couple", 15),
    ("couple", 9),
    ("nuclear", 33),
    ("three_gen", 18),
    ("single_parent", 6),
    ("parent_child", 4),
)
_KIND = _Choice(_KINDS)


class _VillagePlanner:
    """Plans the households of one village: its dominant surnames, families, land, tags."""

    def __init__(self, people: _People, village: Region, tags: dict[str, DifficultyTag]) -> None:
        self.p = people
        self.rng = people.rng
        self.tags = tags
        self.surnames = _Choice(self._village_surnames(village.name))

    def _village_surnames(self, village_name: str) -> list[tuple[str, float]]:
        """A village is dominated by two or three lineages; 张庄 is mostly 张, 韩李村 mostly 韩 and 李."""
        known = {s for s, _w in SURNAMES}
        dominant = [c for c in village_name.removesuffix("村") if c in known][:2]
        while len(dominant) < self.rng.choice((2, 2, 3)):
            pick = _SURNAME.pick(self.rng)
            if pick not in dominant:
                dominant.append(pick)
        shares = (38.0, 16.0, 9.0)
        table = [(s, shares[i] * 100 / 37) for i, s in enumerate(dominant)]  # 37: the rest, national mix
        return table + [(s, w) for s, w in SURNAMES if s not in dominant]

    def surname(self) -> str:
        return self.surnames.pick(self.rng)

    def outsider_surname(self) -> str:
        """Wives mostly marry in from other villages, so their surnames follow the wider mix."""
        return self.surname() if self.rng.random() < 0.3 else _SURNAME.pick(self.rng)

    # -- family shapes ----------------------------------------------------------------------------

    def _person(self, relation: str, gender: str, age: float, gen: int, surname: str) -> PersonPlan:
        return PersonPlan(relation, gender, self.p.birth(age), gen, surname)

    def _wife_age(self, husband_age: float) -> float:
        # Legal marriage age is 20 for women, 22 for men.
        return self._at_least(husband_age - self.rng.triangular(-3, 8, 2), 20)

    def _at_least(self, age: float, floor: float) -> float:
        """Raise an age to a legal minimum without piling everyone onto the same birthday."""
        return age if age >= floor else floor + self.rng.uniform(0, 3)

    def _children(
        self,
        parents: Sequence[PersonPlan],
        mother_age: float,
        count: int,
        relation_of: Callable[[str], str],
        surname: str,
    ) -> list[PersonPlan]:
        """Children born when the mother was 20–40, a few years apart, none in the future."""
        gen = parents[0].gen + 1
        out: list[PersonPlan] = []
        at_birth = self.rng.uniform(20, 27)
        for _i in range(count):
            if at_birth > min(40.0, mother_age):
                break
            gender = Gender.MALE if self.rng.random() < 0.52 else Gender.FEMALE
            out.append(self._person(relation_of(gender), gender, mother_age - at_birth, gen, surname))
            at_birth += self.rng.uniform(1.5, 6)
        for parent in parents if out else ():
            parent.is_parent = True
        return out

    def _head_parent(self, head_age: float, surname: str) -> PersonPlan | None:
        age = head_age + self.rng.uniform(22, 34)
        if age > 96:
            return None
        if self.rng.random() < 0.35:
            return self._person(Relation.PARENT, Gender.MALE, age, 0, surname)
        return self._person(Relation.PARENT, Gender.FEMALE, age, 0, self.outsider_surname())

    def family(self) -> list[PersonPlan]:
        rng = self.rng
        kind = _KIND.pick(rng)
        s = self.surname()
        M, F = Gender.MALE, Gender.FEMALE

        def son_or_daughter(g: str) -> str:
            return Relation.SON if g == M else Relation.DAUGHTER

        members: list[PersonPlan] = []
        if kind == "elder_single":
            members.append(
                self._person(Relation.HEAD, F if rng.random() < 0.55 else M, rng.uniform(65, 93), 1, s)
            )
        elif kind == "adult_single":
            members.append(
                self._person(Relation.HEAD, M if rng.random() < 0.85 else F, rng.uniform(26, 64), 1, s)
            )
        elif kind in ("elder_couple", "couple"):
            age = rng.uniform(60, 88) if kind == "elder_couple" else rng.uniform(22, 59)
            members.append(self._person(Relation.HEAD, M, age, 1, s))
            members.append(self._person(Relation.SPOUSE, F, self._wife_age(age), 1, self.outsider_surname()))
        elif kind == "nuclear":
            age = rng.uniform(27, 52)
            wife = self._wife_age(age)
            members.append(self._person(Relation.HEAD, M, age, 1, s))
            members.append(self._person(Relation.SPOUSE, F, wife, 1, self.outsider_surname()))
            count = rng.choices((1, 2, 3), weights=(45, 45, 10))[0]
            members += self._children(members, wife, count, son_or_daughter, s)
            if rng.random() < 0.22 and (parent := self._head_parent(age, s)) is not None:
                members.append(parent)
        elif kind == "three_gen":
            age = rng.uniform(48, 72)
            members.append(self._person(Relation.HEAD, M, age, 1, s))
            mother = age - 2
            if rng.random() < 0.88:
                mother = self._wife_age(age)
                members.append(self._person(Relation.SPOUSE, F, mother, 1, self.outsider_surname()))
            child_age = self._at_least(mother - rng.uniform(21, 29), 22)
            if rng.random() < 0.92:  # the son brings his wife home
                in_law = self._wife_age(child_age)
                couple = [
                    self._person(Relation.SON, M, child_age, 2, s),
                    self._person(Relation.CHILD_IN_LAW, F, in_law, 2, self.outsider_surname()),
                ]
                young_mother = in_law
            else:  # 上门女婿: the daughter stays and her husband joins; children keep her family name
                husband_age = self._at_least(child_age + rng.uniform(0, 4), 22)
                couple = [
                    self._person(Relation.DAUGHTER, F, child_age, 2, s),
                    self._person(Relation.CHILD_IN_LAW, M, husband_age, 2, self.outsider_surname()),
                ]
                young_mother = child_age
            members += couple
            for elder in members[: len(members) - 2]:  # head and spouse: parents of the son or daughter
                elder.is_parent = True
            count = rng.choices((1, 2, 3), weights=(55, 38, 7))[0]
            members += self._children(couple, young_mother, count, lambda g: Relation.GRANDCHILD, s)
            if rng.random() < 0.12 and len(members) < 6:
                sibling_age = child_age - rng.uniform(2, 9)
                if sibling_age > 12:
                    g = M if rng.random() < 0.5 else F
                    members.append(self._person(son_or_daughter(g), g, sibling_age, 2, s))
        elif kind == "single_parent":
            age = rng.uniform(32, 60)
            gender = M if rng.random() < 0.45 else F
            members.append(self._person(Relation.HEAD, gender, age, 1, s))
            child_surname = s if gender == M or rng.random() < 0.3 else self.outsider_surname()
            mother = age if gender == F else self._wife_age(age)
            members += self._children(members, mother, rng.choice((1, 1, 2)), son_or_daughter, child_surname)
        else:  # parent_child: an unmarried son looking after a widowed parent
            age = rng.uniform(30, 62)
            members.append(self._person(Relation.HEAD, M, age, 1, s))
            if (parent := self._head_parent(age, s)) is not None:
                members.append(parent)
        return members[:6]

    # -- who is away, who is tagged ---------------------------------------------------------------

    def living(self, members: list[PersonPlan]) -> None:
        rng, age = self.rng, self.p.age
        for m in members:
            a = age(m.birth_date)
            if a < 15 or a >= 60:
                m.living = Living.AWAY_OTHER if a >= 75 and rng.random() < 0.02 else Living.HOME
            elif a < 18:
                m.living = Living.AWAY_STUDY if rng.random() < 0.12 else Living.HOME
            elif a <= 22 and rng.random() < 0.4:
                m.living = Living.AWAY_STUDY
            elif a <= 50:
                m.living = Living.AWAY_WORK if rng.random() < 0.5 else Living.HOME
            else:
                m.living = Living.AWAY_WORK if rng.random() < 0.15 else Living.HOME
        # Parents of young children: if nobody older is at home to mind them, one parent stays.
        for gen in (1, 2):
            parents = [m for m in members if m.gen == gen and m.is_parent]
            minors = [m for m in members if m.gen == gen + 1 and age(m.birth_date) < 14]
            if not parents or not minors:
                continue
            carers = [
                m for m in members if m.gen < gen and m.living == Living.HOME and age(m.birth_date) < 80
            ]
            if not carers and all(m.living != Living.HOME for m in parents):
                mother = next((m for m in parents if m.gender == Gender.FEMALE), parents[0])
                mother.living = Living.HOME

    def person_tags(self, members: list[PersonPlan]) -> None:
        rng, age = self.rng, self.p.age
        # Not every elder who qualifies is on the village's list, but a couple is listed together.
        elders_listed = rng.random() < 0.65
        for m in members:
            a = age(m.birth_date)
            if rng.random() < (0.008 if a < 18 else 0.022 if a < 60 else 0.055):
                m.tags.append("残疾人")
            if rng.random() < (0.002 if a < 18 else 0.008 if a < 60 else 0.035):
                m.tags.append("重病患者")
            if m.gender == Gender.MALE and 22 <= a <= 75 and rng.random() < 0.025:
                m.tags.append("退役军人")
            if a >= 16 and rng.random() < 0.003:
                m.tags.append("精神障碍患者")
            if a < 18:
                parents = [p for p in members if p.gen == m.gen - 1 and p.is_parent]
                if parents and all(p.living == Living.AWAY_WORK for p in parents) and m.living == Living.HOME:
                    m.tags.append("留守儿童")
                siblings = [s for s in members if s.gen == m.gen and s is not m]
                if not siblings and parents and rng.random() < 0.25:
                    m.tags.append("独生子女")
            if a >= 60 and m.living == Living.HOME and elders_listed:
                younger = [y for y in members if y.gen > m.gen and age(y.birth_date) >= 18]
                if not younger and all(age(o.birth_date) >= 55 for o in members):
                    m.tags.append("空巢老人")
                elif younger and all(y.living != Living.HOME for y in younger):
                    m.tags.append("留守老人")

    def household_tags(self, members: list[PersonPlan], housing: str) -> list[str]:
        rng, age = self.rng, self.p.age
        tags: list[str] = []
        frail = any("残疾人" in m.tags or "重病患者" in m.tags for m in members)
        alone_old = len(members) == 1 and age(members[0].birth_date) >= 60
        if housing in _UNSAFE:
            tags.append("危房户")
        if (alone_old or (len(members) == 1 and frail)) and rng.random() < 0.09:
            tags.append("特困供养")
        elif rng.random() < (0.16 if frail else 0.045 if alone_old else 0.018):
            tags.append("低保户")
        if rng.random() < (0.08 if frail else 0.013):
            tags.append("脱贫监测户")
        elif rng.random() < 0.008:
            tags.append("易返贫致贫户")
        return tags

    # -- the household ----------------------------------------------------------------------------

    def household(
        self, *, code: str, group: Region, group_no: int, house_no: int, address: str
    ) -> HouseholdPlan:
        rng, p = self.rng, self.p
        members = self.family()
        if rng.random() < 0.006:  # a Hui family: 回族 married within the community, kept the faith
            hui, lineage = _HUI_SURNAME.pick(rng), members[0].surname
            for m in members:
                if m.surname == lineage:
                    m.surname = hui
                if m.surname == hui or rng.random() < 0.8:
                    m.ethnicity = "回族"
        self.living(members)
        self.person_tags(members)
        taken: set[str] = set()
        brothers_char = rng.choice(_GENERATION_CHARS) if rng.random() < 0.4 else ""
        for m in members:
            for _try in range(8):
                if brothers_char and m.relation == Relation.SON and 1955 <= m.birth_date.year < 1995:
                    given = brothers_char + rng.choice(_GENERATION_SECOND)
                else:
                    given = p.given_name(m.gender, m.birth_date)
                if m.surname + given not in taken:
                    break
            m.name = m.surname + given
            taken.add(m.name)
            m.id_number = p.id_number(m.birth_date, m.gender)
            a = p.age(m.birth_date)
            if (18 <= a < 70 and rng.random() < 0.92) or (a >= 70 and rng.random() < 0.35):
                m.phone = p.phone()
        housing = _HOUSING.pick(rng)
        people = len(members)
        farmland = 0.0 if rng.random() < 0.04 else min(15.0, max(0.5, rng.gauss(1.5 * people + 1.5, 1.6)))
        forest = rng.uniform(0.5, 5) if rng.random() < 0.08 else 0.0
        garden = rng.uniform(0.3, 3) if rng.random() < 0.06 else 0.0
        homestead = 0.0 if housing == Housing.NONE else rng.uniform(0.2, 0.4)
        return HouseholdPlan(
            code=code,
            group=group,
            group_no=group_no,
            house_no=house_no,
            address=address,
            housing=housing,
            land_farmland=_mu(farmland, 1),
            land_forest=_mu(forest, 1),
            land_garden=_mu(garden, 1),
            land_homestead=_mu(homestead, 2),
            members=members,
            tags=self.household_tags(members, housing),
        )


def _mu(value: float, places: int) -> Decimal:
    return Decimal(str(round(value, places))).quantize(Decimal("0.01"))


def _split(rng: Random, total: int, parts: int, low: float, high: float) -> list[int]:
    """Split `total` into `parts` uneven shares (weights uniform in [low, high]) that add up exactly."""
    weights = [rng.uniform(low, high) for _i in range(parts)]
    raw = [total * w / sum(weights) for w in weights]
    shares = [int(r) for r in raw]
    order = sorted(range(parts), key=lambda i: raw[i] - shares[i], reverse=True)
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares
