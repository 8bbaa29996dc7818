"""The public pages, mounted at /p/: no account needed."""

from django.urls import URLPattern, URLResolver, path

from .views import public

app_name = "public"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", public.landing, name="landing"),
    path("submit/", public.submit, name="submit"),
    path("submit/done/", public.done, name="done"),
    path("track/", public.track, name="track"),
    path("track/<int:pk>/", public.track_detail, name="track_detail"),
    path("track/<int:pk>/rate/", public.rate, name="rate"),
    path("track/<int:pk>/reopen/", public.reopen, name="reopen"),
    path("track/<int:pk>/review/", public.review, name="review"),
    path("reception/", public.reception, name="reception"),
    path("reception/<int:pk>/book/", public.reception_book, name="reception_book"),
    path("reception/booked/", public.reception_booked, name="reception_booked"),
]
