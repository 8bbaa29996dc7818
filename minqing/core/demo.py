"""Demo and benchmark data: plausible rural households, the same for the same seed.

One generator serves both the demo township (东坝头镇, ≈6,000 households) and the county-scale
benchmark (兰考县, ≈300,000 households): it takes villages and a household count. Households are first
planned as plain data from a seeded random.Random (no global random, no set iteration, so the plan is
reproducible), then written in bulk, one village at a time, so memory stays flat at county scale.
"""

import datetime
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from operator import attrgetter
from pathlib import Path
from random import Random
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import RoleAssignment, User
from minqing.accounts.roles import Role
from minqing.audit.models import Action
from minqing.audit.services import audit_record
from minqing.core.errors import ServiceError
from minqing.households.models import (
    DifficultyTag,
    FeudStatus,
    Gender,
    Household,
    HouseholdRelation,
    Housing,
    Living,
    Membership,
    MoveReason,
    Relation,
    RelationKind,
    Resident,
    Severity,
)
from minqing.households.services import index_resident, next_household_code
from minqing.regions.models import Level, Region, subtree_q
from minqing.regions.services import chinese_number, regions_load, village_groups_create

DEFAULT_SEED = 2026
DEMO_COUNTY = "410225"  # 兰考县
DEMO_TOWNSHIP = "410225106"  # 东坝头镇
DEMO_HOUSEHOLDS = 6000
# A published key for trying Open311 clients against the demo; a real installation issues its own.
DEMO_OPEN311_CLIENT = "演示客户端"
DEMO_OPEN311_KEY = "o311_demo-dongbatou-2026"
COUNTY_HOUSEHOLDS = 300_000
DEMO_PASSWORD = "Minqing@2026"
DEMO_URL = "http://127.0.0.1:8000/"
AREA_CODE = DEMO_COUNTY  # birthplace code in the generated ID numbers
MAX_PER_VILLAGE = 9999  # household codes carry a four-digit serial

# ---------------------------------------------------------------------------------------------------
# Names. Surname weights follow the national frequency, leaning to the Central Plains (王李张刘 first).

SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 8.0), ("李", 7.6), ("张", 7.4), ("刘", 5.6), ("陈", 3.6), ("杨", 3.2), ("赵", 2.6),
    ("黄", 1.4), ("周", 1.7), ("吴", 1.4), ("徐", 1.4), ("孙", 1.6), ("胡", 1.2), ("朱", 1.3),
    ("高", 1.5), ("郭", 1.6), ("马", 1.5), ("何", 0.7), ("罗", 0.5), ("梁", 0.8), ("宋", 1.1),
    ("郑", 1.0), ("谢", 0.6), ("韩", 0.9), ("唐", 0.5), ("冯", 0.9), ("于", 0.8), ("董", 0.9),
    ("程", 0.8), ("曹", 0.9), ("袁", 0.6), ("许", 0.9), ("邓", 0.4), ("吕", 0.7), ("苏", 0.6),
    ("蒋", 0.4), ("蔡", 0.5), ("贾", 0.8), ("丁", 0.6), ("魏", 0.8), ("薛", 0.5), ("阎", 0.6),
    ("杜", 0.6), ("田", 0.7), ("任", 0.6), ("姜", 0.4), ("范", 0.6), ("石", 0.6), ("姚", 0.5),
    ("崔", 0.6), ("孟", 0.6), ("侯", 0.5), ("秦", 0.4), ("史", 0.5), ("牛", 0.5), ("申", 0.3),
    ("焦", 0.3), ("葛", 0.3), ("岳", 0.3), ("常", 0.4), ("武", 0.4), ("乔", 0.3), ("雷", 0.3),
    ("白", 0.3), ("翟", 0.2), ("靳", 0.2), ("齐", 0.2), ("尚", 0.2), ("付", 0.4), ("闫", 0.4),
)  # fmt: skip
HUI_SURNAMES: tuple[tuple[str, float], ...] = (
    ("马", 5.0), ("白", 1.5), ("丁", 1.2), ("海", 0.6), ("沙", 0.6), ("米", 0.4), ("穆", 0.4), ("金", 0.4),
)  # fmt: skip


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Given names by gender and birth period: names track the era (建国, 卫东, 磊, 子轩 …).
_GIVEN: dict[tuple[str, int], tuple[str, ...]] = {
    ("M", 0): _words(
        "建国 国庆 德胜 振华 保国 文明 长贵 富贵 守业 玉林 "
        "金山 树林 广田 明德 永福 万福 长林 德才 福来 长顺 "
        "满仓 春生 秋生 来福 有才 世昌 志成 凤山 清和 玉堂 "
        "殿臣 景春 学礼 兴旺 得水"
    ),
    ("F", 0): _words(
        "桂兰 秀英 凤英 玉兰 秀兰 桂英 淑珍 素珍 翠花 玉梅 "
        "秀珍 兰英 桂花 玉珍 凤兰 金花 秀云 玉芝 春花 淑英 "
        "桂芝 凤琴 月娥 秀梅 荣华 玉凤 爱莲 香兰 素云 桂荣"
    ),
    ("M", 1): _words(
        "建军 红军 卫东 志强 建伟 国强 海军 永刚 建设 卫国 "
        "新民 建华 红旗 振国 向东 跃进 胜利 国华 建平 利民 "
        "志刚 立新 学军 长江 建民 保平 拥军 红卫 国平 东升 "
        "海洋 全喜 铁军 爱民"
    ),
    ("F", 1): _words(
        "红梅 丽华 秀芬 彩霞 爱华 桂琴 红霞 丽萍 玉华 春梅 "
        "美玲 小红 建英 卫红 艳红 秋菊 翠英 素梅 雪梅 红英 "
        "爱玲 秀红 玉霞 凤霞 春霞 爱琴 金凤 红艳 丽君 秀丽"
    ),
    ("M", 2): _words(
        "磊 鹏 超 涛 浩 伟 强 帅 杰 亮 鑫 龙 阳 军 勇 "
        "斌 辉 刚 明 晓东 海涛 建伟 志勇 小龙 文博 俊峰 伟伟 "
        "亚东 亚飞 振宇 国栋 红伟 利军 永亮 俊杰 晓辉 亚磊 "
        "朋朋 新亮"
    ),
    ("F", 2): _words(
        "静 娜 丹 婷 倩 娟 晶 莉 佳 雪 丽娜 晓燕 艳芳 丽丽 "
        "亚楠 亚丽 燕 霞 敏 玲 慧 芳芳 梦 萌 晓丽 艳丽 丽娟 "
        "亚萍 晓静 春燕 利娟 欢欢 盼盼 园园 晓敏"
    ),
    ("M", 3): _words(
        "子豪 浩然 一帆 志远 嘉豪 俊杰 梓豪 家乐 博文 宇航 "
        "浩宇 鹏飞 明轩 子健 晨阳 天宇 佳豪 旭东 凯 昊 昊天 "
        "家豪 文轩 少杰 振豪 梦龙 世豪 金龙 晨曦 一鸣"
    ),
    ("F", 3): _words(
        "欣怡 梦瑶 雨欣 佳琪 思雨 可欣 晓雪 欣雨 梦洁 诗雨 "
        "雨婷 婉婷 若曦 静怡 怡然 紫薇 佳慧 梦圆 雅琪 珂欣 "
        "晨雪 梦婷 心怡 雨晴 一丹 佳欣 晴晴 欣然"
    ),
    ("M", 4): _words(
        "子轩 浩宇 宇轩 梓豪 一诺 沐阳 皓轩 奕辰 梓睿 铭泽 "
        "承泽 子墨 煜祺 俊熙 锦程 宇泽 嘉懿 梓航 浩轩 思源 "
        "子骞 博涵 睿泽 天佑 宸宇 逸飞 梓晨 明哲 俊豪 书恒"
    ),
    ("F", 4): _words(
        "梓涵 欣妍 可馨 雨桐 语桐 诗涵 思彤 梓萱 若汐 芊芊 "
        "紫萱 沐晴 安琪 艺涵 一涵 梦琪 依诺 欣悦 佳怡 子涵 "
        "雨萱 诗琪 梓晴 悦溪 语嫣 可欣 书瑶 紫涵 思琪"
    ),
}
# Beyond the listed names, an era's usual first and second characters combine into many more, so a
# county of 900,000 people does not repeat the same few hundred names.
_GIVEN_CHARS: dict[tuple[str, int], tuple[str, str]] = {
    ("M", 0): ("德福永长玉金树广守万世清殿景学兴", "林山才福贵顺田成生堂臣春礼旺和"),
    ("F", 0): ("桂秀凤玉淑素翠兰金月爱香", "兰英珍梅花芝琴云凤莲荣娥"),
    ("M", 1): ("建国志永振红卫海新立学保东跃胜", "军伟强华民平东明林刚峰生进利"),
    ("F", 1): ("红丽秀彩爱桂玉春美艳秋翠雪金", "梅华芬霞琴萍英红菊玲丽艳芳"),
    ("M", 2): ("晓海志小文俊亚振国红利永新朋", "东涛勇龙博峰飞宇栋伟军亮辉磊"),
    ("F", 2): ("丽晓艳亚春利欢盼园梦", "娜燕芳丽楠萍静娟敏丹"),
    ("M", 3): ("子浩一志嘉俊梓家博宇鹏明天佳旭文", "豪然帆远杰乐文航宇飞轩健阳东"),
    ("F", 3): ("欣梦雨佳思可晓诗婉若静怡紫雅心", "怡瑶欣琪雨雪洁婷曦然薇慧圆晴"),
    ("M", 4): ("子浩宇梓一沐皓奕铭承煜俊锦嘉思博睿天宸逸", "轩宇豪诺阳辰睿泽墨祺熙程懿航源骞涵佑晨哲"),
    ("F", 4): ("梓欣可雨语诗思若芊紫沐安艺一依悦书", "涵妍馨桐彤萱汐晴琪诺悦溪嫣瑶"),
}
# Brothers born 1955–1994 often share a generation character (字辈).
_GENERATION_CHARS = tuple("建国志永振红卫海晓亚新")
_GENERATION_SECOND = tuple("军伟强涛峰刚明东辉杰华林亮勇")

_PHONE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 "
    "171 173 175 176 177 178 180 181 182 183 185 186 187 188 189 191 198 199"
)

HOUSING_WEIGHTS: tuple[tuple[str, float], ...] = (
    (Housing.CONCRETE, 74),
    (Housing.BRICK_WOOD, 17),
    (Housing.EARTH, 4),
    (Housing.UNSAFE_C, 1.6),
    (Housing.UNSAFE_D, 0.6),
    (Housing.NONE, 1.0),
    (Housing.OTHER, 1.8),
)
_UNSAFE = (Housing.UNSAFE_C, Housing.UNSAFE_D)

# What village feuds are about, with the detail a cadre would write down. {n} is filled in.
FEUD_SUBJECTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("宅基地边界", ("翻建房屋时院墙越界约{n}0厘米", "两家院墙间过道归属有争议", "盖厨房占了对方宅基地一角")),
    ("排水沟", ("雨季排水流入对方院内", "排水沟被填平，积水淹了对方门口", "下水管道改道引发争执")),
    ("土地承包边界", ("地界石被移动，双方各执一词", "犁地越过地界约{n}垄", "调地后地块四至不清")),
    ("赡养老人", ("兄弟间对老人赡养费分摊有争议", "老人轮流居住安排谈不拢", "老人看病费用分担有分歧")),
    ("借款纠纷", ("借款{n}万元逾期未还", "合伙养殖欠款{n}万元未结清", "代购化肥欠款未还")),
    ("树木遮光", ("房后杨树遮挡采光，要求砍伐", "地头桐树遮挡庄稼，要求修剪", "树根拱坏对方院墙")),
    ("牲畜毁苗", ("散养的羊啃食麦苗，赔偿未谈拢", "鸡鸭进地毁坏菜苗", "牛挣脱缰绳踩坏玉米")),
    ("通行纠纷", ("胡同出入通道被堆放杂物堵塞", "修院门占用共用通道", "农用车进出碾压对方门前")),
    ("灌溉用水", ("机井轮灌顺序争执", "浇地时水流进对方地里", "共用水泵电费分摊有争议")),
    ("房屋滴水", ("屋檐滴水落入邻家院内", "新房檐口伸入对方院落上空", "房顶排水冲刷对方墙根")),
    ("婚姻家庭", ("离婚后彩礼返还有争议", "婚后分家财产分割不均", "子女抚养费未按约支付")),
    ("务工工钱", ("建房帮工工钱{n}千元未结清", "带工外出务工工资拖欠", "收粮雇工工钱有争议")),
)  # fmt: skip
_FEUD_NOTES: dict[str, tuple[str, ...]] = {
    FeudStatus.ACTIVE: (
        "村调委会已调解{n}次，双方仍有分歧",
        "双方互不相让，需持续关注",
        "曾发生口角推搡，需防止矛盾激化",
        "",
    ),
    FeudStatus.EASED: (
        "经村干部协调，双方口头达成谅解",
        "包村干部上门做工作后有所缓和",
        "双方同意暂维持现状",
    ),
    FeudStatus.RESOLVED: ("镇司法所主持调解，已签订调解协议", "经人民调解员调解，已履行完毕", "双方自行和解"),
}
_KIN_SUBJECTS = ("兄弟分户", "父子分户", "堂兄弟", "姻亲", "叔侄")
_NEIGHBOUR_SUBJECTS = ("隔壁邻居", "前后院邻居", "同一胡同", "邻居，平时互相照应")


class _Choice:
    """A weighted choice whose cumulative weights are computed once, not on every draw."""

    def __init__(self, table: Sequence[tuple[str, float]]) -> None:
        self.keys = [k for k, _w in table]
        self.cum_weights = list(accumulate(w for _k, w in table))

    def pick(self, rng: Random) -> str:
        return rng.choices(self.keys, cum_weights=self.cum_weights)[0]


_SURNAME = _Choice(SURNAMES)
_HUI_SURNAME = _Choice(HUI_SURNAMES)
_HOUSING = _Choice(HOUSING_WEIGHTS)


def _era(year: int) -> int:
    if year < 1955:
        return 0
    if year < 1975:
        return 1
    if year < 1995:
        return 2
    if year < 2010:
        return 3
    return 4


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


# ---------------------------------------------------------------------------------------------------
# Writing.


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


@transaction.atomic
def demo_generate(
    *,
    villages: Sequence[Region],
    households: int,
    seed: int = DEFAULT_SEED,
    as_of: datetime.date | None = None,
    feuds: int | None = None,
    recorded_by: User | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Fill `villages` with `households` generated households (and their groups, people, ties).

    The same seed, villages, reference date and database state give the same data. Refuses villages
    that already have households, so generated codes and people never mix with real ones.
    """
    started = time.monotonic()
    rng = Random(seed)
    as_of = as_of or timezone.localdate()
    villages = sorted(villages, key=lambda v: v.code)
    if not villages or households < 1:
        raise ServiceError(_("请至少指定一个村和一户。"))
    if any(v.level != Level.VILLAGE for v in villages):
        raise ServiceError(_("演示数据只能生成在村（社区）下。"))
    busy = Q()
    for v in villages:
        busy |= subtree_q(v.path)
    if Household.objects.filter(busy).exists():
        raise ServiceError(_("所选的村已有户数据；请使用空数据库，或先清除这些村的户。"))
    shares = _split(rng, households, len(villages), 0.6, 1.5)
    if max(shares) > MAX_PER_VILLAGE:
        raise ServiceError(_("每个村最多生成 %(n)d 户。") % {"n": MAX_PER_VILLAGE})
    tags = {t.name: t for t in DifficultyTag.objects.filter(is_active=True)}
    used_ids = {
        number
        for number in Resident.objects.filter(id_number__startswith=AREA_CODE).values_list(
            "id_number", flat=True
        )
        if number
    }
    used_phones = set(Resident.objects.exclude(phone="").values_list("phone", flat=True))
    people = _People(rng, as_of, used_ids, used_phones)
    writer = _Writer()
    result = DemoResult(villages=len(villages))
    placed: list[_Placed] = []
    for vi, (village, share) in enumerate(zip(villages, shares, strict=True)):
        groups = village_groups_create(village=village, count=rng.randint(4, 8))
        result.groups += len(groups)
        planner = _VillagePlanner(people, village, tags)
        serial = int(next_household_code(village)[12:])
        plans: list[HouseholdPlan] = []
        for gi, (group, count) in enumerate(
            zip(groups, _split(rng, share, len(groups), 0.7, 1.3), strict=True)
        ):
            for house_no in range(1, count + 1):
                plans.append(
                    planner.household(
                        code=f"{village.code[:12]}{serial:04d}",
                        group=group,
                        group_no=gi + 1,
                        house_no=house_no,
                        address=f"{village.name}{chinese_number(gi + 1)}组{house_no}号",
                    )
                )
                serial += 1
        ids = _write_village(writer, plans, tags, as_of)
        placed += [
            _Placed(pk, vi, plan.group_no, plan.house_no, plan.members[0].surname)
            for pk, plan in zip(ids, plans, strict=True)
        ]
        result.households += len(plans)
        result.residents += sum(len(plan.members) for plan in plans)
        if progress and (vi + 1) % 25 == 0:
            progress(
                _("已生成 %(v)d/%(n)d 个村，%(h)d 户。")
                % {"v": vi + 1, "n": len(villages), "h": result.households}
            )
    writer.finish()
    result.feuds, result.relations = _relations(
        rng,
        placed,
        villages,
        feuds=round(households / 100) if feuds is None else feuds,
        as_of=as_of,
        recorded_by=recorded_by,
    )
    result.seconds = time.monotonic() - started
    return result


# ---------------------------------------------------------------------------------------------------
# Staff: one account per role, in the regions where such a person would work.


@dataclass(frozen=True)
class StaffSpec:
    username: str
    display_name: str
    title: str
    role: Role
    regions: tuple[str, ...]  # "county", "township" or a village code


_ZHANGZHUANG, _LEIJI, _DONGBATOU, _YANGZHUANG, _ZHUZHUANG = (
    "410225106207",
    "410225106200",
    "410225106202",
    "410225106203",
    "410225106201",
)
DEMO_STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("leader", "刘振华", "东坝头镇党委副书记", Role.LEADER, ("township",)),
    StaffSpec("officer", "赵丽娟", "镇综治中心（信访办）主任", Role.PETITION_OFFICER, ("township",)),
    StaffSpec("handler", "孙建伟", "镇民政所经办人", Role.DEPT_HANDLER, ("township",)),
    StaffSpec(
        "liaison", "王海涛", "包村干部（张庄村、雷集村）", Role.VILLAGE_LIAISON, (_ZHANGZHUANG, _LEIJI)
    ),
    StaffSpec(
        "liaison2", "陈晓燕", "包村干部（东坝头村、杨庄村）", Role.VILLAGE_LIAISON, (_DONGBATOU, _YANGZHUANG)
    ),
    StaffSpec("cadre_zhangzhuang", "张国强", "张庄村党支部书记", Role.VILLAGE_CADRE, (_ZHANGZHUANG,)),
    StaffSpec("cadre_leiji", "雷红军", "雷集村委会主任", Role.VILLAGE_CADRE, (_LEIJI,)),
    StaffSpec("cadre_dongbatou", "李建设", "东坝头村网格员", Role.VILLAGE_CADRE, (_DONGBATOU,)),
    StaffSpec("cadre_yangzhuang", "杨秀英", "杨庄村网格员", Role.VILLAGE_CADRE, (_YANGZHUANG,)),
    StaffSpec("cadre_zhuzhuang", "朱卫东", "朱庄村委会主任", Role.VILLAGE_CADRE, (_ZHUZHUANG,)),
    StaffSpec("mediator", "郭德胜", "镇人民调解委员会调解员", Role.MEDIATOR, ("township",)),
    StaffSpec("supervisor", "黄志刚", "县委督查室督查员", Role.COUNTY_SUPERVISOR, ("county",)),
    StaffSpec("sysadmin", "周敏", "系统管理员", Role.SYSTEM_ADMIN, ("county",)),
    StaffSpec("secadmin", "吴磊", "安全保密管理员", Role.SECURITY_ADMIN, ("county",)),
    StaffSpec("auditadmin", "郑婷", "安全审计员", Role.AUDIT_ADMIN, ("county",)),
)


@transaction.atomic
def demo_staff_create(*, county: Region, township: Region) -> list[User]:
    """Create (or complete) the demo accounts with their role grants; existing passwords are kept.

    A grant whose village is not loaded is skipped rather than placed somewhere it does not belong.
    """
    password_hash = ""
    users: list[User] = []
    for spec in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            username=spec.username, defaults={"display_name": spec.display_name, "title": spec.title}
        )
        if created:
            if not password_hash:
                validate_password(DEMO_PASSWORD, user)
                # One hash for every account: hashing is slow on purpose and the password is shared anyway.
                password_hash = make_password(DEMO_PASSWORD)
            user.password = password_hash
            user.is_staff = spec.role == Role.SYSTEM_ADMIN  # the system administrator also uses /admin/
            user.save(update_fields=["password", "is_staff"])
        for ref in spec.regions:
            region: Region | None
            if ref == "county":
                region = county
            elif ref == "township":
                region = township
            else:
                region = Region.objects.filter(code=ref).first()
            if region is not None:
                RoleAssignment.objects.get_or_create(user=user, role=spec.role, region=region)
        users.append(user)
    return users


def demo_logins() -> list[tuple[str, str, str, str, str]]:
    """(username, name, role, regions, password) of the demo accounts that exist, in DEMO_STAFF order."""
    users = {u.username: u for u in User.objects.filter(username__in=[s.username for s in DEMO_STAFF])}
    rows: list[tuple[str, str, str, str, str]] = []
    for spec in DEMO_STAFF:
        user = users.get(spec.username)
        if user is None:
            continue
        grants = list(user.role_assignments.select_related("region").order_by("region__path"))
        role = grants[0].get_role_display() if grants else str(spec.role.label)
        regions = "、".join(g.region.name for g in grants) or "—"
        rows.append((spec.username, user.display_name, str(role), regions, DEMO_PASSWORD))
    return rows


# ---------------------------------------------------------------------------------------------------
# The two data sets.


def _region(code: str) -> Region:
    try:
        return Region.objects.get(code=code.ljust(12, "0"))
    except Region.DoesNotExist as exc:
        raise ServiceError(_("找不到区划 %(code)s。") % {"code": code}) from exc


def _villages_under(region: Region, limit: int | None = None) -> list[Region]:
    qs = Region.objects.filter(subtree_q(region.path, "path"), level=Level.VILLAGE).order_by("code")
    return list(qs[:limit] if limit else qs)


def _data_dir(data_dir: Path | None) -> Path:
    return data_dir or Path(settings.MINQING_DIVISIONS_DIR)


@transaction.atomic
def demo_load(
    *,
    seed: int = DEFAULT_SEED,
    households: int = DEMO_HOUSEHOLDS,
    village_limit: int | None = None,
    data_dir: Path | None = None,
    as_of: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """兰考县's regions, then 东坝头镇 filled with households, the demo staff and one audit row.

    `village_limit` limits how many of the township's villages get households (tests use 2).
    """
    regions_load(prefix=DEMO_COUNTY, data_dir=_data_dir(data_dir))
    county, township = _region(DEMO_COUNTY), _region(DEMO_TOWNSHIP)
    staff = demo_staff_create(county=county, township=township)
    officer = next((u for u in staff if u.username == "officer"), None)
    result = demo_generate(
        villages=_villages_under(township, village_limit),
        households=households,
        seed=seed,
        as_of=as_of,
        recorded_by=officer,
        progress=progress,
    )
    result.staff = staff
    from minqing.petitions.demo import demo_petitions  # the registry is loaded first; requests refer to it

    if progress:
        progress(_("诉求与接访日……"))
    demo_petitions(
        township=township, seed=seed, as_of=as_of, count=max(20, households * 360 // DEMO_HOUSEHOLDS)
    )
    from minqing.hotspots.demo import demo_hotspots

    demo_hotspots(township=township, seed=seed, as_of=as_of)
    from minqing.visits.demo import demo_visits

    if progress:
        progress(_("下村日记与硬性规定……"))
    demo_visits(township=township, seed=seed, as_of=as_of)
    from minqing.mediation.demo import demo_mediation

    demo_mediation(township=township, seed=seed, as_of=as_of)
    from minqing.api.models import ApiKey
    from minqing.api.services import api_key_create

    if not ApiKey.objects.filter(name=DEMO_OPEN311_CLIENT).exists():
        api_key_create(actor=None, name=DEMO_OPEN311_CLIENT, region=township, raw=DEMO_OPEN311_KEY)
    _audit(result, township, seed, _("演示数据"))
    return result


@transaction.atomic
def demo_county(
    *,
    seed: int = DEFAULT_SEED,
    households: int = COUNTY_HOUSEHOLDS,
    data_dir: Path | None = None,
    as_of: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Every village of 兰考县 filled for benchmarks, with the same generator and the demo staff."""
    regions_load(prefix=DEMO_COUNTY, data_dir=_data_dir(data_dir))
    county, township = _region(DEMO_COUNTY), _region(DEMO_TOWNSHIP)
    staff = demo_staff_create(county=county, township=township)
    officer = next((u for u in staff if u.username == "officer"), None)
    result = demo_generate(
        villages=_villages_under(county),
        households=households,
        seed=seed,
        as_of=as_of,
        recorded_by=officer,
        progress=progress,
    )
    result.staff = staff
    _audit(result, county, seed, _("县级压测数据"))
    return result


def _audit(result: DemoResult, region: Region, seed: int, what: str) -> None:
    audit_record(
        actor=None,
        action=Action.CREATE,
        object_type="demo",
        object_repr=f"{what}：{region.name}",
        region_path=region.path,
        note=_(
            "已加载%(what)s：%(region)s %(v)d 个村，%(h)d 户，%(r)d 人，过结 %(f)d 起（随机种子 %(seed)d）。"
        )
        % {
            "what": what,
            "region": region.name,
            "v": result.villages,
            "h": result.households,
            "r": result.residents,
            "f": result.feuds,
            "seed": seed,
        },
    )
