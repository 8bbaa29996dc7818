"""Forms only parse and show errors; the rules live in services.py."""

from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from minqing.core.forms import RevealableInput, StyledForm, version_field
from minqing.core.privacy import mask_id_number, mask_phone
from minqing.regions.models import Region

from .models import (
    DifficultyTag,
    FeudStatus,
    Gender,
    HouseholdRelation,
    Housing,
    Living,
    Relation,
    RelationKind,
    Resident,
    Severity,
    TagScope,
)
from .services import PersonData


def _tags(scope: str) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=DifficultyTag.objects.filter(applies_to=scope, is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("困难类别"),
    )


class PersonForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False, widget=RevealableInput)
    gender = forms.ChoiceField(
        label=_("性别"), choices=[("", _("按身份证号")), *Gender.choices], required=False
    )
    birth_date = forms.DateField(
        label=_("出生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ethnicity = forms.CharField(label=_("民族"), max_length=20, initial="汉族", required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False, widget=RevealableInput)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices, initial=Relation.OTHER)
    living = forms.ChoiceField(label=_("居住状态"), choices=Living.choices, initial=Living.HOME)
    tags = _tags(TagScope.PERSON)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = version_field()

    def __init__(self, *args: Any, reveal_for: Resident | None = None, **kwargs: Any) -> None:
        """`reveal_for`: the resident being edited, when the user may reveal their full ID number and phone."""
        super().__init__(*args, **kwargs)
        if reveal_for is not None:
            for name in ("id_number", "phone"):
                widget = self.fields[name].widget
                assert isinstance(widget, RevealableInput)
                widget.reveal_url = reverse("households:reveal", args=[reveal_for.pk, name])

    def person(self) -> PersonData:
        d = self.cleaned_data
        return PersonData(
            name=d["name"],
            id_number=d["id_number"],
            phone=d["phone"],
            gender=d["gender"],
            birth_date=d["birth_date"],
            ethnicity=d["ethnicity"] or "汉族",
            relation=d["relation"],
            living=d["living"],
            notes=d["notes"],
            tags=list(d["tags"]),
        )

    @classmethod
    def initial_for(cls, resident: Resident) -> dict[str, Any]:
        """The form's values for a registered resident. The ID number and phone are masked: the page source
        must not hand them out; the full values are an audited reveal (services.resident_update keeps a mask
        posted back unchanged as the stored value)."""
        return {
            "name": resident.name,
            "id_number": mask_id_number(resident.id_number),
            "gender": resident.gender,
            "birth_date": resident.birth_date,
            "ethnicity": resident.ethnicity,
            "phone": mask_phone(resident.phone),
            "relation": resident.relation,
            "living": resident.living,
            "tags": list(resident.tags.all()),
            "notes": resident.notes,
            "version": resident.version,
        }


class HouseholdFieldsForm(StyledForm):
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("村/组"))
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    housing = forms.ChoiceField(label=_("住房状况"), choices=[("", "—"), *Housing.choices], required=False)
    land_farmland = forms.DecimalField(
        label=_("耕地(亩)"), min_value=Decimal(0), max_digits=8, decimal_places=2, initial=0
    )
    land_forest = forms.DecimalField(
        label=_("林地(亩)"), min_value=Decimal(0), max_digits=8, decimal_places=2, initial=0
    )
    land_garden = forms.DecimalField(
        label=_("园地(亩)"), min_value=Decimal(0), max_digits=8, decimal_places=2, initial=0
    )
    land_homestead = forms.DecimalField(
        label=_("宅基地(亩)"), min_value=Decimal(0), max_digits=8, decimal_places=2, initial=0
    )
    tags = _tags(TagScope.HOUSEHOLD)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = version_field()

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]
            self.fields["region"].label_from_instance = lambda r: (  # type: ignore[attr-defined]
                f"{r.parent.name} · {r.name}" if r.level == 6 and r.parent else r.name
            )

    def land(self) -> dict[str, Decimal]:
        return {
            k: self.cleaned_data[k] or Decimal(0)
            for k in ("land_farmland", "land_forest", "land_garden", "land_homestead")
        }


class HouseholdCreateForm(HouseholdFieldsForm):
    code = forms.CharField(label=_("户编号"), max_length=32, required=False, help_text=_("留空则自动生成"))


class MoveForm(StyledForm):
    to_household = forms.CharField(label=_("迁入户编号"), max_length=32)
    relation = forms.ChoiceField(label=_("在新户中与户主关系"), choices=Relation.choices)
    on = forms.DateField(label=_("迁移日期"), widget=forms.DateInput(attrs={"type": "date"}))


class DeathForm(StyledForm):
    on = forms.DateField(label=_("死亡日期"), widget=forms.DateInput(attrs={"type": "date"}))


class SplitForm(StyledForm):
    members = forms.ModelMultipleChoiceField(
        queryset=Resident.objects.none(), widget=forms.CheckboxSelectMultiple, label=_("分出的成员")
    )
    new_head = forms.ModelChoiceField(queryset=Resident.objects.none(), label=_("新户户主"))
    address = forms.CharField(label=_("新户住址"), max_length=200, required=False)
    on = forms.DateField(label=_("分户日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, members: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["members"].queryset = members  # type: ignore[attr-defined]
            self.fields["new_head"].queryset = members  # type: ignore[attr-defined]


class RelationForm(StyledForm):
    other_code = forms.CharField(label=_("对方户编号"), max_length=32)
    kind = forms.ChoiceField(label=_("关系"), choices=RelationKind.choices, initial=RelationKind.FEUD)
    subject = forms.CharField(label=_("事由"), max_length=200, required=False)
    since = forms.DateField(
        label=_("起始时间"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    severity = forms.TypedChoiceField(
        label=_("严重程度"),
        choices=[("", "—"), *Severity.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    status = forms.ChoiceField(label=_("状态"), choices=[("", "—"), *FeudStatus.choices], required=False)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RelationUpdateForm(StyledForm):
    status = forms.ChoiceField(label=_("状态"), choices=FeudStatus.choices)
    severity = forms.TypedChoiceField(label=_("严重程度"), choices=Severity.choices, coerce=int)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = version_field()

    @classmethod
    def initial_for(cls, relation: HouseholdRelation) -> dict[str, Any]:
        return {
            "status": relation.status,
            "severity": relation.severity,
            "notes": relation.notes,
            "version": relation.version,
        }


class ImportUploadForm(StyledForm):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
