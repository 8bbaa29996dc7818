"""The visitor's address behind a reverse proxy: believed only from a trusted proxy."""

from django.test import RequestFactory

from minqing.core.views_util import client_ip


def test_forwarded_header_from_an_untrusted_peer_is_ignored(settings):
    settings.MINQING_TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "203.0.113.9"


def test_forwarded_header_from_a_trusted_proxy_gives_the_client(settings):
    settings.MINQING_TRUSTED_PROXIES = ["10.0.0.2"]
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.7")
    # The client may have sent its own X-Forwarded-For (9.9.9.9); the proxy appended the real peer last.
    assert client_ip(request) == "198.51.100.7"
