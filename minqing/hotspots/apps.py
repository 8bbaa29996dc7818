from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotspotsConfig(AppConfig):
    name = "minqing.hotspots"
    verbose_name = _("热点与预警")
    default_auto_field = "django.db.models.BigAutoField"
