from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TextintelConfig(AppConfig):
    name = "minqing.textintel"
    verbose_name = _("文本智能")
    default_auto_field = "django.db.models.BigAutoField"
