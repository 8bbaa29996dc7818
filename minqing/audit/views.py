import datetime
import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minqing.core.forms import StyledForm
from minqing.core.request import AuthedRequest
from minqing.core.views_util import client_ip
from minqing.printing import xlsx
from minqing.regions.scoping import Perm, require

from .models import Action, AuditEntry
from .selectors import audit_entries
from .services import audit_export_record

EXPORT_LIMIT = 100_000


class AuditFilterForm(StyledForm):
    user = forms.CharField(label=gettext_lazy("操作人账号"), required=False, max_length=150)
    object_type = forms.CharField(label=gettext_lazy("对象类型"), required=False, max_length=60)
    object_id = forms.CharField(label=gettext_lazy("对象编号"), required=False, max_length=64)
    action = forms.ChoiceField(
        label=gettext_lazy("操作"), choices=[("", "—"), *Action.choices], required=False
    )
    date_from = forms.DateField(
        label=gettext_lazy("起"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("止"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _filters(request: AuthedRequest) -> tuple[AuditFilterForm, dict[str, Any]]:
    form = AuditFilterForm(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else {})


def _filtered(request: AuthedRequest) -> tuple[AuditFilterForm, QuerySet[AuditEntry]]:
    form, filters = _filters(request)
    return form, audit_entries(request.user, **filters)


@login_required
def audit_list(request: AuthedRequest) -> HttpResponse:
    """The audit administrator's viewer: filter by user, object and date; export what is shown."""
    require(request.user, Perm.VIEW_AUDIT)
    form, qs = _filtered(request)
    params = request.GET.copy()
    params.pop("page", None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"form": form, "page": page, "querystring": params.urlencode()})


@login_required
def audit_export(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_AUDIT)
    _form, filters = _filters(request)
    qs = audit_entries(request.user, **filters)
    written = 0
    buffer = io.BytesIO()
    book = xlsx.new_workbook(buffer, constant_memory=True)
    formats = xlsx.Formats(book)
    sheet = book.add_worksheet(_("审计日志"))
    headers = [
        _("时间"),
        _("操作人"),
        _("操作"),
        _("对象类型"),
        _("对象编号"),
        _("对象"),
        _("说明"),
        _("IP"),
        _("修改前"),
        _("修改后"),
    ]
    xlsx.write_row(sheet, 0, headers, formats)
    tz = timezone.get_current_timezone()
    for i, e in enumerate(qs[:EXPORT_LIMIT].iterator(chunk_size=2000), start=1):
        # Names, notes and snapshots are user text: written as strings, never as formulas or links.
        xlsx.write_row(
            sheet,
            i,
            [
                e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor_name,
                e.get_action_display(),
                e.object_type,
                e.object_id,
                e.object_repr,
                e.note,
                e.ip or "",
                str(e.before) if e.before is not None else "",
                str(e.after) if e.after is not None else "",
            ],
            formats,
        )
        written = i
    book.close()
    audit_export_record(actor=request.user, rows=written, filters=filters, ip=client_ip(request))
    stamp = datetime.datetime.now(tz).strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    return response
