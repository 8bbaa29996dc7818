import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core import jobs
from minqing.core.menu import item
from minqing.core.schedule import periodic


class PetitionsConfig(AppConfig):
    name = "minqing.petitions"
    menu = (item(20, _("诉求办理"), "petitions:list", "view_petitions", "handle_assigned"),)
    verbose_name = _("诉求与信访")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # checks registers petitions.W001 (no CJK font for printed notices); extends fills other apps' pages;
        # duties adds requests and reception days to the 责任清单; search defines the full-text index, which the
        # rebuild command finds by name.
        from . import checks, duties, extends, search  # noqa: F401
        from .followups import registered_followups
        from .tasks import next_run, remind_due_petitions

        extends.register()
        duties.register()
        periodic("petitions_remind", remind_due_petitions, next_run)
        # One transaction: a run killed half-way did nothing, so it is run again.
        jobs.lease(registered_followups, duration=datetime.timedelta(minutes=10), rerun=True)
