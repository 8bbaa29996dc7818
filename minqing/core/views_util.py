"""Small helpers views share: turning service errors into form errors, client address."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

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
    return request.META.get("REMOTE_ADDR")
