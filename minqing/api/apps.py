from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "minqing.api"
    label = "api"
    verbose_name = _("接口")

    def ready(self) -> None:
        from . import auth  # noqa: F401  (registers the token scheme with drf-spectacular)
