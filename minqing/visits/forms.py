import secrets
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minqing.accounts.models import User
from minqing.core.forms import StyledForm
from minqing.regions.models import Region

from .models import Metric, Period, Topic
from .services import FIELD_ROLES


class VisitForm(StyledForm):
    village = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("村"))
    visited_on = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    days = forms.IntegerField(label=_("在村天数"), min_value=1, max_value=31, initial=1)
    nights = forms.IntegerField(label=_("住村夜数"), min_value=0, max_value=31, initial=0)
    stay_place = forms.CharField(label=_("住在哪里"), max_length=100, required=False)
    heard = forms.CharField(
        label=_("听到的民情"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    households = forms.CharField(required=False, widget=forms.HiddenInput)
    no_households = forms.BooleanField(label=_("本次未走访农户（开会、值班等）"), required=False)
    client_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, villages: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Region.objects.filter(pk__in=[v.pk for v in villages]).order_by("path")
        field.label_from_instance = lambda r: (  # type: ignore[method-assign,assignment]
            f"{r.parent.name} · {r.name}" if r.parent_id else r.name
        )
        if not self.is_bound:
            self.initial.setdefault("visited_on", timezone.localdate())
            # The page's script replaces it with a restored draft's key; without script this one is used.
            self.initial.setdefault("client_key", secrets.token_hex(16))
            if len(villages) == 1:
                self.initial.setdefault("village", villages[0].pk)

    def household_ids(self) -> list[int]:
        raw = self.data.getlist("households") if hasattr(self.data, "getlist") else []
        ids: list[int] = []
        for chunk in raw:
            for part in str(chunk).split(","):
                if part.strip().isdigit():
                    ids.append(int(part))
        return ids


class PetitionFindingForm(StyledForm):
    title = forms.CharField(label=_("诉求标题"), max_length=100)
    content = forms.CharField(label=_("诉求内容"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.TypedChoiceField(label=_("类别"), coerce=int, choices=())
    household = forms.TypedChoiceField(
        label=_("涉及农户"), coerce=int, required=False, empty_value=None, choices=()
    )

    def __init__(
        self, *args: Any, categories: list[tuple[int, str]], households: list[tuple[int, str]], **kw: Any
    ):
        super().__init__(*args, **kw)
        self.fields["category"].choices = categories  # type: ignore[attr-defined]
        self.fields["household"].choices = [("", "—"), *households]  # type: ignore[attr-defined]


class QuotaRuleForm(StyledForm):
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("适用范围"))
    role = forms.ChoiceField(label=_("角色"), choices=[(r.value, r.label) for r in FIELD_ROLES])
    metric = forms.ChoiceField(label=_("指标"), choices=Metric.choices)
    period = forms.ChoiceField(label=_("周期"), choices=Period.choices)
    target = forms.IntegerField(label=_("下限"), min_value=0, max_value=1000)
    is_active = forms.BooleanField(label=_("在用"), required=False, initial=True)

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Region.objects.filter(pk__in=[r.pk for r in regions]).order_by("path")


class CourseForm(StyledForm):
    title = forms.CharField(label=_("课程"), max_length=100)
    organiser = forms.CharField(label=_("举办单位"), max_length=100, required=False, initial=_("县委党校"))
    held_on = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    hours = forms.DecimalField(label=_("学时"), min_value=0, max_digits=5, decimal_places=1)
    topics = forms.MultipleChoiceField(
        label=_("主题"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple
    )
    attendees = forms.TypedMultipleChoiceField(
        label=_("参训干部"), coerce=int, choices=(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, staff: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = [(u.pk, str(u)) for u in staff]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())
