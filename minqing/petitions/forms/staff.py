"""Staff forms for requests. They only parse; the services decide."""

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from minqing.accounts.models import Department, User
from minqing.core.forms import CleanCharField, RevealableInput, StyledForm
from minqing.core.privacy import mask_id_number, mask_phone
from minqing.households.models import Household, Resident
from minqing.regions.models import PATH_DIGITS, Level, Region
from minqing.regions.selectors import township_list, villages_by_township

from ..models import Category, Channel, HandlingLevel, Satisfaction, Urgency
from ..selectors import category_list_leaves


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return str(obj)


def _category_field(**kwargs: Any) -> CategoryChoiceField:
    leaves = category_list_leaves()
    return CategoryChoiceField(
        queryset=Category.objects.filter(pk__in=[c.pk for c in leaves]).select_related("parent"),
        label=_("诉求分类"),
        **kwargs,
    )


class IntakeForm(StyledForm):
    channel = forms.ChoiceField(label=_("来源渠道"), choices=Channel.choices)
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("所在村（社区）"))
    category = forms.ModelChoiceField(queryset=Category.objects.none(), label=_("诉求分类"))
    title = CleanCharField(label=_("标题"), max_length=200, help_text=_("一句话概括诉求"))
    content = CleanCharField(
        label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 6}), max_length=200_000
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    is_anonymous = forms.BooleanField(label=_("匿名反映"), required=False)
    submitter_name = CleanCharField(label=_("诉求人姓名"), max_length=100, required=False)
    submitter_phone = CleanCharField(
        label=_("联系电话"), max_length=30, required=False, widget=RevealableInput
    )
    submitter_id_number = CleanCharField(
        label=_("身份证号"),
        max_length=30,
        required=False,
        widget=RevealableInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("信访登记应记录；用于识别重复信访，页面上隐去中间位"),
    )
    household_code = CleanCharField(
        label=_("关联户编号"),
        max_length=32,
        required=False,
        help_text=_("已建档的户可填户编号，诉求会显示在户档案中"),
    )
    address = CleanCharField(label=_("地点"), max_length=300, required=False)
    is_group = forms.BooleanField(label=_("集体访"), required=False)
    head_count = forms.IntegerField(label=_("人数"), min_value=1, initial=1, required=False)
    representatives = CleanCharField(label=_("代表"), max_length=300, required=False)
    level = forms.ChoiceField(
        label=_("办理层级"),
        choices=[("", _("按分类自动（小事不出村）")), *HandlingLevel.choices],
        required=False,
    )
    registered_on = forms.DateField(
        label=_("收件日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("来信的收件日期；不填为今天"),
    )
    attachments = forms.FileField(
        label=_("附件"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"allow_multiple_selected": True, "accept": "image/*,application/pdf"}
        ),
    )

    def __init__(self, *args: Any, regions: Any, reveal_for: Resident | None = None, **kwargs: Any) -> None:
        """`reveal_for`: the household head whose phone is offered, when the user may reveal it in full."""
        super().__init__(*args, **kwargs)
        if reveal_for is not None:
            widget = self.fields["submitter_phone"].widget
            assert isinstance(widget, RevealableInput)
            widget.reveal_url = reverse("households:reveal", args=[reveal_for.pk, "phone"])
            id_widget = self.fields["submitter_id_number"].widget
            assert isinstance(id_widget, RevealableInput)
            id_widget.reveal_url = reverse("households:reveal", args=[reveal_for.pk, "id_number"])
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ModelChoiceField)
        region_field.queryset = regions
        region_field.label_from_instance = lambda r: (  # type: ignore[method-assign,assignment]
            f"{r.parent.name if r.parent else ''} · {r.name}"
            if r.level == Level.VILLAGE
            else f"{r.name}（{_('乡镇本级')}）"
        )
        self.fields["category"] = _category_field()
        self.fields["category"].widget.attrs["class"] = "form-select"

    @staticmethod
    def initial_for_household(household: Household) -> dict[str, Any]:
        """A request from a registered household: its village, head and head's phone, masked (the full number is
        an audited reveal; services.petition_register reads the mask sent back as the head's phone)."""
        region = household.region
        return {
            "household_code": household.code,
            "region": region if region.level == Level.VILLAGE else region.parent,
            "submitter_name": household.head_name,
            "submitter_phone": mask_phone(household.head.phone) if household.head else "",
            "submitter_id_number": mask_id_number(household.head.id_number) if household.head else "",
        }


class NoteForm(StyledForm):
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )


class VersionedForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AcceptForm(VersionedForm):
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class NotAcceptForm(VersionedForm):
    reason = forms.CharField(
        label=_("不予受理理由和依据"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


class RouteForm(VersionedForm):
    to_level = forms.ChoiceField(label=_("转到"), choices=HandlingLevel.choices)
    reason = forms.CharField(
        label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class AssignForm(StyledForm):
    """The assignee list is grouped by department (each option knows its department, so the page can offer
    only the chosen department's staff); the service refuses an assignee outside the chosen department."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label=_("承办部门"), required=False
    )
    assignee = forms.ChoiceField(label=_("承办人"), required=False)
    note = forms.CharField(
        label=_("交办意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dept_field = self.fields["department"]
        assert isinstance(dept_field, forms.ModelChoiceField)
        dept_field.queryset = departments
        dept_field.widget.attrs["data-assignee-filter"] = self.add_prefix("assignee")
        self._members: dict[int, User] = {}
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        for dept in departments.prefetch_related("members"):
            people = [u for u in dept.members.all() if u.is_active]
            self._members.update({u.pk: u for u in people})
            options = [(f"{dept.pk}:{u.pk}", u.display_name or u.username) for u in people]
            if options:
                groups.append((dept.name, options))
        user_field = self.fields["assignee"]
        assert isinstance(user_field, forms.ChoiceField)
        user_field.choices = [("", "---------"), *groups]
        if self.initial.get("assignee") and self.initial.get("department"):
            self.initial["assignee"] = f"{self.initial['department']}:{self.initial['assignee']}"

    def clean_assignee(self) -> User | None:
        value = self.cleaned_data.get("assignee") or ""
        if not value:
            return None
        user_id = value.partition(":")[2]
        user = self._members.get(int(user_id)) if user_id.isdigit() else None
        if user is None:
            raise forms.ValidationError(_("请选择承办人。"))
        self._picked_in = value.partition(":")[0]
        return user

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        # A handler picked without a department is assigned with the department they were listed under.
        if data.get("assignee") is not None and data.get("department") is None:
            dept_field = self.fields["department"]
            assert isinstance(dept_field, forms.ModelChoiceField) and dept_field.queryset is not None
            picked = getattr(self, "_picked_in", "")
            data["department"] = (
                dept_field.queryset.filter(pk=int(picked)).first() if picked.isdigit() else None
            )
        return data


def transfer_choices(region_path: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The other townships of the request's county, each with its villages, the township itself first."""
    county = region_path[: PATH_DIGITS[Level.COUNTY]]
    township = region_path[: PATH_DIGITS[Level.TOWNSHIP]]
    villages = villages_by_township(county)
    return [
        (
            t.name,
            [(str(t.pk), _("%(name)s（乡镇本级）") % {"name": t.name})]
            + [(str(v.pk), f"{t.name} · {v.name}") for v in villages.get(t.pk, [])],
        )
        for t in township_list(county)
        if t.path != township
    ]


class TransferForm(VersionedForm):
    """Pass a misfiled request to another township of the county (staff know the townships; the choices are
    grouped by township so a village's name is never read without its township)."""

    region = forms.ChoiceField(label=_("转至（乡镇 · 村）"))
    reason = forms.CharField(
        label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )

    def __init__(self, *args: Any, choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("请选择")), *choices]

    def clean_region(self) -> Region:
        value = self.cleaned_data.get("region") or ""
        region = Region.objects.filter(pk=int(value), is_active=True).first() if value.isdigit() else None
        if region is None:
            raise forms.ValidationError(_("请选择乡镇或村（社区）。"))
        return region


class ProgressForm(StyledForm):
    note = forms.CharField(
        label=_("办理情况（内部）"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )
    public_note = forms.CharField(
        label=_("告知诉求人（公开）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1000,
    )


class ExtensionForm(VersionedForm):
    days = forms.IntegerField(label=_("延期天数"), min_value=1, max_value=365, initial=30)
    reason = forms.CharField(label=_("延期理由"), max_length=300, required=False)


class ExtensionDecisionForm(VersionedForm):
    approve = forms.TypedChoiceField(
        label=_("审批"), choices=[("1", _("批准")), ("0", _("不批准"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("意见"), max_length=500, required=False)


class ReplyForm(VersionedForm):
    text = forms.CharField(
        label=_("答复意见"), widget=forms.Textarea(attrs={"rows": 5}), max_length=200_000, required=False
    )


class FollowUpForm(VersionedForm):
    method = forms.ChoiceField(
        label=_("回访方式"), choices=[("phone", _("电话")), ("visit", _("上门")), ("sms", _("短信"))]
    )
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("回访记录"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class ReopenForm(StyledForm):
    reason = forms.CharField(
        label=_("重新办理的原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class YesNo(forms.TypedChoiceField):
    def __init__(self, label: Any, **kwargs: Any) -> None:
        super().__init__(
            label=label,
            choices=[("1", _("是")), ("0", _("否"))],
            coerce=lambda v: v == "1",
            widget=forms.RadioSelect,
            **kwargs,
        )


class CloseForm(VersionedForm):
    reform = YesNo(_("属于改革发展中的问题"))
    justified = YesNo(_("诉求有理或确有实际困难"))
    solvable = YesNo(_("可以解决"))
    grassroots = YesNo(_("基层应解决可解决"))
    solved_level = forms.ChoiceField(label=_("问题最终在哪一级解决"), choices=HandlingLevel.choices)
    note = forms.CharField(
        label=_("办结说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class MergeForm(StyledForm):
    target_code = forms.CharField(label=_("并入的诉求查询码"), max_length=20)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class UrgeForm(StyledForm):
    note = forms.CharField(
        label=_("督办意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class LinkForm(StyledForm):
    earlier_code = forms.CharField(label=_("此前同一事项的查询码"), max_length=20)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class BulkForm(StyledForm):
    action = forms.ChoiceField(choices=[("assign", _("指定承办")), ("recategorise", _("调整分类"))])
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, label=_("承办部门")
    )
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False, label=_("分类"))

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dept_field = self.fields["department"]
        assert isinstance(dept_field, forms.ModelChoiceField)
        dept_field.queryset = departments
        self.fields["category"] = _category_field(required=False)
        self.fields["category"].widget.attrs["class"] = "form-select form-select-sm"


class ReceptionDayForm(StyledForm):
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("乡镇"))
    leader = forms.ModelChoiceField(queryset=User.objects.none(), label=_("接访领导"))
    leader_title = forms.CharField(label=_("职务"), max_length=50, required=False)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label=_("地点"), max_length=100)
    topics = forms.CharField(label=_("接访重点"), max_length=200, required=False)
    is_public = forms.BooleanField(label=_("对外公布"), required=False, initial=True)
    outcome = forms.CharField(label=_("接访情况"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, regions: Any, leaders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field, leader_field = self.fields["region"], self.fields["leader"]
        assert isinstance(region_field, forms.ModelChoiceField) and isinstance(
            leader_field, forms.ModelChoiceField
        )
        region_field.queryset = regions
        leader_field.queryset = leaders
        leader_field.label_from_instance = lambda u: f"{u.display_name or u.username} {u.title}".strip()  # type: ignore[method-assign,assignment]


class ReceptionRegistrationForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=100)
    phone = forms.CharField(label=_("电话"), max_length=30)
    topic = forms.CharField(label=_("反映事项"), max_length=400)
