from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "minqing.households"
    label = "households"
