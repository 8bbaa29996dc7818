from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from minqing.core.forms import StyledForm
from minqing.regions.models import Region

from .models import WarningStatus


class WarningStatusForm(StyledForm):
    status = forms.ChoiceField(label=_("状态"), choices=WarningStatus.choices)
    note = forms.CharField(label=_("处置情况"), max_length=300, required=False)


class WatchedPhraseForm(StyledForm):
    phrase = forms.CharField(label=_("关注词"), max_length=30)
    exclusions = forms.CharField(
        label=_("排除词"),
        max_length=300,
        required=False,
        help_text=_("包含关注词但不是该意思的词，用空格或逗号分隔。"),
    )
    region = forms.ModelChoiceField(label=_("适用区域"), queryset=Region.objects.none())

    def __init__(self, *args: Any, regions: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
