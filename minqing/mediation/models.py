"""矛盾纠纷排查调处: 大排查 campaigns, disputes and their parties, and 人民调解 under the 人民调解法 (2010).

A Dispute is what a cadre found (or a request turned into); a Mediation is one attempt to settle it (started on a
party's application or on the committee's initiative, Art 17); its Agreement (written or oral, Art 28–30) carries
the judicial-confirmation window (Art 33) and the follow-up of its performance (Art 31). A broken agreement opens a
new Mediation on the same Dispute, so every attempt stays on record (Art 27).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minqing.core.models import TimeStampedModel, Versioned
from minqing.households.models import Household, HouseholdRelation, Resident
from minqing.regions.models import Region

# Art 33: the parties may jointly apply for judicial confirmation within 30 days of the agreement taking effect.
JUDICIAL_WINDOW_DAYS = 30

# The 大排查 checklist a new campaign starts from; each campaign keeps its own copy and may change it.
DEFAULT_CHECKLIST = (
    "土地承包经营",
    "宅基地与建房",
    "婚姻家庭与赡养",
    "邻里纠纷",
    "征地拆迁补偿",
    "劳资纠纷与讨薪",
    "企业改制",
    "环境污染",
    "山林水利",
    "涉众型经济纠纷",
)


class DisputeKind(models.TextChoices):
    LAND_CONTRACT = "land_contract", _("土地承包")
    HOMESTEAD = "homestead", _("宅基地")
    FAMILY = "family", _("婚姻家庭")
    NEIGHBOUR = "neighbour", _("邻里")
    EXPROPRIATION = "expropriation", _("征地拆迁")
    WAGES = "wages", _("劳资/讨薪")
    ENTERPRISE = "enterprise", _("企业改制")
    ENVIRONMENT = "environment", _("环境")
    DAMAGES = "damages", _("损害赔偿")
    OTHER = "other", _("其他")


class RiskLevel(models.IntegerChoices):
    LOW = 1, _("低")
    MEDIUM = 2, _("中")
    HIGH = 3, _("高")
    MAJOR = 4, _("重大")


class RiskFlag(models.TextChoices):
    """Why a dispute may escalate (人民调解法 Art 25). HEAD_COUNT is derived from the number of people involved."""

    HEAD_COUNT = "head_count", _("涉及人数多")
    THREATS = "threats", _("扬言采取极端行为")
    REPEATED_PETITIONS = "repeated_petitions", _("反复上访")
    VULNERABLE = "vulnerable", _("涉及老弱病残孕等弱势人员")
    VIOLENCE = "violence", _("已有肢体冲突")
    WEAPONS = "weapons", _("涉及管制刀具、危险物品")
    ONLINE = "online", _("网络炒作")


# Flags that on their own make a dispute at least 高.
GRAVE_FLAGS = frozenset({RiskFlag.THREATS, RiskFlag.WEAPONS})
HEAD_COUNT_FLAG_AT = 5  # 群体性: five people or more
HEAD_COUNT_MAJOR_AT = 30


class DisputeStatus(models.TextChoices):
    FOUND = "found", _("排查发现")
    MEDIATING = "mediating", _("调解中")
    AGREED = "agreed", _("已达成协议")
    RESOLVED = "resolved", _("已化解")
    ENDED = "ended", _("调解终止")
    TRANSFERRED = "transferred", _("未化解转办")


OPEN_DISPUTE_STATUSES = (
    DisputeStatus.FOUND,
    DisputeStatus.MEDIATING,
    DisputeStatus.AGREED,
    DisputeStatus.ENDED,
)


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("排查中")
    CLOSED = "closed", _("已结束")


class Campaign(TimeStampedModel):
    """大排查: a township's screening of its villages (all, or those chosen) over a period against a checklist."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇"))
    region_path = models.CharField(max_length=15, db_index=True, editable=False)
    title = models.CharField(_("名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    checklist = models.JSONField(_("排查事项"), default=list)
    # Which villages owe a report are its CampaignVillage rows; this says why those (along a new road, around a
    # demolition). Empty for a campaign of the whole township.
    area = models.CharField(_("排查范围"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("矛盾纠纷大排查")
        verbose_name_plural = _("矛盾纠纷大排查")

    def __str__(self) -> str:
        return self.title


class VillageOutcome(models.TextChoices):
    PENDING = "pending", _("未报告")
    NONE_FOUND = "none_found", _("未发现矛盾纠纷")
    FOUND = "found", _("发现矛盾纠纷")


class CampaignVillage(TimeStampedModel):
    """One village's report in a campaign: nothing found, or the disputes found (Dispute.campaign)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="villages")
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("村"))
    region_path = models.CharField(max_length=15, db_index=True, editable=False)
    outcome = models.CharField(
        _("排查结果"), max_length=12, choices=VillageOutcome.choices, default=VillageOutcome.PENDING
    )
    checked_items = models.JSONField(_("已排查事项"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign_id", "region_path"]
        verbose_name = _("村排查报告")
        verbose_name_plural = _("村排查报告")
        constraints = [models.UniqueConstraint(fields=["campaign", "village"], name="campaign_village_once")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.village_id} {self.outcome}"


class Dispute(TimeStampedModel, Versioned):
    """矛盾纠纷: what it is about, who is in it, how likely it is to escalate, and who keeps it calm and settles it."""

    code = models.CharField(_("编号"), max_length=20, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("村"))
    region_path = models.CharField(max_length=15, db_index=True, editable=False)
    kind = models.CharField(_("纠纷类型"), max_length=20, choices=DisputeKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    facts = models.TextField(_("基本事实"))
    people_involved = models.PositiveIntegerField(_("涉及人数"), default=2)
    risk_flags = models.JSONField(_("风险因素"), default=list, blank=True)
    risk_level = models.PositiveSmallIntegerField(
        _("风险等级"), choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    risk_note = models.CharField(_("风险说明"), max_length=300, blank=True)
    prevention = models.TextField(_("稳控措施"), blank=True)
    police_informed = models.BooleanField(_("已报告公安机关"), default=False)
    stabilizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("稳控责任人"),
    )
    resolver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("化解责任人"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.FOUND
    )
    found_on = models.DateField(_("发现日期"))
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    close_note = models.TextField(_("办结说明"), blank=True)
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("大排查"),
    )
    petition = models.ForeignKey(
        "petitions.Petition",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("关联诉求"),
    )
    feuds = models.ManyToManyField(HouseholdRelation, blank=True, related_name="disputes")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-found_on", "-id"]
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        indexes = [
            models.Index(fields=["region_path", "status"], name="dispute_region_status_idx"),
            # The list's order (riskiest, then latest): a county-wide page walks this index instead of sorting.
            models.Index(fields=["risk_level", "found_on"], name="dispute_risk_found_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPUTE_STATUSES

    def flag_labels(self) -> list[str]:
        return [str(RiskFlag(f).label) for f in self.risk_flags if f in RiskFlag.values]


class Side(models.TextChoices):
    A = "a", _("甲方")
    B = "b", _("乙方")
    THIRD = "third", _("第三人")


class DisputeParty(TimeStampedModel):
    """A party: a registered resident, a registered household, or someone from outside the registry by name."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("方"), max_length=6, choices=Side.choices)
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("居民")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("户")
    )
    name = models.CharField(_("姓名/名称"), max_length=100)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["side", "id"]
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        indexes = [models.Index(fields=["household"], name="party_household_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_outside(self) -> bool:
        return self.resident_id is None and self.household_id is None


class StartMode(models.TextChoices):
    APPLICATION = "application", _("当事人申请")
    INITIATIVE = "initiative", _("调委会主动调解")


class MediationStatus(models.TextChoices):
    OPEN = "open", _("调解中")
    REFUSED = "refused", _("当事人拒绝调解")
    AGREED = "agreed", _("达成协议")
    ENDED = "ended", _("调解不成终止")


class Mediation(TimeStampedModel):
    """One attempt at 人民调解 of a dispute."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="mediations")
    number = models.PositiveSmallIntegerField(_("第几次调解"), default=1)
    start_mode = models.CharField(_("启动方式"), max_length=12, choices=StartMode.choices)
    applicant = models.ForeignKey(
        DisputeParty,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申请人"),
    )
    started_on = models.DateField(_("受理日期"))
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("人民调解员")
    )
    committee = models.CharField(_("人民调解委员会"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=10, choices=MediationStatus.choices, default=MediationStatus.OPEN
    )
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.TextField(_("终止原因"), blank=True)
    routes_told = models.TextField(_("告知的救济途径"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["dispute_id", "number"]
        verbose_name = _("人民调解")
        verbose_name_plural = _("人民调解")
        constraints = [
            models.UniqueConstraint(
                fields=["dispute"], condition=Q(status="open"), name="one_open_mediation_per_dispute"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}#{self.number}"


class Refusal(models.Model):
    """A party declined mediation (Art 17): the mediation cannot proceed."""

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="refusals")
    party = models.ForeignKey(
        DisputeParty, on_delete=models.PROTECT, related_name="+", verbose_name=_("当事人")
    )
    refused_on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["refused_on", "id"]
        verbose_name = _("拒绝调解")
        verbose_name_plural = _("拒绝调解")

    def __str__(self) -> str:
        return f"{self.mediation_id}: {self.party_id}"


class Session(models.Model):
    """A mediation meeting and its minutes (调解笔录)."""

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("调解日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    attendees = models.CharField(_("参加人员"), max_length=300, blank=True)
    minutes = models.TextField(_("调解笔录"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_on", "id"]
        verbose_name = _("调解笔录")
        verbose_name_plural = _("调解笔录")

    def __str__(self) -> str:
        return f"{self.mediation_id} {self.held_on}"


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("书面协议")
    ORAL = "oral", _("口头协议")


class Performance(models.TextChoices):
    PENDING = "pending", _("履行中")
    PARTLY = "partly", _("部分履行")
    FULFILLED = "fulfilled", _("已履行")
    BROKEN = "broken", _("未履行（反悔）")


class JudicialResult(models.TextChoices):
    CONFIRMED = "confirmed", _("裁定确认有效")
    REJECTED = "rejected", _("裁定驳回申请")


def scan_path(instance: "Agreement", filename: str) -> str:
    # Never the uploaded name: it is user input. The checked type decides the extension.
    return f"mediation/{instance.dispute_id}/{instance.scan_sha256[:16]}.{instance.scan_extension}"


class Agreement(TimeStampedModel):
    """人民调解协议 (Art 28–33). A written one takes effect when every party and the mediator have signed and the
    committee has sealed it; an oral one when it is reached."""

    mediation = models.OneToOneField(Mediation, on_delete=models.CASCADE, related_name="agreement")
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="agreements")
    number = models.CharField(_("协议编号"), max_length=130, unique=True)  # a committee's name is up to 100
    form = models.CharField(_("协议形式"), max_length=8, choices=AgreementForm.choices)
    reached_on = models.DateField(_("达成日期"))
    facts = models.TextField(_("纠纷主要事实"))
    issues = models.TextField(_("争议事项"), blank=True)
    responsibilities = models.TextField(_("各方责任"), blank=True)
    terms = models.TextField(_("协议内容"))
    performance_manner = models.CharField(_("履行方式"), max_length=300, blank=True)
    performance_deadline = models.DateField(_("履行期限"), null=True, blank=True)
    copies = models.PositiveSmallIntegerField(_("份数"), default=3)
    mediator_name = models.CharField(_("人民调解员"), max_length=50, blank=True)
    mediator_signed_on = models.DateField(_("调解员签名日期"), null=True, blank=True)
    sealed_on = models.DateField(_("调委会盖章日期"), null=True, blank=True)
    scan = models.FileField(_("签字盖章扫描件"), upload_to=scan_path, max_length=200, blank=True)
    scan_name = models.CharField(max_length=200, blank=True)
    scan_content_type = models.CharField(max_length=50, blank=True)
    scan_extension = models.CharField(max_length=8, blank=True)
    scan_sha256 = models.CharField(max_length=64, blank=True)
    effective_on = models.DateField(_("生效日期"), null=True, blank=True, db_index=True)
    judicial_applied_on = models.DateField(_("申请司法确认日期"), null=True, blank=True)
    judicial_late = models.BooleanField(_("逾期申请"), default=False)
    judicial_note = models.TextField(_("司法确认说明"), blank=True)
    judicial_court = models.CharField(_("人民法院"), max_length=100, blank=True)
    judicial_decided_on = models.DateField(_("裁定日期"), null=True, blank=True)
    judicial_result = models.CharField(
        _("裁定结果"), max_length=10, choices=JudicialResult.choices, blank=True
    )
    performance = models.CharField(
        _("履行情况"), max_length=10, choices=Performance.choices, default=Performance.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-reached_on", "-id"]
        verbose_name = _("人民调解协议")
        verbose_name_plural = _("人民调解协议")

    def __str__(self) -> str:
        return self.number

    @property
    def judicial_window_ends(self) -> datetime.date | None:
        if self.effective_on is None:
            return None
        return self.effective_on + datetime.timedelta(days=JUDICIAL_WINDOW_DAYS)

    def judicial_days_left(self, today: datetime.date) -> int | None:
        end = self.judicial_window_ends
        return None if end is None else (end - today).days


class Signature(models.Model):
    """A party's signature (or fingerprint) on a written agreement."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatures")
    party = models.ForeignKey(DisputeParty, on_delete=models.CASCADE, related_name="+")
    signed_on = models.DateField(_("签名日期"))
    by_fingerprint = models.BooleanField(_("按指印"), default=False)

    class Meta:
        ordering = ["party_id"]
        constraints = [models.UniqueConstraint(fields=["agreement", "party"], name="one_signature_per_party")]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.party_id}"


class FollowUpAction(models.TextChoices):
    NONE = "", _("无")
    REOPEN = "reopen", _("重新调解")
    REQUEST = "request", _("转为诉求")


class FollowUp(models.Model):
    """The committee's check on how an agreement is performed (Art 31)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="follow_ups")
    checked_on = models.DateField(_("回访日期"))
    result = models.CharField(_("履行情况"), max_length=10, choices=Performance.choices)
    note = models.TextField(_("回访情况"), blank=True)
    action = models.CharField(_("后续处理"), max_length=10, choices=FollowUpAction.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["checked_on", "id"]
        verbose_name = _("履行回访")
        verbose_name_plural = _("履行回访")

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.checked_on} {self.result}"


class EventKind(models.TextChoices):
    RECORDED = "recorded", _("登记纠纷")
    PARTY = "party", _("添加当事人")
    RISK = "risk", _("风险评估")
    STARTED = "started", _("启动调解")
    REFUSED = "refused", _("当事人拒绝调解")
    SESSION = "session", _("调解")
    AGREED = "agreed", _("达成协议")
    SIGNED = "signed", _("签名盖章")
    EFFECTIVE = "effective", _("协议生效")
    JUDICIAL = "judicial", _("司法确认")
    FOLLOW_UP = "follow_up", _("履行回访")
    ENDED = "ended", _("终止调解")
    CLOSED = "closed", _("办结")
    LINKED = "linked", _("关联诉求")


class DisputeEvent(models.Model):
    """The dispute's timeline (Art 27: every step registered and archived)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    at = models.DateTimeField()  # when it was recorded
    # The day the step took place, where the step has a date of its own (a session's, an agreement's …).
    happened_on = models.DateField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.kind}"

    @property
    def recorded_later(self) -> bool:
        """Was the step written up on a later day than it took place?"""
        return self.happened_on is not None and self.happened_on != timezone.localdate(self.at)
