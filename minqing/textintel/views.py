"""HTML fragments fetched while an officer types: category suggestions at intake."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from minqing.core.request import AuthedRequest
from minqing.regions.scoping import Perm, require

from . import selectors

# What is read of a typed text: enough for the classifier, bounded so a pasted book costs nothing.
_MAX_INPUT = 20_000


def _text(request: HttpRequest) -> tuple[str, str]:
    # POST from the forms (a long request does not fit in a URL); GET for scripts and links.
    data = request.POST if request.method == "POST" else request.GET
    return data.get("title", "")[:_MAX_INPUT], data.get("content", "")[:_MAX_INPUT]


@login_required
@require_http_methods(["GET", "POST"])
def category_suggest(request: AuthedRequest) -> HttpResponse:
    """The category for the title and content typed so far, when it is sure enough; the button selects it."""
    require(request.user, Perm.INTAKE_PETITIONS)
    title, content = _text(request)
    result = selectors.category_suggest(title, content)
    return render(
        request,
        "textintel/_suggest.html",
        {"suggestions": result.shown, "abstained": result.abstained, "model_version": result.model_version},
    )


@require_http_methods(["GET", "POST"])
def public_category_suggest(request: HttpRequest) -> HttpResponse:
    """The same suggestions on the residents' submit page: only category names, so no login is needed."""
    title, content = _text(request)
    result = selectors.category_suggest(title, content)
    return render(
        request,
        "textintel/_suggest.html",
        {"suggestions": result.shown, "abstained": result.abstained, "public": True},
    )
