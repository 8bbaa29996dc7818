"""The public policy library, mounted at /p/policies/: no account needed."""

from django.urls import URLPattern, URLResolver, path

from .views import public

app_name = "public_policies"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", public.library, name="list"),
    path("<int:pk>/", public.detail, name="detail"),
]
