from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minqing.audit.admin import PermAdmin
from minqing.core.views_util import apply_errors, client_ip
from minqing.regions.models import Level, Region
from minqing.regions.scoping import Perm, has_perm

from . import services
from .models import Department, LoginFailure, RoleAssignment, User


@admin.register(User)
class UserAdmin(PermAdmin, BaseUserAdmin):
    """The system administrator keeps accounts; roles are granted, and passwords reset, by the security
    administrator, who sees the accounts but does not edit them."""

    perm = Perm.MANAGE_CONFIG
    list_display = ["username", "display_name", "title", "phone", "is_active", "last_login"]
    list_filter = ["is_active"]
    search_fields = ["username", "display_name", "phone"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("基本信息"), {"fields": ("display_name", "title", "phone", "email")}),
        (_("状态"), {"fields": ("is_active", "must_change_password", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "display_name", "password1", "password2")}),
    )
    readonly_fields = ["must_change_password", "last_login", "date_joined"]
    change_form_template = "accounts/admin_user_change_form.html"

    def _sees_accounts(self, request: HttpRequest) -> bool:
        return has_perm(request.user, Perm.MANAGE_CONFIG) or has_perm(request.user, Perm.MANAGE_ROLES)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._sees_accounts(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._sees_accounts(request)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # The reset is offered to whoever the separation of duties lets reset this account, and to no one else.
        user = self.get_object(request, unquote(object_id))
        actor: User = request.user  # type: ignore[assignment]
        if user is not None and services.password_reset_allowed(actor=actor, user=user):
            url = reverse(f"{self.admin_site.name}:accounts_user_password_change", args=[user.pk])
            extra_context = {**(extra_context or {}), "password_reset_url": url}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.user_save(actor=request.user, user=obj, is_new=not change)  # type: ignore[arg-type]

    def get_urls(self) -> list[Any]:
        # Replaces the admin's own password page (same address and name), which would set any password unaudited.
        return [
            path(
                "<id>/password/",
                self.admin_site.admin_view(self.user_change_password),
                name="accounts_user_password_change",
            ),
            *super().get_urls(),
        ]

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404
        actor: User = request.user  # type: ignore[assignment]
        services.password_reset_check(actor=actor, user=user)  # PermissionDenied → 403
        form = SetPasswordForm(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.password_reset(
                    actor=actor, user=user, password=form.cleaned_data["new_password1"], ip=client_ip(request)
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("已重置 %(user)s 的密码，该用户下次登录时须设置新密码。") % {"user": user}
                )
                return HttpResponseRedirect(reverse("admin:accounts_user_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("重置密码：%(user)s") % {"user": user.get_username()},
            "form": form,
            "original": user,
            "opts": self.opts,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "accounts/admin_password_reset.html", context)


class RoleAssignmentForm(forms.ModelForm):
    """Checks the grant against the separation of duties in the service, so a refusal shows on the form."""

    actor: User | None = None

    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "region"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, role, region = data.get("user"), data.get("role"), data.get("region")
        if self.actor is not None and user is not None and role and region is not None:
            try:
                services.role_grant_check(
                    actor=self.actor,
                    user=user,
                    role=role,
                    region=region,
                    replacing=self.instance if self.instance.pk else None,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            except PermissionDenied as exc:
                self.add_error(None, str(exc))
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(PermAdmin):
    perm = Perm.MANAGE_ROLES
    can_delete = True
    form = RoleAssignmentForm
    list_display = ["user", "role", "region", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name", "region__name", "region__code"]
    raw_id_fields = ["user", "region"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        base = super().get_form(request, obj, change=change, **kwargs)
        return type(base.__name__, (base,), {"actor": request.user})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor: User = request.user  # type: ignore[assignment]
        if change:
            old = RoleAssignment.objects.get(pk=obj.pk)
            saved = services.role_change(
                actor=actor, assignment=old, user=obj.user, role=obj.role, region=obj.region
            )
        else:
            saved = services.role_grant(actor=actor, user=obj.user, role=obj.role, region=obj.region)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.role_revoke(actor=request.user, assignment=obj)  # type: ignore[arg-type]


@admin.register(Department)
class DepartmentAdmin(PermAdmin):
    list_display = ["name", "region", "phone", "is_active"]
    list_filter = ["is_active", "region"]
    filter_horizontal = ["members"]
    search_fields = ["name"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "region":
            kwargs["queryset"] = Region.objects.filter(level=Level.TOWNSHIP, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.region_path = obj.region.path  # derived from the chosen township, as every region-bound row
        super().save_model(request, obj, form, change)


@admin.register(LoginFailure)
class LoginFailureAdmin(PermAdmin):
    """Recent failed logins, per account and address; the security administrator lifts a lockout here."""

    perm = Perm.MANAGE_ROLES
    list_display = ["username", "ip_address", "failures_since_start", "attempt_time"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    fields = ["username", "ip_address", "user_agent", "failures_since_start", "attempt_time"]
    readonly_fields = ["username", "ip_address", "user_agent", "failures_since_start", "attempt_time"]
    actions = ["unlock"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("解除所选账号的登录锁定"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[LoginFailure]) -> None:
        actor: User = request.user  # type: ignore[assignment]
        usernames = sorted({u for u in queryset.values_list("username", flat=True) if u})
        for username in usernames:
            services.account_unlock(actor=actor, username=username, ip=client_ip(request))
        self.message_user(request, _("已解除 %(n)d 个账号的登录锁定。") % {"n": len(usernames)})
