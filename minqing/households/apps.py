from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core.menu import item
from minqing.core.schedule import periodic


class HouseholdsConfig(AppConfig):
    name = "minqing.households"
    menu = (
        item(10, _("民情档案"), "households:list", "view_households"),
        item(70, _("导入"), "households:import", "import_households"),
    )
    label = "households"

    def ready(self) -> None:
        from .tasks import next_sweep, sweep_stale_imports

        periodic("households_sweep_stale_imports", sweep_stale_imports, next_sweep)
