from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core.menu import item


class SiteConfig(AppConfig):
    """The top floor: home page, menu, admin site and demo data. It may import every app; none imports it."""

    name = "minqing.site"
    label = "site"
    menu = (item(90, _("系统配置"), "admin:index", "manage_config", "manage_roles"),)
