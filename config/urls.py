from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("minqing.accounts.urls")),
    path("audit/", include("minqing.audit.urls")),
    path("households/", include("minqing.households.urls")),
    path("", include("minqing.core.urls")),
]
