"""Masking of personal identifiers shown in lists and pages (个人信息保护)."""

from collections.abc import Callable


def mask_id_number(value: str | None) -> str:
    """3201**********1234: the first four and last four characters stay visible."""
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 for mobiles; landlines keep their last four digits."""
    if not value:
        return ""
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def keep_if_masked(posted: str | None, stored: str | None, mask: Callable[[str | None], str]) -> str:
    """A form shows a stored identifier masked; posted back unchanged, the mask means "keep the stored value".
    Anything else typed in its place is the new value."""
    posted = (posted or "").strip()
    if stored and posted and posted == mask(stored):
        return stored
    return posted
