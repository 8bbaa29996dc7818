from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minqing.core.schedule import periodic


class TextintelConfig(AppConfig):
    name = "minqing.textintel"
    verbose_name = _("文本智能")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # checks registers textintel.W001 (the active model cannot be loaded).
        from . import checks, extends  # noqa: F401
        from .tasks import next_run, retrain_category_model

        extends.register()
        periodic("textintel_retrain", retrain_category_model, next_run)
