from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "minqing.regions"
    label = "regions"
