"""Forms of the public pages (/p/). They only parse and show errors; the rules live in services.py.

Length and presence rules (title, content, name or 匿名, phone) are the service's: the form leaves those fields
optional so the person gets every problem at once, in the service's words.
"""

import datetime
import time
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from minqing.core.errors import ServiceError
from minqing.core.forms import CleanCharField, StyledForm
from minqing.core.ttl import ttl_cache
from minqing.core.uploads import ALLOWED_NAMES, CheckedFile, check_upload
from minqing.households.identity import normalize_phone
from minqing.regions.models import Region
from minqing.regions.selectors import township_list, village_list, villages_by_township

from .. import selectors
from ..models import Category, Channel, Satisfaction
from ..services import CONTENT_MAX, TITLE_MAX, Intake

TOKEN_SALT = "minqing.petitions.public.submit"
MIN_SECONDS = 3  # a person does not fill the form faster than this
MAX_SECONDS = 2 * 3600  # a page left open longer is stale
HONEYPOT = "website"
ACCEPT = ",".join(
    ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"]
    + [f".{name}" for name in ALLOWED_NAMES]
)


# --- Bot checks: a signed timestamp and a field only bots fill ----------------------------------------------


def form_token(now: float | None = None) -> str:
    """The signed time the form was shown; posted back in a hidden field."""
    return signing.dumps(round(time.time() if now is None else now, 3), salt=TOKEN_SALT)


def token_problem(token: str, now: float | None = None) -> str | None:
    """Why a posted form token is refused (too fast, stale, forged), or None when it is fine."""
    try:
        issued = float(signing.loads(token or "", salt=TOKEN_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return _("页面已失效，请再点一次“提交”。")
    age = (time.time() if now is None else now) - issued
    if age < MIN_SECONDS:
        return _("提交太快了：请核对填写的内容，再点一次“提交”。")
    if age > MAX_SECONDS:
        return _("页面打开时间过长已失效，您填写的内容已保留，请再点一次“提交”。")
    return None


def honeypot_filled(data: Any) -> bool:
    return bool((data.get(HONEYPOT) or "").strip())


def phone_key(raw: str) -> str:
    """The phone number as counted by the rate limit: normalised when valid, else its digits."""
    try:
        return normalize_phone(raw) or ""
    except ValidationError:
        return "".join(ch for ch in raw if ch.isdigit())


# --- Submit --------------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploads, each checked by its bytes (files.check_upload): cleans to a list of CheckedFile."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[CheckedFile]:
        uploads: list[UploadedFile] = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        limit = settings.MINQING_ATTACHMENT_MAX_COUNT
        if len(uploads) > limit:
            raise ValidationError(_("附件最多 %(n)d 个。") % {"n": limit})
        checked: list[CheckedFile] = []
        errors: list[str] = []
        for upload in uploads:
            try:
                checked.append(check_upload(upload.name or "", upload, upload.size))
            except ServiceError as exc:
                errors.append(exc.message)
        if errors:
            raise ValidationError(errors)
        return checked


# The public form's lists are read on every view and every post of the form, and change a few times a year: a
# list up to this many seconds old is harmless, since the chosen region and category are looked up again, active,
# when the form is cleaned.
CHOICES_SECONDS = 30


@ttl_cache(CHOICES_SECONDS)
def township_choices() -> list[tuple[str, str]]:
    return [(str(t.pk), t.name) for t in township_list()]


def village_choices(township: Region | None) -> list[tuple[str, str]]:
    """The villages of the chosen township, the township itself first as 乡镇本级; none before a township is
    chosen (a village's name alone does not say where it is: 张庄村 exists in several townships)."""
    if township is None:
        return []
    return _village_choices(township, get_language())


@ttl_cache(CHOICES_SECONDS)
def _village_choices(township: Region, language: str) -> list[tuple[str, str]]:
    del language  # the cache key (with the township, by its pk): the township's label is translated
    return [(str(township.pk), _("%(name)s（乡镇本级）") % {"name": township.name})] + [
        (str(v.pk), v.name) for v in village_list(township)
    ]


def villages_json() -> dict[str, list[list[Any]]]:
    """Every township's village choices, for the page's script to fill the second select without a reload
    (two queries, whatever the number of townships)."""
    return _villages_json(get_language())


@ttl_cache(CHOICES_SECONDS)
def _villages_json(language: str) -> dict[str, list[list[Any]]]:
    del language  # the cache key: the township's label is translated
    villages = villages_by_township()
    return {
        str(t.pk): [[t.pk, _("%(name)s（乡镇本级）") % {"name": t.name}]]
        + [[v.pk, v.name] for v in villages.get(t.pk, [])]
        for t in township_list()
    }


@ttl_cache(CHOICES_SECONDS)
def category_choices() -> list[tuple[str, Any]]:
    """Leaf categories grouped by their parent; a parent without children is an option of its own."""
    choices: list[tuple[str, Any]] = []
    for parent, kids in selectors.category_list_tree():
        if kids:
            choices.append((parent.name, [(str(k.pk), k.name) for k in kids]))
        else:
            choices.append((str(parent.pk), parent.name))
    return choices


class SubmitForm(StyledForm):
    township = forms.ChoiceField(label=gettext_lazy("所在乡镇"), required=False)
    region = forms.ChoiceField(
        label=gettext_lazy("所在村（社区）"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("所选村（社区）不属于该乡镇，请重新选择。")},
    )
    category = forms.ChoiceField(label=gettext_lazy("诉求分类"), required=False)
    title = CleanCharField(
        label=gettext_lazy("标题"),
        required=False,
        strip=False,
        widget=forms.TextInput(
            attrs={"maxlength": TITLE_MAX, "placeholder": gettext_lazy("一句话概括您的诉求")}
        ),
    )
    content = CleanCharField(
        label=gettext_lazy("内容"),
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "maxlength": CONTENT_MAX,
                "data-counter": "content-count",
                "placeholder": gettext_lazy("请写清楚：什么事、什么时候、在哪里、希望怎么解决"),
            }
        ),
    )
    submitter_name = CleanCharField(
        label=gettext_lazy("姓名"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 50, "autocomplete": "name"}),
    )
    is_anonymous = forms.BooleanField(label=gettext_lazy("匿名反映（不留姓名）"), required=False)
    submitter_phone = CleanCharField(
        label=gettext_lazy("手机号"),
        required=False,
        help_text=gettext_lazy("用于查询办理进展和回访，不会公开。"),
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "maxlength": 20, "type": "tel"}
        ),
    )
    address = CleanCharField(
        label=gettext_lazy("地点（选填）"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 200, "placeholder": gettext_lazy("如：村东头桥边")}),
    )
    publish = forms.BooleanField(
        label=gettext_lazy("同意公开诉求内容和地点"),
        required=False,
        help_text=gettext_lazy(
            "勾选后，公开查询（如随手拍、12345 平台）可看到内容和地点；姓名、电话始终不公开。不勾选则只公开分类、状态和日期。"
        ),
    )
    attachments = MultipleFileField(
        label=gettext_lazy("照片或材料（选填）"),
        help_text=gettext_lazy(
            "可上传图片（JPG、PNG、GIF、WebP）或 PDF，最多 %(n)d 个，每个不超过 %(mb)d MB。"
        ),
    )
    # Hidden from people by CSS (not type=hidden, which bots skip); people leave it empty.
    website = forms.CharField(
        label=gettext_lazy("网站"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        township = self.fields["township"]
        region = self.fields["region"]
        category = self.fields["category"]
        assert isinstance(region, forms.ChoiceField) and isinstance(category, forms.ChoiceField)
        assert isinstance(township, forms.ChoiceField)
        township.choices = [("", _("请选择乡镇")), *township_choices()]
        chosen = self.data.get(self.add_prefix("township")) if self.is_bound else self.initial.get("township")
        self.chosen_township = self._township(chosen)
        villages = village_choices(self.chosen_township)
        region.choices = [("", _("请选择村（社区）") if villages else _("请先选择乡镇")), *villages]
        category.choices = [("", _("请选择")), *category_choices()]
        self.fields["attachments"].help_text = str(self.fields["attachments"].help_text) % {
            "n": settings.MINQING_ATTACHMENT_MAX_COUNT,
            "mb": settings.MINQING_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        }

    @staticmethod
    def _township(value: Any) -> Region | None:
        value = str(value or "")
        if not value.isdigit():
            return None
        return township_list().filter(pk=int(value)).first()

    def clean_township(self) -> Region | None:
        return self.chosen_township

    def clean_region(self) -> Region | None:
        # The choices are the chosen township's: a village of another township is refused as not offered.
        value = self.cleaned_data.get("region")
        if not value:
            return None
        return Region.objects.filter(pk=int(value), is_active=True).first()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("township") is None and not self.has_error("township"):
            self.add_error("township", _("请选择所在乡镇。"))
        return data

    def clean_category(self) -> Category | None:
        value = self.cleaned_data.get("category")
        if not value:
            return None
        return Category.objects.filter(pk=int(value), is_active=True).first()

    def clean_submitter_phone(self) -> str:
        """Shown next to the field; an empty phone is the service's to refuse."""
        value: str = self.cleaned_data.get("submitter_phone") or ""
        return normalize_phone(value) if value.strip() else ""

    def intake(self) -> Intake:
        d = self.cleaned_data
        return Intake(
            channel=Channel.ONLINE,
            category=d["category"],
            region=d["region"],
            title=d["title"],
            content=d["content"],
            submitter_name=d["submitter_name"],
            submitter_phone=d["submitter_phone"],
            is_anonymous=d["is_anonymous"],
            address=d["address"],
            attachments=d["attachments"],
            publish=d["publish"],
        )


# --- Track ---------------------------------------------------------------------------------------------------


class TrackForm(StyledForm):
    code = forms.CharField(
        label=gettext_lazy("查询码"),
        max_length=20,
        error_messages={"required": gettext_lazy("请填写查询码。")},
        widget=forms.TextInput(
            attrs={
                "autocapitalize": "characters",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "XXXXX-XXXXX",
                "class": "form-control form-control-lg font-monospace",
            }
        ),
    )
    tail = forms.RegexField(
        label=gettext_lazy("手机号后 4 位"),
        regex=r"^\s*\d{4}\s*$",
        error_messages={
            "required": gettext_lazy("请填写登记时所留手机号的后 4 位。"),
            "invalid": gettext_lazy("请填写手机号的后 4 位数字。"),
        },
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "maxlength": 4,
                "autocomplete": "off",
                "class": "form-control form-control-lg",
            }
        ),
    )


class RateForm(StyledForm):
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("您对答复是否满意？"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择满意、基本满意或不满意。")},
    )
    comment = forms.CharField(
        label=gettext_lazy("意见（选填）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
    )


class ReasonForm(StyledForm):
    """The reason for 重新办理 or 复查/复核; whether it may be asked is the service's to say."""

    reason = forms.CharField(
        label=gettext_lazy("理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )


# --- Booking a leader reception day --------------------------------------------------------------------------


class BookingForm(StyledForm):
    """A resident books a slot of a published reception day. The service decides; this only parses."""

    name = CleanCharField(
        label=gettext_lazy("姓名"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = CleanCharField(
        label=gettext_lazy("手机号"),
        max_length=20,
        help_text=gettext_lazy("接访前如有变动会电话通知，不会公开。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "type": "tel"}),
    )
    village = forms.ChoiceField(label=gettext_lazy("所在村（社区）"))
    slot = forms.ChoiceField(label=gettext_lazy("预约时段"))
    topic = CleanCharField(
        label=gettext_lazy("反映事项"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": gettext_lazy("简要说明想当面反映的事")}),
    )
    website = forms.CharField(
        label=gettext_lazy("网站"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(
        self, *args: Any, villages: list[Region], slots: list[tuple[datetime.time, bool]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._villages = {str(v.pk): v for v in villages}
        village = self.fields["village"]
        slot = self.fields["slot"]
        assert isinstance(village, forms.ChoiceField) and isinstance(slot, forms.ChoiceField)
        village.choices = [("", _("请选择")), *((str(v.pk), v.name) for v in villages)]
        slot.choices = [("", _("请选择"))] + [
            (t.strftime("%H:%M"), t.strftime("%H:%M") + ("" if free else " " + _("（已约满）")))
            for t, free in slots
        ]

    def clean_village(self) -> Region | None:
        return self._villages.get(self.cleaned_data.get("village") or "")

    def clean_slot(self) -> datetime.time | None:
        try:
            return datetime.datetime.strptime(self.cleaned_data.get("slot") or "", "%H:%M").time()
        except ValueError:
            return None
