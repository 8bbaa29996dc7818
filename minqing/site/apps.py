from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core.menu import MenuItem, MenuLink, item


class SiteConfig(AppConfig):
    """The top floor: home page, menu, admin site and demo data. It may import every app; none imports it."""

    name = "minqing.site"
    label = "site"
    # A leader opens everyone's lists (their own is one click away); a cadre opens their own.
    menu = (
        MenuItem(
            15,
            _("责任清单"),
            (
                MenuLink("duties_team", ("view_duties",)),
                MenuLink("duties_mine", ("view_petitions", "handle_assigned", "log_visits", "view_disputes")),
            ),
        ),
        item(90, _("系统配置"), "admin:index", "manage_config", "manage_roles"),
    )
