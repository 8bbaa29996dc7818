"""The working-day calendar: only the exceptions to "Monday–Friday work, Saturday–Sunday rest" are stored.

A holiday on a weekday and a swapped working weekend (调休上班) are rows; every other day follows the weekday
rule. A year is *known* when its whole schedule is in the table (seeded from `chinesecalendar`, or entered by the
system administrator and marked complete); deadlines that cross an unknown year are flagged as uncertain.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from minqing.core.models import TimeStampedModel

from . import seed

FIRST_YEAR = 2000
LAST_YEAR = 2100


class Source(models.TextChoices):
    # The values are spelled out in seed.py too: the seeding migration must not depend on this module.
    PACKAGE = seed.SOURCE_PACKAGE, _("chinesecalendar 软件包")
    ADMIN = seed.SOURCE_ADMIN, _("管理员录入")


class CalendarDay(TimeStampedModel):
    """One day that differs from the weekday rule, or that an administrator has ruled on explicitly."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(
        _("上班"), help_text=_("勾选表示当天上班（如调休上班），不勾选表示放假。")
    )
    name = models.CharField(
        _("名称"), max_length=50, blank=True, help_text=_("如 春节、国庆节、春节调休上班")
    )
    # Rows an administrator touched are never overwritten by `minqing workcal_sync`.
    source = models.CharField(
        _("来源"), max_length=10, choices=Source.choices, default=Source.ADMIN, editable=False
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")

    def __str__(self) -> str:
        state = _("上班") if self.is_workday else _("放假")
        return f"{self.date.isoformat()} {state} {self.name}".rstrip()


class CalendarYear(TimeStampedModel):
    """Whether a year's holiday schedule is completely in the table."""

    year = models.PositiveSmallIntegerField(
        _("年份"),
        unique=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
    )
    complete = models.BooleanField(
        _("已完整录入"), default=False, help_text=_("该年国务院办公厅公布的放假安排已全部录入。")
    )
    source = models.CharField(
        _("来源"), max_length=10, choices=Source.choices, default=Source.ADMIN, editable=False
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")

    def __str__(self) -> str:
        return _("%(year)d年") % {"year": self.year}
