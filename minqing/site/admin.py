"""The Django admin as the configuration console of the three separated administrators (三员分立)."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from minqing.regions.scoping import Perm, has_perm


class MinqingAdminSite(admin.AdminSite):
    site_header = _("民情 · 系统配置")
    site_title = _("民情")
    index_title = _("配置")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active and (has_perm(user, Perm.MANAGE_CONFIG) or has_perm(user, Perm.MANAGE_ROLES))
        )
