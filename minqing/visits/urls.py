from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.my_month, name="mine"),
    path("new/", views.visit_new, name="new"),
    path("households/", views.household_pick, name="household_pick"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/finding/", views.visit_finding, name="finding"),
    path("<int:pk>/dispute/", views.visit_dispute_new, name="dispute_new"),
    path("<int:pk>/photos/<int:photo_id>/", views.visit_photo, name="photo"),
    path("compliance/", views.compliance, name="compliance"),
    path("coverage/", views.coverage, name="coverage"),
    path("village/<str:code>/", views.village, name="village"),
    path("rules/", views.rules, name="rules"),
    path("training/", views.training, name="training"),
    path("training/new/", views.course_new, name="course_new"),
]
