from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "minqing.audit"
    label = "audit"
