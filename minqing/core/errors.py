"""Errors raised by services. Views turn them into a clear message, never a 500."""

from django.core.exceptions import ValidationError

__all__ = ["ConflictError", "ServiceError", "ValidationError"]


class ServiceError(Exception):
    """A rule of the domain refused the change; the message is shown to the user as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConflictError(ServiceError):
    """Someone else changed the record since it was read."""
