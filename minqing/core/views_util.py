"""Small helpers views share: turning service errors into form errors, client address."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest

from .errors import ServiceError


def apply_errors(form: forms.Form, exc: ValidationError | ServiceError) -> None:
    """Show a service's refusal on the form: field errors next to fields, the rest on top."""
    if isinstance(exc, ServiceError):
        form.add_error(None, exc.message)
        return
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address. Behind a reverse proxy listed in MINQING_TRUSTED_PROXIES, the last address that
    proxy appended to X-Forwarded-For; never a header from anyone else, who could forge it."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = getattr(settings, "MINQING_TRUSTED_PROXIES", ())
    if remote and remote in trusted:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        # Walk back from the nearest hop, skipping our own proxies: the first other address is the client.
        for address in reversed(forwarded):
            if address not in trusted:
                return address
    return remote


def inline_file(file: Any, content_type: str) -> FileResponse:
    """A stored upload (an image or PDF checked by content when it came in) shown in the browser, never run: no
    sniffing, and a policy that lets the page load nothing but itself."""
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response
