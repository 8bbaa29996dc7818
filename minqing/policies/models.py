"""The policy library (政策库): a policy and its versions.

A change of standard or condition is a new version from a date, never an edit of the old one, so a decision taken
under a version keeps pointing at the text it was taken under (FK to `PolicyVersion`).
"""

import datetime
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minqing.accounts.models import Department
from minqing.core.models import TimeStampedModel, Versioned
from minqing.regions.models import Region


class PolicyLevel(models.TextChoices):
    NATIONAL = "national", _("国家")
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("乡")


class Category(models.TextChoices):
    ASSISTANCE = "assistance", _("社会救助")
    DISABILITY = "disability", _("残疾人保障")
    ELDERLY = "elderly", _("养老服务")
    INSURANCE = "insurance", _("社会保险")
    MEDICAL = "medical", _("医疗保障")
    HOUSING = "housing", _("住房保障")
    AGRICULTURE = "agriculture", _("农业补贴")
    EDUCATION = "education", _("教育资助")
    CHILDREN = "children", _("儿童福利")
    CARE = "care", _("关爱服务")
    EMPLOYMENT = "employment", _("就业创业")
    OTHER = "other", _("其他")


class TargetGroup(models.TextChoices):
    """Who a policy is for, as the filter offers it; 惠及对象 on the version says it in full."""

    LOW_INCOME = "low_income", _("低收入家庭")
    EXTREME_POVERTY = "extreme_poverty", _("特困人员")
    ELDERLY = "elderly", _("老年人")
    DISABLED = "disabled", _("残疾人")
    CHILDREN = "children", _("儿童")
    STUDENTS = "students", _("学生")
    FARMERS = "farmers", _("农户")
    LEFT_BEHIND = "left_behind", _("留守人员")
    RESIDENTS = "residents", _("城乡居民")


class AmountUnit(models.TextChoices):
    PERSON_MONTH = "person_month", _("元/人·月")
    PERSON_YEAR = "person_year", _("元/人·年")
    HOUSEHOLD_MONTH = "household_month", _("元/户·月")
    HOUSEHOLD_YEAR = "household_year", _("元/户·年")
    PERSON_ONCE = "person_once", _("元/人·次")
    HOUSEHOLD_ONCE = "household_once", _("元/户·次")
    MU_YEAR = "mu_year", _("元/亩·年")


# Which region level a local policy's region must have.
LEVEL_REGION = {
    PolicyLevel.PROVINCE: 1,
    PolicyLevel.CITY: 2,
    PolicyLevel.COUNTY: 3,
    PolicyLevel.TOWNSHIP: 4,
}


class Policy(TimeStampedModel, Versioned):
    """A policy as the library lists it. What it grants, to whom and how lives in its versions."""

    name = models.CharField(_("政策名称"), max_length=120)
    doc_number = models.CharField(_("文号"), max_length=80, blank=True)
    issuer = models.CharField(_("发文机关"), max_length=120)
    level = models.CharField(_("层级"), max_length=12, choices=PolicyLevel.choices)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    # Comma-framed codes (",elderly,disabled,"): one icontains finds a group on every database.
    target_groups = models.CharField(_("惠及群体"), max_length=200, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任部门"),
    )
    source_url = models.URLField(_("原文链接"), max_length=400, blank=True)
    # Set for a local policy (县/乡, or a province's own): it applies in that region only. Empty: everywhere.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("适用区域")
    )
    region_path = models.CharField(max_length=15, blank=True, db_index=True, editable=False)
    retired_on = models.DateField(_("废止日期"), null=True, blank=True)
    retire_reason = models.CharField(_("废止原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("惠民政策")
        verbose_name_plural = _("惠民政策")
        constraints = [
            models.UniqueConstraint(fields=["name", "region_path"], name="policy_unique_name_in_region"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def target_list(self) -> list[str]:
        return [t for t in self.target_groups.split(",") if t]

    @property
    def target_labels(self) -> list[str]:
        labels = dict(TargetGroup.choices)
        return [str(labels.get(t, t)) for t in self.target_list]


def in_force_q(day: datetime.date, prefix: str = "") -> Q:
    """Versions (or, with prefix "versions__", policies having a version) in force on `day`."""
    return Q(**{f"{prefix}effective_from__lte": day}) & (
        Q(**{f"{prefix}effective_until__isnull": True}) | Q(**{f"{prefix}effective_until__gte": day})
    )


class PolicyVersion(models.Model):
    """What a policy grants from `effective_from`: the standard, the conditions and how to apply.

    The version in force on a day is the one whose period holds it; periods of one policy never overlap."""

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="versions", verbose_name=_("政策")
    )
    number = models.PositiveIntegerField(_("版本"))
    effective_from = models.DateField(_("施行日期"))
    effective_until = models.DateField(_("截止日期"), null=True, blank=True)
    beneficiaries = models.TextField(_("惠及对象"))
    conditions = models.TextField(_("申报条件"), blank=True)
    standard = models.TextField(_("补助标准"), blank=True)
    amount = models.DecimalField(_("补助金额"), max_digits=10, decimal_places=2, null=True, blank=True)
    amount_unit = models.CharField(_("金额单位"), max_length=16, choices=AmountUnit.choices, blank=True)
    amount_year = models.PositiveSmallIntegerField(_("标准年度"), null=True, blank=True)
    materials = models.TextField(_("申报材料"), blank=True)
    procedure = models.TextField(_("办理流程"), blank=True)
    time_limit = models.CharField(_("兑现时限"), max_length=200, blank=True)
    office = models.CharField(_("受理地点"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=60, blank=True)
    summary = models.TextField(_("政策摘要"))
    full_text = models.TextField(_("政策原文"), blank=True)
    # Reserved for the eligibility rules (a condition tree over registry facts); empty until they exist.
    rule = models.JSONField(_("认定规则"), default=dict, blank=True)
    change_note = models.CharField(_("变更说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy", "-effective_from"]
        verbose_name = _("政策版本")
        verbose_name_plural = _("政策版本")
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique_number"),
            models.UniqueConstraint(fields=["policy", "effective_from"], name="policy_version_unique_start"),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gte=models.F("effective_from")),
                name="policy_version_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.name} v{self.number}"

    @property
    def phone_dial(self) -> str:
        """The number a phone can dial: the leading digits of `phone` ("12345（政务服务便民热线）" → "12345")."""
        match = re.match(r"[\d\-\s]+", self.phone)
        return re.sub(r"\D", "", match.group(0)) if match else ""

    def in_force_on(self, day: datetime.date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or self.effective_until >= day)
