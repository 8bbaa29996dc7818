from django.urls import path

from . import views

app_name = "hotspots"

urlpatterns = [
    path("", views.hotspot_list, name="list"),
    path("<int:pk>/", views.hotspot_detail, name="detail"),
    path("warnings/<int:pk>/status/", views.warning_status, name="warning_status"),
    path("watchlist/", views.watchlist, name="watchlist"),
    path("watchlist/<int:pk>/toggle/", views.watch_toggle, name="watch_toggle"),
]
