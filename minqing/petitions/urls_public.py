"""The public pages, mounted at /p/: no account needed."""

from django.urls import URLPattern, URLResolver, path

from . import views_public as views

app_name = "public"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.landing, name="landing"),
    path("submit/", views.submit, name="submit"),
    path("submit/done/", views.done, name="done"),
    path("track/", views.track, name="track"),
    path("track/<int:pk>/", views.track_detail, name="track_detail"),
    path("track/<int:pk>/rate/", views.rate, name="rate"),
    path("track/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("track/<int:pk>/review/", views.review, name="review"),
    path("reception/", views.reception, name="reception"),
]
