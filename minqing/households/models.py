from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minqing.core.models import TimeStampedModel, Versioned
from minqing.core.privacy import mask_id_number, mask_phone
from minqing.regions.models import Region


class TagScope(models.TextChoices):
    HOUSEHOLD = "household", _("户")
    PERSON = "person", _("人")


class DifficultyTag(models.Model):
    """A special-difficulty label (低保户, 留守儿童, ...); configured by the system administrator."""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    applies_to = models.CharField(_("适用于"), max_length=10, choices=TagScope.choices)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("困难类别标签")
        verbose_name_plural = _("困难类别标签")

    def __str__(self) -> str:
        return self.name


class Housing(models.TextChoices):
    CONCRETE = "concrete", _("砖混/钢混")
    BRICK_WOOD = "brick_wood", _("砖木")
    EARTH = "earth", _("土木/土坯")
    UNSAFE_C = "unsafe_c", _("危房(C级)")
    UNSAFE_D = "unsafe_d", _("危房(D级)")
    NONE = "none", _("无房/借住")
    OTHER = "other", _("其他")


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    CLOSED = "closed", _("已注销")


class Household(TimeStampedModel, Versioned):
    """户: the unit cadres know — who lives there, what land it farms, what difficulties it has."""

    code = models.CharField(_("户编号"), max_length=32, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("村/组"))
    region_path = models.CharField(max_length=15, db_index=True, editable=False)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    head = models.ForeignKey(
        "Resident", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("户主")
    )
    head_name = models.CharField(_("户主姓名"), max_length=50, blank=True, db_index=True)
    housing = models.CharField(_("住房状况"), max_length=20, choices=Housing.choices, blank=True)
    land_farmland = models.DecimalField(_("耕地(亩)"), max_digits=8, decimal_places=2, default=Decimal("0"))
    land_forest = models.DecimalField(_("林地(亩)"), max_digits=8, decimal_places=2, default=Decimal("0"))
    land_garden = models.DecimalField(_("园地(亩)"), max_digits=8, decimal_places=2, default=Decimal("0"))
    land_homestead = models.DecimalField(
        _("宅基地(亩)"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    tags = models.ManyToManyField(
        DifficultyTag, blank=True, related_name="households", verbose_name=_("困难类别")
    )
    notes = models.TextField(_("备注"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE
    )
    split_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="splits",
        verbose_name=_("分户自"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("户")
        verbose_name_plural = _("户")
        indexes = [models.Index(fields=["region_path", "code"], name="household_region_code_idx")]

    def __str__(self) -> str:
        return f"{self.head_name or '—'}户 ({self.code})"

    @property
    def land_total(self) -> Decimal:
        return self.land_farmland + self.land_forest + self.land_garden


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    SON = "son", pgettext_lazy("relation to head", "子")
    DAUGHTER = "daughter", pgettext_lazy("relation to head", "女")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    PARENT = "parent", _("父母")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Living(models.TextChoices):
    HOME = "home", _("在家")
    AWAY_WORK = "away_work", _("外出务工")
    AWAY_STUDY = "away_study", _("外出就学")
    AWAY_OTHER = "away_other", _("其他外出")


class Resident(TimeStampedModel, Versioned):
    """A person registered in a household. `household` is where they belong now; Membership keeps the past."""

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("户"),
    )
    region_path = models.CharField(max_length=15, db_index=True, editable=False)
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, db_index=True, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True, default="汉族")
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True, null=True, blank=True)
    # Reversed copies turn "ends with 1234" into a prefix range on an index.
    id_rev = models.CharField(max_length=18, db_index=True, blank=True, editable=False)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    phone_rev = models.CharField(max_length=20, db_index=True, blank=True, editable=False)
    relation = models.CharField(
        _("与户主关系"), max_length=20, choices=Relation.choices, default=Relation.OTHER
    )
    living = models.CharField(_("居住状态"), max_length=20, choices=Living.choices, default=Living.HOME)
    is_deceased = models.BooleanField(_("已故"), default=False)
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    tags = models.ManyToManyField(
        DifficultyTag, blank=True, related_name="residents", verbose_name=_("困难类别")
    )
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = _("居民")
        verbose_name_plural = _("居民")

    def __str__(self) -> str:
        return self.name

    @property
    def id_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class MoveReason(models.TextChoices):
    REGISTERED = "registered", _("建档登记")
    BIRTH = "birth", _("出生")
    MOVE_IN = "move_in", _("迁入")
    MOVE_OUT = "move_out", _("迁出")
    MARRIAGE = "marriage", _("婚嫁")
    SPLIT = "split", _("分户")
    DEATH = "death", _("死亡")


class Membership(models.Model):
    """One stay of a resident in a household; the open one (no end) is the current household."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices)
    started_on = models.DateField(_("起"))
    start_reason = models.CharField(_("原因"), max_length=20, choices=MoveReason.choices)
    ended_on = models.DateField(_("止"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=20, choices=MoveReason.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["started_on", "id"]
        verbose_name = _("户成员变动")
        verbose_name_plural = _("户成员变动")
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(ended_on__isnull=True),
                name="one_open_membership_per_resident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}@{self.household_id} {self.started_on}–{self.ended_on or ''}"


class RelationKind(models.TextChoices):
    KIN = "kin", _("亲属")
    NEIGHBOUR = "neighbour", _("邻里")
    FEUD = "feud", _("过结")


class Severity(models.IntegerChoices):
    MILD = 1, _("一般")
    SERIOUS = 2, _("较重")
    GRAVE = 3, _("严重")


class FeudStatus(models.TextChoices):
    ACTIVE = "active", _("未化解")
    EASED = "eased", _("有缓和")
    RESOLVED = "resolved", _("已化解")


class HouseholdRelation(TimeStampedModel, Versioned):
    """A tie between two households. For 过结 it says what about, since when, how bad, and where it stands."""

    kind = models.CharField(_("关系"), max_length=10, choices=RelationKind.choices)
    household_a = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="relations_as_a")
    household_b = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="relations_as_b")
    subject = models.CharField(_("事由"), max_length=200, blank=True)
    since = models.DateField(_("起始时间"), null=True, blank=True)
    severity = models.PositiveSmallIntegerField(
        _("严重程度"), choices=Severity.choices, null=True, blank=True
    )
    status = models.CharField(_("状态"), max_length=10, choices=FeudStatus.choices, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("户间关系")
        verbose_name_plural = _("户间关系")
        constraints = [
            models.CheckConstraint(condition=~Q(household_a=F("household_b")), name="relation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.household_a_id}–{self.household_b_id} {self.get_kind_display()}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("已校验，待确认")
    APPLYING = "applying", _("导入中")
    APPLIED = "applied", _("已导入")
    FAILED = "failed", _("无法读取")
    CANCELLED = "cancelled", _("已取消")


class ImportJob(TimeStampedModel):
    """An uploaded household workbook: validated first, applied only when the user confirms."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=15, db_index=True, editable=False)
    file_name = models.CharField(_("文件名"), max_length=255)
    content = models.BinaryField(editable=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # Summary of what applying would do / did: counts of households and residents created and updated.
    summary = models.JSONField(default=dict, blank=True)
    # Every problem found: [{"sheet": ..., "row": n, "column": ..., "message": ...}], in file order.
    errors = models.JSONField(default=list, blank=True)
    error_message = models.TextField(blank=True)
    apply_good_rows = models.BooleanField(default=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Renewed by the worker while it validates, and when it begins to apply: a running job whose heartbeat is
    # older than the lease has lost its worker (jobs.import_jobs_sweep_stale).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Failed because its worker stopped, not because of the file: the file is kept so the user can retry.
    interrupted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return self.file_name

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))
