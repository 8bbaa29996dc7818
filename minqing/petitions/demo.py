"""Demo requests for the demo township: departments, half a year of requests in every state, reception days.

Requests go through the real services (so events, audit rows and deadlines are what the system makes), then each
one's dates are moved back to when it happened, spreading its steps over the days a township takes.
"""

import datetime
from dataclasses import dataclass
from random import Random

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from minqing.accounts.models import Department, RoleAssignment, User
from minqing.accounts.roles import Role
from minqing.core.errors import ServiceError
from minqing.households.models import Household
from minqing.regions.models import Level, Region
from minqing.workcal.selectors import work_calendar

from . import services
from .models import (
    Category,
    Channel,
    DeadlineKind,
    HandlingLevel,
    Petition,
    ReceptionDay,
    ReceptionRegistration,
    Satisfaction,
    Stage,
    Status,
)

DEPARTMENTS = (
    "民政所",
    "国土资源所",
    "农业农村服务中心",
    "司法所",
    "派出所",
    "社会保障所",
    "规划建设办",
    "财政所",
)
CATEGORY_DEPARTMENT = {
    "minzheng": "民政所",
    "tudi": "国土资源所",
    "chengbao": "农业农村服务中心",
    "chaiqian": "规划建设办",
    "chengxiang": "规划建设办",
    "laodong": "社会保障所",
    "linli": "司法所",
    "shefa": "司法所",
    "huanbao": "规划建设办",
    "jiaotong": "派出所",
    "weisheng": "社会保障所",
    "jiaoyu": "社会保障所",
}

# (category code, title, content); {v} is the village, {n} a number.
MATTERS: tuple[tuple[str, str, str], ...] = (
    (
        "minzheng-dibao",
        "申请低保一直没有结果",
        "家中老人常年卧病，儿子在外打工收入不稳定，{n}月份向村里递交了低保申请，至今没有答复，请帮忙问问进度。",
    ),
    (
        "minzheng-dibao",
        "低保被取消不知道原因",
        "今年我家的低保突然停发了，村里说是系统核查不符合，但家里情况没有变化，希望说明原因并重新核查。",
    ),
    (
        "minzheng-disability",
        "残疾人补贴没有按时发放",
        "我是二级肢体残疾，两项补贴已经{n}个月没有到账，一卡通里查不到，请核实。",
    ),
    (
        "minzheng-temporary",
        "家里失火申请临时救助",
        "前几天厨房失火，烧毁了屋顶和粮食，一家五口暂住亲戚家，希望申请临时救助。",
    ),
    (
        "chengxiang-road",
        "村道破损严重雨天无法通行",
        "{v}村东到小学的水泥路有{n}处大坑，下雨积水，孩子上学和老人出行都很危险，希望尽快修补。",
    ),
    (
        "chengxiang-road",
        "桥梁护栏损坏存在安全隐患",
        "村南排水沟上的小桥护栏被车撞坏，晚上没有路灯，已经有人骑车掉下去，请尽快修复。",
    ),
    (
        "chengxiang-water-power",
        "自来水经常停水",
        "这个月已经停水{n}次，每次一两天，没有提前通知，老人只能去邻村挑水。",
    ),
    (
        "chengxiang-water-power",
        "电压不稳家电烧坏",
        "我们组晚上电压很低，空调开不了，前几天冰箱烧坏了，请电力部门查一下变压器。",
    ),
    (
        "chengxiang-housing",
        "危房改造补助申请",
        "我家土坯房墙体开裂，去年鉴定为C级危房，申请了危房改造补助，至今没有消息。",
    ),
    (
        "huanbao-pollution",
        "养殖场臭味扰民",
        "村西新建的养猪场离住户不到{n}百米，夏天臭味很大，粪水流进沟里，希望环保部门处理。",
    ),
    (
        "huanbao-village",
        "垃圾清运不及时",
        "组里的垃圾池已经满了一个星期没人清运，苍蝇很多，请督促保洁公司按时清运。",
    ),
    (
        "tudi-compensation",
        "征地补偿款没有足额发放",
        "{v}村修路征用我家{n}亩承包地，协议上的补偿款只发了一半，余下的一直拖着，请镇里协调。",
    ),
    (
        "tudi-rights",
        "承包地地界被邻居侵占",
        "邻居家在地头挖沟，把界石往我家地里挪了半米多，找村里调解了两次没有结果。",
    ),
    ("chengbao-contract", "二轮承包地确权面积不对", "确权证上我家的耕地比实际少了{n}亩，希望重新测量更正。"),
    (
        "chengbao-transfer",
        "土地流转租金拖欠",
        "合作社流转了我们组的地，去年的租金每亩还欠三百元，合作社负责人联系不上。",
    ),
    (
        "chaiqian-resettle",
        "拆迁安置房迟迟不能交付",
        "去年拆迁时承诺今年{n}月交付安置房，现在工程停了，我们一直在外租房，请给个说法。",
    ),
    (
        "laodong-wages",
        "在工地干活被拖欠工资",
        "在镇上一个工地干了{n}个月，包工头拖欠工资一万多元，现在找不到人。",
    ),
    (
        "laodong-insurance",
        "养老保险缴费年限算错了",
        "我父亲的城乡居民养老保险缴费年限少算了两年，领取金额偏低，请帮忙核实。",
    ),
    (
        "jiaoyu-school",
        "孩子上学校车不够",
        "村里到镇中心小学的校车只有一辆，早上挤不下，很多孩子只能坐三轮车去上学，不安全。",
    ),
    (
        "weisheng-medical",
        "大病医疗报销比例有疑问",
        "我母亲住院花了{n}万元，新农合报销后自付部分很多，想了解大病保险的二次报销怎么申请。",
    ),
    (
        "linli",
        "邻居建房滴水到我家院子",
        "邻居新盖的二层楼房屋檐伸到我家院子上方，下雨滴水，协商不成，请村里调解。",
    ),
    ("linli", "宅基地之间排水纠纷", "后院邻居把排水管接到我家墙根，墙基已经被泡坏，说了多次不改。"),
    (
        "jiaotong-safety",
        "路口没有减速带经常出事",
        "村口和省道交叉的路口车速很快，今年已经出了{n}起事故，希望安装减速带和警示牌。",
    ),
    ("other", "建议村里安装路灯", "主街没有路灯，晚上出行不便，也有安全隐患，建议安装太阳能路灯。"),
)
SURNAMES = "张王李赵刘陈杨黄周吴徐孙朱马胡郭何高林罗郑梁谢宋唐"
GIVEN = (
    "建国",
    "秀英",
    "桂兰",
    "志强",
    "海军",
    "玉梅",
    "国庆",
    "红霞",
    "长江",
    "凤英",
    "德明",
    "春花",
    "振华",
    "秀兰",
)


@dataclass
class PetitionDemoResult:
    petitions: int
    departments: int
    reception_days: int


def _staff(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _village_cadre(village: Region) -> User | None:

    grant = (
        RoleAssignment.objects.filter(region=village, role=Role.VILLAGE_CADRE).select_related("user").first()
    )
    return grant.user if grant else None


def _backdate(p: Petition, start: datetime.date, rng: Random, as_of: datetime.date) -> None:
    """Move a request that was handled 'today' back to `start`, spacing its steps a few days apart."""
    cal = work_calendar()
    rules = services.deadline_rules()
    tz = timezone.get_current_timezone()
    day = start
    dates: dict[str, datetime.date] = {}
    for event in p.events.order_by("at", "id"):
        if event.kind != "registered":
            day = min(as_of, day + datetime.timedelta(days=rng.randint(1, 9)))
        hour = rng.randint(8, 17)
        event.at = datetime.datetime.combine(day, datetime.time(hour, rng.randint(0, 59)), tzinfo=tz)
        event.save(update_fields=["at"])
        dates[event.kind] = day
    p.registered_on = start
    p.accept_due = services.due_after(DeadlineKind.ACCEPT, start, cal=cal, rules=rules).due
    if p.accepted_on:
        p.accepted_on = dates.get("accepted", start)
        p.conclude_due = services.due_after(DeadlineKind.CONCLUDE, p.accepted_on, cal=cal, rules=rules).due
    if p.replied_on:
        p.replied_on = dates.get("replied", day)
        p.followup_due = services.due_after(DeadlineKind.FOLLOW_UP, p.replied_on, cal=cal, rules=rules).due
    if p.rated_at:
        rated = dates.get("rated") or dates.get("followed_up") or day
        p.rated_at = datetime.datetime.combine(rated, datetime.time(10), tzinfo=tz)
    if p.closed_at:
        p.closed_at = datetime.datetime.combine(dates.get("closed", day), datetime.time(16), tzinfo=tz)
    services.reclock(p)
    p.save()


@transaction.atomic
def demo_petitions(
    *, township: Region, seed: int = 2026, count: int = 360, as_of: datetime.date | None = None
) -> PetitionDemoResult:
    """Departments, `count` requests over the last six months in every state, and reception days."""
    rng = Random(seed)
    as_of = as_of or timezone.localdate()
    officer, leader, handler = _staff("officer"), _staff("leader"), _staff("handler")
    county_officer = _staff("county_officer")
    if officer is None or leader is None:
        return PetitionDemoResult(0, 0, 0)
    departments = {}
    for name in DEPARTMENTS:
        dept, _created = Department.objects.get_or_create(
            region=township, name=name, defaults={"region_path": township.path}
        )
        departments[name] = dept
    if handler is not None:
        departments["民政所"].members.add(handler)
    villages = list(
        Region.objects.filter(parent=township, level=Level.VILLAGE, is_active=True).order_by("path")
    )
    categories = {c.code: c for c in Category.objects.all()}
    made = 0
    for _n in range(count):
        village = rng.choice(villages)
        code, title, content = rng.choice(MATTERS)
        category = categories[code]
        household = (
            Household.objects.filter(region_path__startswith=village.path)
            .order_by("?")
            .select_related("head")
            .first()
            if rng.random() < 0.7
            else None
        )
        name = household.head_name if household else rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = (
            household.head.phone if household and household.head else ""
        ) or f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}"
        age = int(min(180, rng.expovariate(1 / 60)))
        start = as_of - datetime.timedelta(days=age)
        cadre = _village_cadre(village)
        channel = rng.choices(
            [
                Channel.VISIT,
                Channel.PHONE,
                Channel.ONLINE,
                Channel.FOUND,
                Channel.LETTER,
                Channel.RECEPTION,
                Channel.HOTLINE,
            ],
            [30, 20, 15, 15, 5, 5, 10],
        )[0]
        registrar = (
            None if channel == Channel.ONLINE else (cadre if channel == Channel.FOUND and cadre else officer)
        )
        is_group = code in ("tudi-compensation", "chaiqian-resettle", "laodong-wages") and rng.random() < 0.25
        p = services.petition_register(
            actor=registrar,
            data=services.Intake(
                channel=channel,
                category=category,
                region=village,
                title=title,
                content=content.format(v=village.name.removesuffix("村"), n=rng.randint(2, 6)),
                submitter_name=name,
                submitter_phone=phone,
                submitter_id_number=(household.head.id_number or "") if household and household.head else "",
                household=household,
                is_anonymous=channel == Channel.ONLINE and rng.random() < 0.1,
                is_group=is_group,
                head_count=rng.randint(5, 30) if is_group else 1,
                representatives=name if is_group else "",
                registered_on=as_of,
            ),
        )
        made += 1
        # How far it got depends on its age; some stay open on purpose (and some become overdue).
        progress = rng.random()
        stage_done = 0 if age < 3 else (1 if age < 10 else (2 if age < 25 else 3))
        if progress < 0.02:
            stage_done = min(stage_done, 0)
        try:
            if stage_done >= 1:
                handler_user = cadre if p.level == HandlingLevel.VILLAGE and cadre else officer
                if p.level == HandlingLevel.VILLAGE and rng.random() < 0.18:
                    p = services.petition_route(
                        actor=handler_user, petition=p, version=p.version, to_level=HandlingLevel.TOWNSHIP,
                        reason="村级无法解决，需镇相关部门协调",
                    )  # fmt: skip
                    handler_user = officer
                if rng.random() < 0.03:
                    services.petition_not_accept(
                        actor=officer,
                        petition=p,
                        version=p.version,
                        reason="属于诉讼途径解决的事项，已告知向人民法院起诉",
                    )
                    _backdate(p, start, rng, as_of)
                    continue
                if county_officer is not None and p.level == HandlingLevel.TOWNSHIP and rng.random() < 0.05:
                    p = services.petition_route(
                        actor=officer, petition=p, version=p.version, to_level=HandlingLevel.COUNTY,
                        reason="涉及县直部门职责，乡镇无权处理",
                    )  # fmt: skip
                    handler_user = county_officer
                p = services.petition_accept(actor=handler_user, petition=p, version=p.version)
                if p.level == HandlingLevel.TOWNSHIP:
                    dept = departments.get(
                        CATEGORY_DEPARTMENT.get(code.split("-")[0], ""), departments["民政所"]
                    )
                    (p,) = services.petitions_assign(actor=officer, petitions=[p], department=dept)
            if stage_done >= 2:
                replier = _level_handler(p.level, cadre, officer, county_officer)
                p = services.petition_reply(
                    actor=replier, petition=p, version=p.version,
                    text="经调查核实，已协调相关部门予以解决，具体情况已当面向您说明。如有疑问，可在收到本意见之日起30日内申请复查。",
                )  # fmt: skip
            if stage_done >= 3:
                satisfaction = rng.choices(
                    [Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED], [82, 11, 7]
                )[0]
                follower = cadre or officer
                if rng.random() < 0.4:
                    p = services.petition_rate(petition=p, satisfaction=satisfaction)
                else:
                    p = services.petition_follow_up(
                        actor=follower,
                        petition=p,
                        version=p.version,
                        method="phone",
                        satisfaction=satisfaction,
                    )
                if satisfaction == Satisfaction.UNSATISFIED and rng.random() < 0.6:
                    p = services.petition_reopen(actor=None, petition=p, reason="问题没有真正解决")
                elif rng.random() < 0.92:
                    closer = _level_handler(p.level, cadre, officer, county_officer)
                    p = services.petition_close(
                        actor=closer,
                        petition=p,
                        version=p.version,
                        judgements=services.Judgements(
                            reform=category.reform_related or rng.random() < 0.5,
                            justified=rng.random() < 0.86,
                            solvable=rng.random() < 0.84,
                            grassroots=rng.random() < 0.83,
                            solved_level=p.level,
                        ),
                        note="诉求人不满意，已告知复查途径"
                        if satisfaction == Satisfaction.UNSATISFIED
                        else "",
                    )
        except (ServiceError, PermissionDenied, ValidationError):  # a step a rule refuses is simply not taken
            p.refresh_from_db()
        _backdate(p, start, rng, as_of)
    days = _reception_days(township, leader, as_of, rng)
    return PetitionDemoResult(made, len(departments), days)


def _level_handler(level: str, cadre: User | None, officer: User, county_officer: User | None) -> User:
    """The demo's person acting for the level now handling a request."""
    if level == HandlingLevel.VILLAGE and cadre is not None:
        return cadre
    if level == HandlingLevel.COUNTY and county_officer is not None:
        return county_officer
    return officer


def _reception_days(township: Region, leader: User, as_of: datetime.date, rng: Random) -> int:
    topics = ("土地征收与补偿", "低保与救助", "农村道路与饮水", "邻里纠纷化解", "就业与工资")
    places = ("镇便民服务中心接访室", "镇综治中心", "张庄村党群服务中心")
    made = 0
    # The first Wednesday of each month, two back and three ahead.
    for months in range(-2, 4):
        year = as_of.year + (as_of.month - 1 + months) // 12
        month = (as_of.month - 1 + months) % 12 + 1
        day = datetime.date(year, month, 1)
        while day.weekday() != 2:
            day += datetime.timedelta(days=1)
        reception, created = ReceptionDay.objects.get_or_create(
            region=township,
            date=day,
            defaults={
                "region_path": township.path,
                "leader": leader,
                "leader_title": leader.title or "镇党委副书记",
                "start_time": datetime.time(9),
                "end_time": datetime.time(12),
                "place": rng.choice(places),
                "topics": "、".join(rng.sample(topics, 2)),
            },
        )
        made += 1
        if created and day < as_of:
            batches, people, answered, assigned = (
                rng.randint(4, 9), rng.randint(8, 20), rng.randint(2, 5), rng.randint(1, 4),
            )  # fmt: skip
            reception.outcome = (
                f"接待群众 {batches} 批 {people} 人次，现场答复 {answered} 件，登记交办 {assigned} 件。"
            )
            reception.save(update_fields=["outcome"])
            for petition in Petition.objects.filter(
                channel=Channel.RECEPTION, registered_on__gte=day, stage=Stage.INITIAL
            ).exclude(status=Status.MERGED)[:3]:
                ReceptionRegistration.objects.create(
                    day=reception,
                    name=petition.submitter_name or "匿名",
                    phone=petition.submitter_phone,
                    topic=petition.title,
                    attended=True,
                    petition=petition,
                )
    return made
