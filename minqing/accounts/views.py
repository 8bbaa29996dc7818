from typing import Any

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from minqing.core.views_util import apply_errors, client_ip

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

    def form_valid(self, form: Any) -> HttpResponse:
        # The form has checked the old password; the service sets the new one and audits it.
        try:
            services.password_change(
                actor=form.user, password=form.cleaned_data["new_password1"], ip=client_ip(self.request)
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, form.user)
        return HttpResponseRedirect(self.get_success_url())
