from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core.menu import item


class HouseholdsConfig(AppConfig):
    name = "minqing.households"
    menu = (
        item(10, _("民情档案"), "households:list", "view_households"),
        item(70, _("导入"), "households:import", "import_households"),
    )
    label = "households"
