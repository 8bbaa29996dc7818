from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core.menu import item


class PoliciesConfig(AppConfig):
    name = "minqing.policies"
    menu = (item(45, _("惠民政策"), "policies:list", "view_policies", "manage_policies"),)
    verbose_name = _("惠民政策")
    default_auto_field = "django.db.models.BigAutoField"
