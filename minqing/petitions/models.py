"""诉求/信访: a request from the masses, from intake to the person's satisfaction.

One `Petition` carries the whole life of a matter, including 复查 and 复核 (its `stage`), so the resident and the
office see one timeline. Every step is a `PetitionEvent`; the petition's own fields are the current state that lists
filter and sort on (status, level, due date), kept in step by the services in one transaction with the event.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minqing.accounts.models import Department
from minqing.core.models import TimeStampedModel, Versioned
from minqing.core.privacy import mask_id_number, mask_phone
from minqing.regions.models import Level as RegionLevel
from minqing.regions.models import Region


class HandlingLevel(models.TextChoices):
    """小事不出村、大事不出乡、矛盾不上交: where a matter is handled, lowest first."""

    VILLAGE = "village", _("村")
    TOWNSHIP = "township", _("乡镇")
    COUNTY = "county", _("县及以上")


LEVEL_ORDER = {HandlingLevel.VILLAGE: 0, HandlingLevel.TOWNSHIP: 1, HandlingLevel.COUNTY: 2}
# The region path of the level that handles a matter is a prefix of the matter's own region path.
LEVEL_REGION = {
    HandlingLevel.VILLAGE: RegionLevel.VILLAGE,
    HandlingLevel.TOWNSHIP: RegionLevel.TOWNSHIP,
    HandlingLevel.COUNTY: RegionLevel.COUNTY,
}


class Channel(models.TextChoices):
    VISIT = "visit", _("来访")
    LETTER = "letter", _("来信")
    PHONE = "phone", _("电话")
    ONLINE = "online", _("网上")
    FOUND = "found", _("走访发现")
    RECEPTION = "reception", _("领导接访")
    HOTLINE = "hotline", _("12345转办")
    ASSIGNED = "assigned", _("上级交办")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class Status(models.TextChoices):
    REGISTERED = "registered", _("待受理")
    ACCEPTED = "accepted", _("办理中")
    REPLIED = "replied", _("已答复待回访")
    CLOSED = "closed", _("已办结")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = (Status.REGISTERED, Status.ACCEPTED, Status.REPLIED)


class Stage(models.TextChoices):
    INITIAL = "initial", _("初次办理")
    REVIEW = "review", _("复查")
    REREVIEW = "rereview", _("复核")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class DueKind(models.TextChoices):
    ACCEPT = "accept", _("受理告知")
    CONCLUDE = "conclude", _("办结")
    REVIEW = "review", _("复查答复")
    REREVIEW = "rereview", _("复核答复")
    FOLLOW_UP = "follow_up", _("回访")


class DeadlineKind(models.TextChoices):
    ACCEPT = "accept", _("受理告知（登记后）")
    CONCLUDE = "conclude", _("办结（受理后）")
    EXTENSION = "extension", _("延期（最多）")
    REVIEW_REQUEST = "review_request", _("申请复查（答复后）")
    REVIEW = "review", _("复查答复（申请后）")
    REREVIEW_REQUEST = "rereview_request", _("申请复核（复查答复后）")
    REREVIEW = "rereview", _("复核答复（申请后）")
    FOLLOW_UP = "follow_up", _("回访（答复后）")
    REOPEN = "reopen", _("重办（重新办理后）")
    REPEAT_WINDOW = "repeat_window", _("重复访识别窗口")


class DayUnit(models.TextChoices):
    WORKING = "working", _("工作日")
    CALENDAR = "calendar", _("自然日")


class DeadlineRule(models.Model):
    """How long each step may take. Seeded from 信访工作条例; the system administrator may change them."""

    kind = models.CharField(_("期限"), max_length=20, choices=DeadlineKind.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("天数"))
    unit = models.CharField(_("计算方式"), max_length=10, choices=DayUnit.choices, default=DayUnit.WORKING)
    basis = models.CharField(_("依据"), max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("办理期限")
        verbose_name_plural = _("办理期限")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.days} {self.get_unit_display()}"


class Category(models.Model):
    """A node of the request taxonomy; leaves are what a request is filed under and what Open311 calls a service."""

    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    code = models.SlugField(_("代码"), max_length=50, unique=True, help_text=_("Open311 的 service_code"))
    description = models.CharField(_("说明"), max_length=300, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    # 小事不出村: where a matter of this kind should first be handled; filing higher is 越级.
    proper_level = models.CharField(
        _("首办层级"), max_length=10, choices=HandlingLevel.choices, default=HandlingLevel.VILLAGE
    )
    # The seed essay's first judgement: a problem arising in reform and development.
    reform_related = models.BooleanField(_("改革发展中的问题"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")

    def __str__(self) -> str:
        if self.parent_id and self.parent is not None:
            return f"{self.parent.name} / {self.name}"
        return self.name


class Petition(TimeStampedModel, Versioned):
    """One request from the masses (诉求/信访件)."""

    tracking_code = models.CharField(_("查询码"), max_length=12, unique=True)
    channel = models.CharField(_("来源渠道"), max_length=12, choices=Channel.choices)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("分类"))
    title = models.CharField(_("标题"), max_length=100)
    content = models.TextField(_("诉求内容"))

    # Where the matter is: a village, or the township itself when it is not a village's matter.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在村/乡镇")
    )
    # No single-column index: the composite indexes below lead with it (see migration 0005 for PostgreSQL).
    region_path = models.CharField(max_length=15, editable=False)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    # Who asked. Anonymous requests keep no name; a phone is still needed to track and be called back.
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    submitter_name = models.CharField(_("诉求人"), max_length=50, blank=True)
    submitter_phone = models.CharField(_("联系电话"), max_length=20, blank=True, db_index=True)
    submitter_email = models.EmailField(_("电子邮箱"), blank=True)
    # The person's own choice, off unless they make it: public reads (Open311 without a key) may then show the
    # description and the place. Never the name, phone or e-mail.
    publish = models.BooleanField(
        _("同意公开"), default=False, help_text=_("诉求人同意公开诉求内容和地点（不含姓名、电话）")
    )
    # 信访登记 records the petitioner's ID number; shown masked, revealed in full only by an audited step.
    submitter_id_number = models.CharField(_("身份证号"), max_length=18, blank=True, db_index=True)
    resident = models.ForeignKey(
        "households.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关联居民"),
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("关联户"),
    )
    is_group = models.BooleanField(_("集体访"), default=False)
    head_count = models.PositiveIntegerField(_("人数"), default=1)
    representatives = models.CharField(_("代表"), max_length=200, blank=True)

    # Routing.
    level = models.CharField(_("办理层级"), max_length=10, choices=HandlingLevel.choices)
    intake_level = models.CharField(_("登记层级"), max_length=10, choices=HandlingLevel.choices)
    # The region path of the level now handling it; who may act is decided against this path.
    # No single-column index: the composite indexes below lead with it too (see migration 0005 for PostgreSQL).
    handler_path = models.CharField(max_length=15, editable=False)
    # 越级: taken to the county or above while a lower organ (the township, the lowest 信访 organ) is competent.
    is_skip_level = models.BooleanField(_("越级"), default=False)
    # The softer hint: a village's matter brought to the township, which the village committee could settle.
    village_could_settle = models.BooleanField(_("可在村解决"), default=False)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("承办部门"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办人"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    # State and clocks.
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
    stage = models.CharField(_("办理阶段"), max_length=10, choices=Stage.choices, default=Stage.INITIAL)
    registered_on = models.DateField(_("登记日期"))
    accept_due = models.DateField(_("受理告知期限"))
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    conclude_due = models.DateField(_("办结期限"), null=True, blank=True)
    not_accepted_reason = models.TextField(_("不予受理理由"), blank=True)
    extension_days = models.PositiveSmallIntegerField(_("延期天数"), default=0)
    extension_reason = models.CharField(_("延期理由"), max_length=300, blank=True)
    extension_requested_days = models.PositiveSmallIntegerField(_("申请延期天数"), default=0)
    extension_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    reply_text = models.TextField(_("答复意见"), blank=True)
    review_requested_on = models.DateField(_("申请复查/复核日期"), null=True, blank=True)
    review_due = models.DateField(_("复查/复核答复期限"), null=True, blank=True)
    followup_due = models.DateField(_("回访期限"), null=True, blank=True)
    # The clock lists sort and filter on: the deadline of whatever is due next, null when nothing is.
    due_date = models.DateField(_("当前期限"), null=True, blank=True)
    due_kind = models.CharField(_("期限类型"), max_length=10, choices=DueKind.choices, blank=True)
    due_uncertain = models.BooleanField(_("期限待核"), default=False)
    reminded_on = models.DateField(null=True, blank=True, editable=False)
    escalated_on = models.DateField(null=True, blank=True, editable=False)

    # The person's judgement.
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)

    # Closure: the four 80% judgements and the level that finally solved it.
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    j_reform = models.BooleanField(_("改革发展中的问题"), null=True, blank=True)
    j_justified = models.BooleanField(_("有理或有实际困难"), null=True, blank=True)
    j_solvable = models.BooleanField(_("可以解决"), null=True, blank=True)
    j_grassroots = models.BooleanField(_("基层应解决可解决"), null=True, blank=True)
    solved_level = models.CharField(_("解决层级"), max_length=10, choices=HandlingLevel.choices, blank=True)

    # Repeats and merges: originals are never deleted, only linked.
    is_repeat = models.BooleanField(_("重复访"), default=False)
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name=_("重复于"),
        db_index=False,  # see the partial index in Meta
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("并入"),
        db_index=False,  # see the partial index in Meta
    )

    # Where it came from when not typed in by staff: an Open311 client's key name.
    source_client = models.CharField(_("接口来源"), max_length=50, blank=True)

    class Meta:
        ordering = ["-registered_on", "-id"]
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        indexes = [
            models.Index(fields=["region_path", "status", "due_date"], name="petition_region_status_due"),
            models.Index(fields=["handler_path", "status", "due_date"], name="petition_handler_status_due"),
            models.Index(fields=["region_path", "registered_on"], name="petition_region_registered"),
            models.Index(fields=["status", "due_date"], name="petition_status_due"),
            # The work list's order: newest first, so a page of a large scope is read off the index.
            models.Index(fields=["-registered_on", "-id"], name="petition_registered_desc"),
            # Few requests are repeats or merged: index only those, or the planner thinks the column useless.
            models.Index(
                fields=["repeat_of"], condition=Q(repeat_of__isnull=False), name="petition_repeat_of_set"
            ),
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="petition_merged_into_set",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(head_count__gte=1), name="petition_head_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.submitter_phone)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.submitter_id_number)

    @property
    def place_label(self) -> str:
        """The full place (township · village): village names repeat across townships."""
        region = self.region
        if region.level > RegionLevel.TOWNSHIP and region.parent is not None:
            return f"{region.parent.name} · {region.name}"
        return region.name

    @property
    def submitter_label(self) -> str:
        if self.is_anonymous:
            return str(_("匿名"))
        return self.submitter_name or "—"

    @property
    def judgements(self) -> list[tuple[str, bool | None]]:
        return [
            (str(_("改革发展中的问题")), self.j_reform),
            (str(_("有理或有实际困难")), self.j_justified),
            (str(_("可以解决")), self.j_solvable),
            (str(_("基层应解决可解决")), self.j_grassroots),
        ]


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("登记")
    ACCEPTED = "accepted", _("受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    ROUTED_UP = "routed_up", _("上报")
    ROUTED_DOWN = "routed_down", _("交办下级")
    RETURNED = "returned", _("退回下级")
    TRANSFERRED = "transferred", _("转其他乡镇")
    ASSIGNED = "assigned", _("指定承办")
    RECATEGORISED = "recategorised", _("调整分类")
    PROGRESS = "progress", _("办理进展")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("批准延期")
    EXTENSION_REFUSED = "extension_refused", _("不批准延期")
    REPLIED = "replied", _("答复")
    FOLLOWED_UP = "followed_up", _("回访")
    RATED = "rated", _("评价")
    REOPENED = "reopened", _("重新办理")
    REVIEW_REQUESTED = "review_requested", _("申请复查")
    REREVIEW_REQUESTED = "rereview_requested", _("申请复核")
    CLOSED = "closed", _("办结")
    LINKED = "linked", _("关联重复件")
    MERGED = "merged", _("合并")
    ATTACHMENT = "attachment", _("附件")
    REMINDED = "reminded", _("到期提醒")
    ESCALATED = "escalated", pgettext_lazy("overdue escalation", "超期督办")
    URGED = "urged", _("督办")
    COMMENT = "comment", _("备注")


class PetitionEvent(models.Model):
    """One step of the handling record. Public events are shown to the person on the track page."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)
    public_note = models.TextField(blank=True)
    is_public = models.BooleanField(default=False)
    from_level = models.CharField(max_length=10, choices=HandlingLevel.choices, blank=True)
    to_level = models.CharField(max_length=10, choices=HandlingLevel.choices, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Never the uploaded name: it is user input. The checked type decides the extension.
    return f"petitions/{instance.petition_id}/{instance.sha256[:16]}.{instance.extension}"


class Attachment(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=50)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class ReceptionDay(TimeStampedModel):
    """领导接访日: a leader receives petitioners at a set time and place."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇"))
    region_path = models.CharField(max_length=15, db_index=True, editable=False)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("接访领导")
    )
    leader_title = models.CharField(_("职务"), max_length=50, blank=True)
    date = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=100)
    topics = models.CharField(_("接访重点"), max_length=200, blank=True)
    is_public = models.BooleanField(_("对外公布"), default=True)
    outcome = models.TextField(_("接访情况"), blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        verbose_name = _("领导接访日")
        verbose_name_plural = _("领导接访日")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.place}"


class ReceptionRegistration(TimeStampedModel):
    """A booking for a reception day: made at the desk by staff, or by the resident on the public page (online,
    with a slot and a code to quote on the day)."""

    day = models.ForeignKey(ReceptionDay, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20)
    topic = models.CharField(_("反映事项"), max_length=200)
    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在村（社区）"),
    )
    slot = models.TimeField(_("预约时段"), null=True, blank=True)
    online = models.BooleanField(_("网上预约"), default=False)
    code = models.CharField(_("预约号"), max_length=10, blank=True, db_index=True)
    attended = models.BooleanField(_("到场"), default=False)
    petition = models.ForeignKey(
        Petition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记的诉求"),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("接访预约")
        verbose_name_plural = _("接访预约")

    def __str__(self) -> str:
        return f"{self.name} {self.topic}"
