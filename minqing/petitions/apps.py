from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core.menu import item
from minqing.core.schedule import periodic


class PetitionsConfig(AppConfig):
    name = "minqing.petitions"
    menu = (item(20, _("诉求办理"), "petitions:list", "view_petitions", "handle_assigned"),)
    verbose_name = _("诉求与信访")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # checks registers petitions.W001 (no CJK font for printed notices); extends fills other apps' pages;
        # search defines the full-text index, which the rebuild command finds by name.
        from . import checks, extends, search  # noqa: F401
        from .tasks import next_run, remind_due_petitions

        extends.register()
        periodic("petitions_remind", remind_due_petitions, next_run)
