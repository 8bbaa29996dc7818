"""Open311 GeoReport v2, mounted at /open311/v2/. Every resource ends in .json or .xml (the spec's format suffix)."""

from django.urls import URLPattern, URLResolver, re_path

from . import open311

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"
urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[-\w]+)" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests, name="requests"),
    re_path(r"^requests/(?P<rid>[^/.]+)" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/.]+)" + FMT, open311.token_detail, name="token"),
    # Last: every other path answers the spec's error list, not Django's HTML page.
    re_path(r"^(?P<rest>.*)$", open311.not_found, name="not_found"),
]
