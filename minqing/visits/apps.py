from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core.menu import MenuItem, MenuLink


class VisitsConfig(AppConfig):
    name = "minqing.visits"
    # A cadre who logs visits opens their own month; a reader of others' visits opens the compliance table.
    menu = (
        MenuItem(
            40,
            _("下村"),
            (MenuLink("visits:mine", ("log_visits",)), MenuLink("visits:compliance", ("view_visits",))),
        ),
    )
    verbose_name = _("下村与走访")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import duties, extends

        extends.register()
        duties.register()
