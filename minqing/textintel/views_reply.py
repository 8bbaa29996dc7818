"""The reply check on the request page: a small fragment fetched while the officer types the reply."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from minqing.core.request import AuthedRequest
from minqing.petitions import selectors as petition_selectors
from minqing.petitions.access import can_act_on_petition

from . import replycheck

# The reply step's form prefix on the request page (petitions.views.steps.STEPS["reply"]).
REPLY_FIELD = "reply-text"


@login_required
@require_POST
def reply_check(request: AuthedRequest, pk: int) -> HttpResponse:
    # Out-of-region requests are a 404, exactly like the request page itself.
    petition = petition_selectors.petition_get(actor=request.user, pk=pk)
    if not can_act_on_petition(request.user, petition):
        raise PermissionDenied
    text = request.POST.get(REPLY_FIELD, "")
    check = replycheck.check_reply(petition.title, petition.content, text) if text.strip() else None
    return render(request, "textintel/_reply_check.html", {"check": check})
