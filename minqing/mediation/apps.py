from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core.menu import item


class MediationConfig(AppConfig):
    name = "minqing.mediation"
    menu = (item(50, _("矛盾调解"), "mediation:list", "view_disputes"),)
    verbose_name = _("矛盾纠纷与调解")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import duties, extends

        extends.register()
        duties.register()
