"""/api/: the staff REST API (v1), its OpenAPI schema, and the benchmark's hello-world."""

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from minqing.textintel.api import suggest_category

from . import views

app_name = "api"

router = SimpleRouter()
router.register("petitions", views.PetitionViewSet, basename="petition")

urlpatterns: list[URLPattern | URLResolver] = [
    path("ping", views.ping, name="ping"),
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
        name="schema",
    ),
    path("v1/suggest-category", suggest_category, name="suggest_category"),
    path("v1/", include(router.urls)),
]
