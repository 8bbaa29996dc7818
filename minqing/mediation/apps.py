from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "minqing.mediation"
    verbose_name = _("矛盾纠纷与调解")
    default_auto_field = "django.db.models.BigAutoField"
