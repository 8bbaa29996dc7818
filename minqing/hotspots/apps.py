from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core.menu import item
from minqing.core.schedule import periodic


class HotspotsConfig(AppConfig):
    name = "minqing.hotspots"
    menu = (item(30, _("热点预警"), "hotspots:list", "view_hotspots"),)
    verbose_name = _("热点与预警")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import extends
        from .tasks import compute_hotspots, next_run

        extends.register()
        periodic("hotspots_compute", compute_hotspots, next_run)
