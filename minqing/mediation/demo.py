"""Demo data for 矛盾纠纷排查调处: a 大排查 with some villages reported, about twenty disputes across villages and
risk levels, and mediations in every state — among them written agreements in the judicial-confirmation window,
past it (applied late, with the reason), and performed. Everything goes through the services, so it is audited
and consistent."""

import datetime
from dataclasses import dataclass
from random import Random

from django.utils import timezone

from minqing.accounts.models import RoleAssignment, User
from minqing.accounts.roles import Role
from minqing.core.uploads import check_upload
from minqing.households.models import Household
from minqing.regions.models import Level, Region, subtree_q

from . import services
from .models import (
    AgreementForm,
    Campaign,
    Dispute,
    DisputeKind,
    DisputeStatus,
    EventKind,
    FollowUpAction,
    Performance,
    RiskFlag,
    Session,
    Side,
    StartMode,
    VillageOutcome,
)

# (kind, title, facts); {a} and {b} are the two households' heads.
MATTERS: tuple[tuple[str, str, str], ...] = (
    (
        DisputeKind.HOMESTEAD,
        "翻建院墙占用宅基地引发争执",
        "{a}家翻建院墙，{b}家认为院墙越过原界址约半米，占用其宅基地，双方多次争吵。",
    ),
    (
        DisputeKind.LAND_CONTRACT,
        "承包地地界不清引发纠纷",
        "{a}家与{b}家承包地相邻，去年秋种时{a}家多犁了两垄，{b}家要求退还并赔偿青苗损失。",
    ),
    (
        DisputeKind.NEIGHBOUR,
        "排水沟被填平致雨水倒灌",
        "{b}家硬化门前路面时填平了排水沟，雨后{a}家院内积水，双方言语冲突。",
    ),
    (
        DisputeKind.FAMILY,
        "老人赡养费分担争议",
        "{a}与兄弟{b}对母亲赡养费分担意见不一，老人生活无着，多次到村委会反映。",
    ),
    (
        DisputeKind.WAGES,
        "建房工钱拖欠纠纷",
        "{a}为{b}家建房务工两个月，尚有工钱八千元未结清，{a}扬言到镇政府讨要说法。",
    ),
    (
        DisputeKind.EXPROPRIATION,
        "修路占地补偿分配争议",
        "乡村道路拓宽占用{a}家与{b}家地头，双方对补偿款如何分配意见不一。",
    ),
    (
        DisputeKind.ENVIRONMENT,
        "养殖场异味影响邻居生活",
        "{b}家在村边建养鸡场，{a}等邻近住户反映异味、蚊蝇严重，要求搬迁。",
    ),
    (
        DisputeKind.DAMAGES,
        "放养家禽毁坏庄稼",
        "{b}家放养的鸭子多次进入{a}家麦田，毁坏麦苗约半亩，{a}要求赔偿。",
    ),
)

CHECKLIST_SKIP = 2  # villages left without a report, so progress is visibly partial


@dataclass
class MediationDemoResult:
    campaigns: int
    disputes: int
    mediations: int
    agreements: int


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _village_cadre(village: Region) -> User | None:
    grant = (
        RoleAssignment.objects.filter(region=village, role=Role.VILLAGE_CADRE).select_related("user").first()
    )
    return grant.user if grant else None


def _backdate(d: Dispute) -> None:
    """Date the timeline by the steps' own dates (the services stamp it with the time they ran)."""
    d.refresh_from_db()
    m = d.mediations.order_by("number").first()
    a = d.agreements.first()
    sessions = list(
        Session.objects.filter(mediation__dispute=d)
        .order_by("held_on", "id")
        .values_list("held_on", flat=True)
    )
    follow = a.follow_ups.values_list("checked_on", flat=True).first() if a else None
    when: dict[str, datetime.date | None] = {
        EventKind.RECORDED: d.found_on,
        EventKind.PARTY: d.found_on,
        EventKind.RISK: d.found_on,
        EventKind.STARTED: m.started_on if m else None,
        EventKind.REFUSED: m.ended_on if m else None,
        EventKind.ENDED: m.ended_on if m else None,
        EventKind.AGREED: a.reached_on if a else None,
        EventKind.SIGNED: a.effective_on if a else None,
        EventKind.EFFECTIVE: a.effective_on or a.reached_on if a else None,
        EventKind.JUDICIAL: a.judicial_applied_on if a else None,
        EventKind.FOLLOW_UP: follow,
        EventKind.CLOSED: d.closed_on,
    }
    tz = timezone.get_current_timezone()
    last = d.found_on
    for i, e in enumerate(d.events.order_by("at", "id")):
        on = sessions.pop(0) if e.kind == EventKind.SESSION and sessions else when.get(e.kind)
        last = max(last, on or last)
        e.at = datetime.datetime.combine(last, datetime.time(9, 0), tz) + datetime.timedelta(minutes=7 * i)
        e.save(update_fields=["at"])


def demo_mediation(
    *, township: Region, seed: int = 2026, as_of: datetime.date | None = None, count: int = 20
) -> MediationDemoResult:
    rng = Random(seed + 17)
    today = timezone.localdate()
    as_of = min(as_of or today, today)
    officer, mediator = _user("officer"), _user("mediator")
    if officer is None:
        return MediationDemoResult(0, 0, 0, 0)
    mediator = mediator or officer

    def ago(days: int) -> datetime.date:
        return as_of - datetime.timedelta(days=days)

    villages = list(
        Region.objects.filter(subtree_q(township.path, "path"), level=Level.VILLAGE, is_active=True).order_by(
            "path"
        )
    )
    households: dict[int, list[Household]] = {}
    for village in villages:
        found = list(
            Household.objects.filter(subtree_q(village.path), head__isnull=False)
            .select_related("head")
            .order_by("code")[:60]
        )
        if len(found) >= 2:
            households[village.pk] = found
    usable = [v for v in villages if v.pk in households]
    if not usable:
        return MediationDemoResult(0, 0, 0, 0)

    campaign = Campaign.objects.filter(region=township, title__endswith="矛盾纠纷大排查").first()
    if campaign is None:
        campaign = services.campaign_create(
            actor=officer,
            region=township,
            title=f"{as_of.year}年{as_of.month}月矛盾纠纷大排查",
            starts_on=ago(20),
            ends_on=as_of + datetime.timedelta(days=10),
        )

    made: list[Dispute] = []
    for n in range(count):
        village = usable[n % len(usable)]
        a, b = rng.sample(households[village.pk], 2)
        kind, title, facts = MATTERS[n % len(MATTERS)]
        flags: list[str] = []
        if rng.random() < 0.25:
            flags.append(RiskFlag.REPEATED_PETITIONS)
        if rng.random() < 0.2:
            flags.append(RiskFlag.VULNERABLE)
        if kind == DisputeKind.WAGES or rng.random() < 0.08:
            flags.append(RiskFlag.THREATS)
        if rng.random() < 0.08:
            flags.append(RiskFlag.VIOLENCE)
        in_campaign = n % 3 == 0
        found_on = ago(rng.randint(0, 18)) if in_campaign else ago(rng.randint(40, 120))
        parties = [
            services.PartyData(side=Side.A, resident=a.head),
            services.PartyData(side=Side.B, household=b),
        ]
        if kind in (DisputeKind.ENVIRONMENT, DisputeKind.EXPROPRIATION):
            parties.append(services.PartyData(side=Side.THIRD, name="村民委员会"))
        cadre = _village_cadre(village)
        d = services.dispute_create(
            actor=cadre or officer,
            data=services.DisputeData(
                region=village,
                kind=kind,
                title=title,
                facts=facts.format(a=a.head_name, b=b.head_name),
                people_involved=rng.choice((2, 2, 3, 4, 6, 12, 35)),
                risk_flags=flags,
                stabilizer=cadre or officer,
                resolver=mediator,
                found_on=found_on,
                campaign=campaign if in_campaign and found_on >= campaign.starts_on else None,
                parties=parties,
            ),
        )
        made.append(d)

    # Villages report: those with disputes were marked by the disputes themselves; most others report nothing.
    reported = {v for v in campaign.disputes.values_list("region_id", flat=True)}
    for village in villages[: max(0, len(villages) - CHECKLIST_SKIP)]:
        if village.pk in reported:
            continue
        services.campaign_village_report(
            actor=_village_cadre(village) or officer,
            campaign=campaign,
            village=village,
            outcome=VillageOutcome.NONE_FOUND,
            checked_items=campaign.checklist,
            note="逐户走访，未发现矛盾纠纷。",
        )

    old = sorted((d for d in made if d.found_on <= ago(40)), key=lambda d: d.found_on)
    mediations = agreements = 0

    def start(d: Dispute, on: datetime.date, mode: str = StartMode.INITIATIVE) -> None:
        nonlocal mediations
        applicant = d.parties.filter(side=Side.A).first() if mode == StartMode.APPLICATION else None
        services.mediation_start(
            actor=mediator, dispute=d, mode=mode, mediators=[mediator], started_on=on, applicant=applicant
        )
        services.session_record(
            actor=mediator,
            dispute=d,
            held_on=on,
            place="村委会调解室",
            attendees="双方当事人、村调解员",
            minutes="双方分别陈述了事实和诉求，调解员释明有关法律政策，双方同意继续协商。",
        )
        mediations += 1

    def written(d: Dispute, reached: datetime.date, signed: datetime.date | None) -> None:
        nonlocal agreements
        a = services.agreement_record(
            actor=mediator,
            dispute=d,
            data=services.AgreementData(
                form=AgreementForm.WRITTEN,
                reached_on=reached,
                facts=d.facts,
                issues="双方争议的具体事项及损失如何承担。",
                responsibilities="甲方对纠纷发生负主要责任，乙方负次要责任。",
                terms="甲方于履行期限内恢复原状\n甲方一次性补偿乙方损失人民币壹仟伍佰元\n双方今后互谅互让，不再因此事发生争执",
                performance_manner="甲方自行恢复原状；补偿款在村调委会见证下当面交付",
                performance_deadline=reached + datetime.timedelta(days=15),
                copies=3,
            ),
        )
        agreements += 1
        if signed is None:
            return
        import io

        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGB", (200, 280), "white").save(buf, format="PNG")
        scan = check_upload("协议书签字盖章扫描件.png", io.BytesIO(buf.getvalue()), len(buf.getvalue()))
        services.agreement_sign(
            actor=mediator,
            agreement=a,
            parties=list(d.parties.all()),
            signed_on=signed,
            mediator_signed=True,
            sealed=True,
            scan=scan,
        )
        services.agreement_make_effective(actor=mediator, agreement=a)

    plans = [
        "window",  # effective 10 days ago: in the judicial-confirmation window
        "late",  # effective 45 days ago, applied 5 days ago with the reason
        "performed",  # effective long ago, performed, dispute closed as resolved
        "oral",
        "refused",
        "ended",
        "unsigned",
        "open",
    ]
    for d, plan in zip(old, plans, strict=False):
        if plan == "window":
            start(d, ago(14), StartMode.APPLICATION)
            written(d, ago(12), ago(10))
        elif plan == "late":
            start(d, ago(39))
            written(d, ago(38), ago(36))
            agreement = d.agreements.get()
            services.agreement_judicial_apply(
                actor=mediator,
                agreement=agreement,
                applied_on=ago(2),
                court="兰考县人民法院",
                note="一方当事人外出务工，返乡后双方才共同提出申请。",
            )
        elif plan == "performed":
            start(d, d.found_on)
            written(d, d.found_on, d.found_on)
            agreement = d.agreements.get()
            services.agreement_follow_up(
                actor=mediator,
                agreement=agreement,
                checked_on=min(as_of, d.found_on + datetime.timedelta(days=20)),
                result=Performance.FULFILLED,
                note="已恢复原状，补偿款已当面交付。",
                action=FollowUpAction.NONE,
            )
            d.refresh_from_db()
            services.dispute_close(
                actor=officer,
                dispute=d,
                version=d.version,
                outcome=DisputeStatus.RESOLVED,
                note="调解协议已履行完毕，双方关系缓和。",
            )
        elif plan == "oral":
            start(d, ago(30))
            services.agreement_record(
                actor=mediator,
                dispute=d,
                data=services.AgreementData(
                    form=AgreementForm.ORAL,
                    reached_on=ago(30),
                    facts=d.facts,
                    terms="双方当场互相道歉，各自清理门前杂物。",
                ),
            )
            agreements += 1
        elif plan == "refused":
            start(d, ago(25))
            services.mediation_refuse(
                actor=mediator,
                dispute=d,
                party=d.parties.filter(side=Side.B).first() or d.parties.first(),  # type: ignore[arg-type]
                refused_on=ago(24),
                note="表示要直接到法院起诉，不同意调解。",
            )
        elif plan == "ended":
            start(d, ago(20))
            services.mediation_end(
                actor=mediator, dispute=d, reason="经三次调解，双方对补偿数额分歧过大。", ended_on=ago(8)
            )
            d.refresh_from_db()
            services.dispute_close(
                actor=officer,
                dispute=d,
                version=d.version,
                outcome=DisputeStatus.TRANSFERRED,
                note="转镇司法所依法处理。",
            )
        elif plan == "unsigned":
            start(d, ago(6))
            written(d, ago(3), None)
        elif plan == "open":
            start(d, ago(2))
    for d in made:
        _backdate(d)
    # One dispute handed on as a request, so the link shows both ways.
    recent = [d for d in made if d.status == DisputeStatus.FOUND and d.petition_id is None]
    if recent:
        services.dispute_to_petition(actor=officer, dispute=recent[-1], note="当事人要求镇政府协调解决。")
    return MediationDemoResult(1, len(made), mediations, agreements)
