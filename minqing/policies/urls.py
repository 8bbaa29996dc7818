from django.urls import URLPattern, URLResolver, path

from .views import office

app_name = "policies"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", office.policy_list, name="list"),
    path("new/", office.policy_new, name="new"),
    path("<int:pk>/", office.policy_detail, name="detail"),
    path("<int:pk>/edit/", office.policy_edit, name="edit"),
    path("<int:pk>/versions/new/", office.policy_version_new, name="version_new"),
    path("<int:pk>/retire/", office.policy_retire, name="retire"),
]
