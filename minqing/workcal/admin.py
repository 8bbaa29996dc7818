from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minqing.audit.admin import PermAdmin
from minqing.regions.scoping import Perm

from .models import CalendarDay, CalendarYear
from .selectors import unknown_years
from .services import calendar_day_set, calendar_year_mark_complete, clean_day, clean_year

_WEEKDAYS = "一二三四五六日"


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_workday", "name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day = data.get("date") or (self.instance.date if self.instance.pk else None)
        if day is not None:
            # The service repeats this check; here it puts the message next to the field instead of a 500.
            data["name"] = clean_day(
                date=day, is_workday=bool(data.get("is_workday")), name=data.get("name", "")
            )
        return data


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "complete", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year = data.get("year") or (self.instance.year if self.instance.pk else None)
        if year is not None:
            clean_year(year=year, complete=bool(data.get("complete")))
        return data


class _ReminderMixin:
    """Remind the administrator on the calendar lists when this or next year's schedule is missing."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        today = timezone.localdate()
        missing = unknown_years([today.year, today.year + 1])
        if missing and request.method == "GET":
            messages.warning(
                request,
                _(
                    "%(years)s的节假日安排尚未录入：请按国务院办公厅公布的放假安排逐日录入放假和调休上班日，再到“日历年度”中标记为已完整录入。"
                )
                % {"years": "、".join(_("%(year)d年") % {"year": y} for y in missing)},
            )
        return super().changelist_view(request, extra_context)  # type: ignore[misc]


@admin.register(CalendarDay)
class CalendarDayAdmin(_ReminderMixin, PermAdmin):
    perm = Perm.MANAGE_CONFIG
    form = CalendarDayForm
    list_display = ["date", "weekday", "is_workday", "name", "source", "updated_at"]
    list_filter = ["source", "is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"

    @admin.display(description=gettext_lazy("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return _("星期%(d)s") % {"d": _WEEKDAYS[obj.date.weekday()]}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The date is the row's identity: changing it would leave the old day's setting behind.
        return ["date", "source"] if obj is not None else ["source"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = calendar_day_set(actor=request.user, date=obj.date, is_workday=obj.is_workday, name=obj.name)
        obj.pk, obj.source = saved.pk, saved.source


@admin.register(CalendarYear)
class CalendarYearAdmin(_ReminderMixin, PermAdmin):
    perm = Perm.MANAGE_CONFIG
    form = CalendarYearForm
    list_display = ["year", "complete", "source", "note", "updated_at"]
    list_filter = ["complete", "source"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["year", "source"] if obj is not None else ["source"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = calendar_year_mark_complete(
            actor=request.user, year=obj.year, complete=obj.complete, note=obj.note
        )
        obj.pk, obj.source = saved.pk, saved.source
