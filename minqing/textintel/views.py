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
    """Top 3 categories for the title and content typed so far; each button selects its category in the form."""
    require(request.user, Perm.INTAKE_PETITIONS)
    title, content = _text(request)
    version, suggestions = selectors.category_suggestions(title, content)
    return render(request, "textintel/_suggest.html", {"suggestions": suggestions, "model_version": version})


@require_http_methods(["GET", "POST"])
def public_category_suggest(request: HttpRequest) -> HttpResponse:
    """The same suggestions on the residents' submit page: only category names, so no login is needed."""
    title, content = _text(request)
    _version, suggestions = selectors.category_suggestions(title, content)
    return render(request, "textintel/_suggest.html", {"suggestions": suggestions, "public": True})
