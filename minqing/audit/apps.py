from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core.menu import item


class AuditConfig(AppConfig):
    name = "minqing.audit"
    menu = (item(80, _("审计日志"), "audit:list", "view_audit"),)
    label = "audit"
