"""Forms of the office pages: they parse and check the shape of input; the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minqing.accounts.models import Department
from minqing.core.forms import CleanCharField, StyledForm, version_field
from minqing.regions.models import Region

from .models import AmountUnit, Category, Policy, PolicyLevel, PolicyVersion, TargetGroup
from .services import PolicyData, VersionData

_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PolicyForm(StyledForm):
    name = CleanCharField(label=_("政策名称"), max_length=120)
    doc_number = CleanCharField(
        label=_("文号"), max_length=80, required=False, help_text=_("如：民发〔2021〕57号")
    )
    issuer = CleanCharField(label=_("发文机关"), max_length=120)
    level = forms.ChoiceField(label=_("层级"), choices=PolicyLevel.choices)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    target_groups = forms.MultipleChoiceField(
        label=_("惠及群体"), choices=TargetGroup.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    region = forms.ModelChoiceField(
        queryset=Region.objects.none(),
        label=_("适用区域"),
        required=False,
        help_text=_("县、乡政策必填；国家政策不填。"),
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label=_("责任部门"), required=False
    )
    source_url = forms.URLField(label=_("原文链接"), max_length=400, required=False, assume_scheme="https")
    seen = version_field()

    def __init__(
        self,
        *args: Any,
        regions: Any = None,
        departments: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()  # type: ignore[attr-defined]
        self.fields["department"].queryset = (  # type: ignore[attr-defined]
            departments if departments is not None else Department.objects.none()
        )

    @staticmethod
    def initial_for(policy: Policy) -> dict[str, Any]:
        return {
            "name": policy.name,
            "doc_number": policy.doc_number,
            "issuer": policy.issuer,
            "level": policy.level,
            "category": policy.category,
            "target_groups": policy.target_list,
            "region": policy.region_id,
            "department": policy.department_id,
            "source_url": policy.source_url,
            "seen": policy.version,
        }

    def data_out(self) -> PolicyData:
        d = self.cleaned_data
        return PolicyData(
            name=d["name"],
            issuer=d["issuer"],
            level=d["level"],
            category=d["category"],
            doc_number=d.get("doc_number") or "",
            target_groups=list(d.get("target_groups") or []),
            department=d.get("department"),
            source_url=d.get("source_url") or "",
            region=d.get("region"),
        )


class VersionForm(StyledForm):
    effective_from = forms.DateField(label=_("施行日期"), widget=_DATE)
    effective_until = forms.DateField(label=_("截止日期"), required=False, widget=_DATE)
    beneficiaries = CleanCharField(label=_("惠及对象"), widget=_area(2))
    conditions = CleanCharField(label=_("申报条件"), required=False, widget=_area(4))
    standard = CleanCharField(
        label=_("补助标准"), required=False, widget=_area(2), help_text=_("分档标准等，用文字说明。")
    )
    amount = forms.DecimalField(label=_("补助金额（元）"), required=False, max_digits=10, decimal_places=2)
    amount_unit = forms.ChoiceField(
        label=_("金额单位"), choices=[("", "—"), *AmountUnit.choices], required=False
    )
    amount_year = forms.IntegerField(label=_("标准年度"), required=False)
    materials = CleanCharField(label=_("申报材料"), required=False, widget=_area(3))
    procedure = CleanCharField(label=_("办理流程"), required=False, widget=_area(3))
    time_limit = CleanCharField(label=_("兑现时限"), max_length=200, required=False)
    office = CleanCharField(label=_("受理地点"), max_length=200, required=False)
    phone = CleanCharField(label=_("咨询电话"), max_length=60, required=False)
    summary = CleanCharField(label=_("政策摘要"), widget=_area(4))
    full_text = CleanCharField(label=_("政策原文"), required=False, widget=_area(6))
    change_note = CleanCharField(label=_("变更说明"), max_length=200, required=False)

    @staticmethod
    def initial_from(version: PolicyVersion | None) -> dict[str, Any]:
        """A new version starts as a copy of the one it replaces, so only what changes is typed."""
        if version is None:
            return {}
        names = [
            "beneficiaries",
            "conditions",
            "standard",
            "amount",
            "amount_unit",
            "amount_year",
            "materials",
            "procedure",
            "time_limit",
            "office",
            "phone",
            "summary",
            "full_text",
        ]
        return {name: getattr(version, name) for name in names}

    def data_out(self) -> VersionData:
        d = self.cleaned_data
        return VersionData(
            effective_from=d["effective_from"],
            effective_until=d.get("effective_until"),
            beneficiaries=d["beneficiaries"],
            summary=d["summary"],
            conditions=d.get("conditions") or "",
            standard=d.get("standard") or "",
            amount=d.get("amount"),
            amount_unit=d.get("amount_unit") or "",
            amount_year=d.get("amount_year"),
            materials=d.get("materials") or "",
            procedure=d.get("procedure") or "",
            time_limit=d.get("time_limit") or "",
            office=d.get("office") or "",
            phone=d.get("phone") or "",
            full_text=d.get("full_text") or "",
            change_note=d.get("change_note") or "",
        )


class NewVersionForm(VersionForm):
    seen = version_field()


class RetireForm(StyledForm):
    on = forms.DateField(label=_("废止日期"), widget=_DATE)
    reason = CleanCharField(label=_("废止原因"), max_length=200)
    seen = version_field()
