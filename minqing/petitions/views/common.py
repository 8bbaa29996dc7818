"""What the staff pages of requests share: who may read them, and the query string's numbers and dates."""

import datetime

from minqing.accounts.models import User
from minqing.regions.scoping import Perm, has_perm


def can_view(user: User) -> bool:
    return has_perm(user, Perm.VIEW_PETITIONS) or has_perm(user, Perm.HANDLE_ASSIGNED)


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def date_or_none(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None
