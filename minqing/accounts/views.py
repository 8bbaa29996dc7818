from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from minqing.core.views_util import client_ip

from . import services


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.login_record(user=form.get_user(), ip=client_ip(self.request))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        services.login_failed_record(username=form.data.get("username", ""), ip=client_ip(self.request))
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.logout_record(user=request.user, ip=client_ip(request))
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = "/"
