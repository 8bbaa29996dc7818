"""The steps on the dispute page, one POST each.

A step parses its form and calls its service; a refusal shows the page again with the form and its errors. The
steps are declared by sub-domain, in `disputes`, `sessions` and `agreements`.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.core.errors import ServiceError, ValidationError
from minqing.core.request import AuthedRequest
from minqing.core.views_util import apply_errors
from minqing.regions.scoping import Perm, has_perm

from .. import selectors
from ..forms import RefuseForm, RiskForm, SignForm, StartForm
from . import agreements, disputes, sessions
from .common import Step
from .disputes import detail_context

STEPS: dict[str, Step] = {**disputes.STEPS, **sessions.STEPS, **agreements.STEPS}


# The detail page's name for each step's form, where it is not "<step>_form".
CONTEXT_KEY = {"topetition": "to_petition_form", "judicial": "judicial_form", "decide": "decide_form"}


@login_required
@require_POST
def dispute_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    d = selectors.dispute_get(actor=request.user, pk=pk)  # Http404 outside the user's regions
    form_class, prefix, call, done = STEPS[step]
    kwargs: dict[str, Any] = {"prefix": prefix}
    parties = d.parties.all()
    if form_class in (StartForm,):
        kwargs.update(
            parties=parties, mediators=selectors.staff_list(region_path=d.region_path, perm=Perm.MEDIATE)
        )
    elif form_class in (RefuseForm, SignForm):
        kwargs["parties"] = parties
    elif form_class is RiskForm:
        kwargs["staff"] = selectors.staff_list(region_path=d.region_path)
    form = form_class(request.POST, request.FILES, **kwargs)
    if form.is_valid():
        try:
            result = call(request, d, form)
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
        else:
            messages.success(request, done)
            if step == "topetition" and has_perm(request.user, Perm.VIEW_PETITIONS, d.region_path):
                return redirect("petitions:detail", result.pk)  # type: ignore[attr-defined]
            return redirect(reverse("mediation:detail", args=[d.pk]) + f"#step-{step}")
    context = detail_context(request, pk)
    context[CONTEXT_KEY.get(step, f"{step}_form")] = form
    if not context["shown"].get(step):
        # The step's form is no longer on the page (the state moved on): say why at the top.
        context["failed_errors"] = [str(e) for errors in form.errors.values() for e in errors]
    context["failed_step"] = step
    return render(request, "mediation/detail.html", context, status=200)
