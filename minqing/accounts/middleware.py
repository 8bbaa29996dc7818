"""Session rules: an account whose password someone else chose (a new account, a reset) goes to the password
change page until its owner has chosen one, so the administrator who knows the password cannot keep using it;
and an idle session ends, however often an open page polls."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from minqing.core.views_util import client_ip

from . import services


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


# A request a page makes by itself (htmx polling) sends this header; it does not count as the user being there.
POLL_HEADER = "X-Minqing-Poll"
LAST_ACTIVE = "_minqing_last_active"


def is_poll(request: HttpRequest) -> bool:
    return request.headers.get(POLL_HEADER) == "1"


class IdleSessionMiddleware:
    """End a session after SESSION_COOKIE_AGE seconds without anything the user did.

    The session keeps the time of the user's last own request. A page polling on its own (an import's status)
    neither moves that time nor saves the session, so a tab left open does not keep the cadre logged in: the
    first request after the idle period, polling or not, logs out (audited) and goes to the login page. The
    header can only be left off by a client, which then merely keeps its own session as any click would."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVE)
            if isinstance(last, int) and now - last > settings.SESSION_COOKIE_AGE:
                return self._expired(request)
            if not is_poll(request):
                request.session[LAST_ACTIVE] = (
                    now  # saved, with a fresh expiry, only for the user's own requests
                )
        return self.get_response(request)

    def _expired(self, request: HttpRequest) -> HttpResponse:
        services.logout_record(user=request.user, ip=client_ip(request), note=_("长时间未操作，自动退出"))
        logout(request)
        messages.info(request, _("长时间未操作，已自动退出，请重新登录。"))
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse(settings.LOGIN_URL)
            return response
        return redirect_to_login(request.get_full_path())
