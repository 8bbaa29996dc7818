from django.contrib import admin
from django.urls import include, path, re_path

from minqing.api import open311

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("minqing.accounts.urls")),
    path("audit/", include("minqing.audit.urls")),
    path("households/", include("minqing.households.urls")),
    path("petitions/", include("minqing.petitions.urls")),
    path("policies/", include("minqing.policies.urls")),
    path("p/policies/", include("minqing.policies.urls_public")),
    path("p/", include("minqing.petitions.urls_public")),
    path("visits/", include("minqing.visits.urls")),
    path("mediation/", include("minqing.mediation.urls")),
    path("textintel/", include("minqing.textintel.urls")),
    path("hotspots/", include("minqing.hotspots.urls")),
    path("api/", include("minqing.api.urls")),
    path("open311/v2/", include("minqing.api.open311_urls")),
    # Where GeoReport clients look for the discovery document: beside the versioned endpoints.
    re_path(r"^open311/discovery\.(?P<fmt>json|xml)$", open311.discovery, name="open311_discovery"),
    path("", include("minqing.site.urls")),
]
