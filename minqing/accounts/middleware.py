"""An account whose password someone else chose (a new account, a reset) goes to the password change page
until its owner has chosen one: the administrator who knows the password cannot keep using it."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            target = reverse("password_change")
            allowed = (target, reverse("logout"), settings.STATIC_URL or "/static/", "/i18n/")
            if not request.path.startswith(allowed):
                response = HttpResponseRedirect(target)
                if request.headers.get("HX-Request"):
                    response["HX-Redirect"] = target
                return response
        return self.get_response(request)
