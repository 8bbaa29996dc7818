"""Forms for disputes, mediation and campaigns. They only parse; the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minqing.accounts.models import User
from minqing.core.forms import StyledForm
from minqing.regions.models import Region

from .models import (
    DEFAULT_CHECKLIST,
    AgreementForm,
    Campaign,
    DisputeKind,
    DisputeParty,
    DisputeStatus,
    FollowUpAction,
    JudicialResult,
    Performance,
    RiskFlag,
    RiskLevel,
    Side,
    StartMode,
    VillageOutcome,
)


class Form(StyledForm):
    """Select boxes start with a plain dash rather than the framework's English placeholder."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
                field.empty_label = "—"


DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name or obj.username


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name or obj.username


class PartyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DisputeParty) -> str:
        return f"{obj.get_side_display()} {obj.name}"


class PartiesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: DisputeParty) -> str:
        return f"{obj.get_side_display()} {obj.name}"


def _risk_level_choices() -> list[tuple[str, Any]]:
    return [("", _("按风险因素自动评定")), *[(str(v), str(label)) for v, label in RiskLevel.choices]]


class RiskFields(Form):
    people_involved = forms.IntegerField(label=_("涉及人数"), min_value=1, max_value=100_000, initial=2)
    risk_flags = forms.MultipleChoiceField(
        label=_("风险因素"),
        choices=[c for c in RiskFlag.choices if c[0] != RiskFlag.HEAD_COUNT],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("涉及 5 人及以上自动计入“涉及人数多”。"),
    )
    risk_level = forms.TypedChoiceField(
        label=_("风险等级"),
        choices=_risk_level_choices,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("可在建议等级基础上调高。"),
    )
    risk_note = forms.CharField(label=_("风险说明"), max_length=300, required=False)
    prevention = forms.CharField(
        label=_("稳控措施"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=10_000
    )
    police_informed = forms.BooleanField(label=_("已报告公安机关"), required=False)
    stabilizer = UserChoiceField(queryset=User.objects.none(), label=_("稳控责任人"), required=False)
    resolver = UserChoiceField(queryset=User.objects.none(), label=_("化解责任人"), required=False)

    def __init__(self, *args: Any, staff: list[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [u.pk for u in staff or []]
        for name in ("stabilizer", "resolver"):
            self.fields[name].queryset = User.objects.filter(pk__in=ids).order_by("username")  # type: ignore[attr-defined]


class DisputeForm(RiskFields):
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("所在村（社区）"))
    kind = forms.ChoiceField(label=_("纠纷类型"), choices=[("", "—"), *DisputeKind.choices])
    title = forms.CharField(label=_("标题"), max_length=200, help_text=_("一句话概括纠纷"))
    facts = forms.CharField(label=_("基本事实"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20_000)
    found_on = forms.DateField(label=_("发现日期"), widget=DATE, required=False)
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), label=_("大排查"), required=False)
    outside_a = forms.CharField(
        label=_("甲方（登记册外的当事人，每行一个）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    outside_b = forms.CharField(
        label=_("乙方（登记册外的当事人，每行一个）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    field_order = ["region", "kind", "title", "facts", "found_on", "campaign", "people_involved"]

    def __init__(
        self,
        *args: Any,
        villages: Any = None,
        campaigns: Any = None,
        staff: list[User] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, staff=staff, **kwargs)
        self.fields["region"].queryset = villages if villages is not None else Region.objects.none()  # type: ignore[attr-defined]
        self.fields["campaign"].queryset = campaigns if campaigns is not None else Campaign.objects.none()  # type: ignore[attr-defined]


class PartyAddForm(Form):
    side = forms.ChoiceField(label=_("方"), choices=Side.choices)
    name = forms.CharField(label=_("姓名/名称（登记册外）"), max_length=100, required=False)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)


class StartForm(Form):
    mode = forms.ChoiceField(label=_("启动方式"), choices=StartMode.choices, widget=forms.RadioSelect)
    applicant = PartyChoiceField(queryset=DisputeParty.objects.none(), label=_("申请人"), required=False)
    mediators = UsersChoiceField(
        queryset=User.objects.none(), label=_("人民调解员"), widget=forms.CheckboxSelectMultiple
    )
    started_on = forms.DateField(label=_("受理日期"), widget=DATE)
    committee = forms.CharField(label=_("人民调解委员会"), max_length=100, required=False)

    def __init__(
        self, *args: Any, parties: Any = None, mediators: list[User] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applicant"].queryset = parties if parties is not None else DisputeParty.objects.none()  # type: ignore[attr-defined]
        ids = [u.pk for u in mediators or []]
        self.fields["mediators"].queryset = User.objects.filter(pk__in=ids).order_by("username")  # type: ignore[attr-defined]


class RefuseForm(Form):
    party = PartyChoiceField(queryset=DisputeParty.objects.none(), label=_("拒绝调解的当事人"))
    refused_on = forms.DateField(label=_("日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, parties: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = parties if parties is not None else DisputeParty.objects.none()  # type: ignore[attr-defined]


class SessionForm(Form):
    held_on = forms.DateField(label=_("调解日期"), widget=DATE)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    attendees = forms.CharField(label=_("参加人员"), max_length=300, required=False)
    minutes = forms.CharField(
        label=_("调解笔录"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000
    )


class EndForm(Form):
    reason = forms.CharField(label=_("终止原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)
    routes_told = forms.CharField(
        label=_("已告知当事人的救济途径"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=10_000,
        initial=_("可依法申请仲裁，或请求有关行政机关处理，或向人民法院提起诉讼。"),
    )
    ended_on = forms.DateField(label=_("终止日期"), widget=DATE)


class AgreementRecordForm(Form):
    form = forms.ChoiceField(label=_("协议形式"), choices=AgreementForm.choices, widget=forms.RadioSelect)
    reached_on = forms.DateField(label=_("达成日期"), widget=DATE)
    facts = forms.CharField(
        label=_("纠纷主要事实"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000
    )
    issues = forms.CharField(
        label=_("争议事项"), widget=forms.Textarea(attrs={"rows": 2}), max_length=20_000, required=False
    )
    responsibilities = forms.CharField(
        label=_("各方责任"), widget=forms.Textarea(attrs={"rows": 2}), max_length=20_000, required=False
    )
    terms = forms.CharField(
        label=_("协议内容（每行一条）"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000
    )
    performance_manner = forms.CharField(label=_("履行方式"), max_length=300, required=False)
    performance_deadline = forms.DateField(label=_("履行期限"), widget=DATE, required=False)
    copies = forms.IntegerField(label=_("协议份数"), min_value=1, max_value=10, initial=3)


class SignForm(Form):
    parties = PartiesChoiceField(
        queryset=DisputeParty.objects.none(),
        label=_("已签名的当事人"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    fingerprint = PartiesChoiceField(
        queryset=DisputeParty.objects.none(),
        label=_("按指印的当事人"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    mediator_signed = forms.BooleanField(label=_("人民调解员已签名"), required=False)
    sealed = forms.BooleanField(label=_("已加盖调委会印章"), required=False)
    signed_on = forms.DateField(label=_("日期"), widget=DATE)
    scan = forms.FileField(label=_("签字盖章后的协议书扫描件（图片或 PDF）"), required=False)

    def __init__(self, *args: Any, parties: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("parties", "fingerprint"):
            self.fields[name].queryset = parties if parties is not None else DisputeParty.objects.none()  # type: ignore[attr-defined]


class JudicialApplyForm(Form):
    applied_on = forms.DateField(label=_("申请日期"), widget=DATE)
    court = forms.CharField(label=_("人民法院"), max_length=100, required=False)
    note = forms.CharField(
        label=_("说明（逾期申请须写明原因）"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class JudicialDecideForm(Form):
    decided_on = forms.DateField(label=_("裁定日期"), widget=DATE)
    result = forms.ChoiceField(label=_("裁定结果"), choices=JudicialResult.choices)
    note = forms.CharField(label=_("说明"), max_length=1000, required=False)


class FollowUpForm(Form):
    checked_on = forms.DateField(label=_("回访日期"), widget=DATE)
    result = forms.ChoiceField(
        label=_("履行情况"), choices=[c for c in Performance.choices if c[0] != Performance.PENDING]
    )
    action = forms.ChoiceField(
        label=_("未履行时的后续处理"),
        choices=[("", "—"), *[c for c in FollowUpAction.choices if c[0]]],
        required=False,
    )
    note = forms.CharField(label=_("回访情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CloseForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("办结结果"),
        choices=[
            (DisputeStatus.RESOLVED, DisputeStatus.RESOLVED.label),
            (DisputeStatus.TRANSFERRED, DisputeStatus.TRANSFERRED.label),
        ],
    )
    note = forms.CharField(label=_("办结情况"), widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)


class RiskForm(RiskFields):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmForm(Form):
    """A step that takes no input: the button is the decision."""


class ToPetitionForm(Form):
    note = forms.CharField(label=_("转办说明"), max_length=1000, required=False)


class CampaignForm(Form):
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("乡镇"))
    title = forms.CharField(label=_("名称"), max_length=200)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    coverage = forms.ChoiceField(
        label=_("覆盖的村"),
        choices=[("all", _("全乡镇所有村")), ("some", _("部分村"))],
        widget=forms.RadioSelect,
        initial="all",
        required=False,  # not sent: the whole township, as before villages could be chosen
    )
    villages = forms.ModelMultipleChoiceField(
        queryset=Region.objects.none(),
        label=_("选择村（部分村时）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    area = forms.CharField(
        label=_("排查范围说明"),
        max_length=200,
        required=False,
        help_text=_("部分村时写明为什么是这些村，如：沿新修道路两侧的村、拆迁片区周边"),
    )
    checklist = forms.CharField(
        label=_("排查事项（每行一项）"),
        widget=forms.Textarea(attrs={"rows": 6}),
        initial="\n".join(DEFAULT_CHECKLIST),
        max_length=5000,
    )

    def __init__(self, *args: Any, townships: Any = None, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = townships if townships is not None else Region.objects.none()  # type: ignore[attr-defined]
        field = self.fields["villages"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = villages.select_related("parent") if villages is not None else Region.objects.none()
        if townships is not None and townships.count() > 1:
            field.label_from_instance = lambda r: f"{r.parent.name} · {r.name}" if r.parent_id else r.name  # type: ignore[method-assign,assignment]

    def chosen_villages(self) -> list[Region] | None:
        """The villages chosen, or None for the whole township."""
        if self.cleaned_data.get("coverage") != "some":
            return None
        return list(self.cleaned_data.get("villages") or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("coverage") == "some" and not data.get("villages"):
            self.add_error("villages", _("请至少选择一个村。"))
        return data


class VillageReportForm(Form):
    outcome = forms.ChoiceField(
        label=_("排查结果"),
        choices=[c for c in VillageOutcome.choices if c[0] != VillageOutcome.PENDING],
        widget=forms.RadioSelect,
    )
    checked_items = forms.MultipleChoiceField(
        label=_("已排查事项"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, checklist: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checked_items"].choices = [(i, i) for i in checklist or []]  # type: ignore[attr-defined]
