from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("duties/", views.duties_mine, name="duties_mine"),
    path("duties/team/", views.duties_team, name="duties_team"),
    path("duties/people/<int:pk>/", views.duties_person, name="duties_person"),
]
