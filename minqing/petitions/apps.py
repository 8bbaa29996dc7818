from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core.menu import item


class PetitionsConfig(AppConfig):
    name = "minqing.petitions"
    menu = (item(20, _("诉求办理"), "petitions:list", "view_petitions", "handle_assigned"),)
    verbose_name = _("诉求与信访")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # checks registers petitions.W001 (no CJK font for printed notices); panels fill other apps' pages.
        from . import checks, extends  # noqa: F401

        extends.register()
