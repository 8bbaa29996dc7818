"""下村/住村: cadres' visit log (民情日记), the hard quotas it is measured against, and cadre training."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minqing.accounts.roles import Role
from minqing.core.models import TimeStampedModel
from minqing.households.models import Household
from minqing.regions.models import Region


class Visit(TimeStampedModel):
    """One entry of a cadre's 民情日记: a stay in one village of `days` consecutive days from `visited_on`,
    `nights` of which were spent there (住村). Compliance counts distinct dates, so two entries on one day
    (two villages) make one village day."""

    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits", verbose_name=_("干部")
    )
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("村"))
    region_path = models.CharField(max_length=15, db_index=True, editable=False)
    visited_on = models.DateField(_("日期"))
    days = models.PositiveSmallIntegerField(_("天数"), default=1)
    nights = models.PositiveSmallIntegerField(_("住村夜数"), default=0)
    stay_place = models.CharField(_("住宿地点"), max_length=100, blank=True)
    heard = models.TextField(_("听到的民情"), blank=True)
    households = models.ManyToManyField(
        Household, through="VisitHousehold", related_name="visits", verbose_name=_("走访农户")
    )
    # The phone makes this key when the form is opened; a retried submission carries it again.
    client_key = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("民情日记")
        verbose_name_plural = _("民情日记")
        constraints = [
            models.UniqueConstraint(fields=["cadre", "client_key"], name="visit_unique_client_key"),
        ]
        indexes = [
            models.Index(fields=["cadre", "visited_on"], name="visit_cadre_date_idx"),
            # Covers the compliance table's read of a period: no table lookups for 5,000 cadres' months.
            models.Index(fields=["visited_on", "cadre", "days", "nights"], name="visit_date_cover_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre} · {self.village} · {self.visited_on:%Y-%m-%d}"

    @property
    def last_day(self) -> datetime.date:
        return self.visited_on + datetime.timedelta(days=self.days - 1)


class VisitHousehold(models.Model):
    """A household met on a visit. The date is kept here too so "who was visited since" is one index range."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="household_links")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", db_index=False)
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    visited_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visit", "household"], name="visit_household_once"),
        ]
        indexes = [
            models.Index(fields=["household", "visited_on"], name="visithh_household_date_idx"),
            models.Index(fields=["cadre", "visited_on"], name="visithh_cadre_date_idx"),
            # Covers "households visited in a period" per cadre and overall, read straight off the index.
            models.Index(fields=["visited_on", "household", "cadre"], name="visithh_date_cover_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} @ {self.visited_on}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="visits/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class FindingKind(models.TextChoices):
    PETITION = "petition", _("诉求")
    DISPUTE = "dispute", _("矛盾纠纷")


class VisitFinding(models.Model):
    """Something heard on a visit that became a request or a dispute, kept linked both ways."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=10, choices=FindingKind.choices)
    petition = models.ForeignKey(
        "petitions.Petition", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dispute_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.petition_id or self.dispute_id}"


class Metric(models.TextChoices):
    VILLAGE_DAYS = "village_days", _("下村天数")
    NIGHTS = "nights", _("住村夜数")
    HOUSEHOLDS = "households", _("走访户数")
    COVERAGE = "coverage", _("所包村农户走访覆盖率(%)")


class Period(models.TextChoices):
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")


class QuotaRule(TimeStampedModel):
    """A 硬性规定: cadres holding `role` in `region` (a township or above) must reach `target` of `metric` each
    period. Coverage means: every household of the villages the cadre holds the role in was visited by
    someone in the period."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("适用范围"))
    region_path = models.CharField(max_length=15, db_index=True, editable=False)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    metric = models.CharField(_("指标"), max_length=20, choices=Metric.choices)
    period = models.CharField(_("周期"), max_length=10, choices=Period.choices, default=Period.MONTH)
    target = models.PositiveIntegerField(_("下限"))
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        ordering = ["region_path", "role", "metric"]
        verbose_name = _("下村硬性规定")
        verbose_name_plural = _("下村硬性规定")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "role", "metric", "period"], name="quota_rule_unique_per_region"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.get_period_display()}{self.get_metric_display()} ≥ {self.target}"


class Topic(models.TextChoices):
    MASS_LINE = "mass_line", _("群众路线")
    POLICY = "policy", _("政策法规")
    MEDIATION = "mediation", _("调解技能")
    PETITION = "petition", _("信访业务")
    RULE_OF_LAW = "law", _("法治")
    OTHER = "other", _("其他")


class Course(TimeStampedModel):
    """干部培训: a course (e.g. at the county party school) cadres attended, with its hours."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位辖区")
    )
    region_path = models.CharField(max_length=15, db_index=True, editable=False)
    title = models.CharField(_("课程"), max_length=100)
    organiser = models.CharField(_("举办单位"), max_length=100, blank=True)
    held_on = models.DateField(_("日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    topics = models.JSONField(_("主题"), default=list)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Attendance", related_name="courses", verbose_name=_("参训干部")
    )

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("干部培训")
        verbose_name_plural = _("干部培训")

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%Y-%m-%d})"


class Attendance(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="attendance")
    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(max_digits=5, decimal_places=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "cadre"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.cadre_id} · {self.course_id}"
