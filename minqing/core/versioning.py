"""Optimistic concurrency for records edited on forms, one mechanism for all of them.

An edit form carries the version of the record it was built from (`minqing.core.forms.version_field`). The
service locks the row with `lock_current`, which refuses with ConflictError when someone saved in between, and
saves with `bump`. The user keeps what they typed (the form is shown again with the message) and nobody's change
is overwritten by values read before it.
"""

from .errors import ConflictError
from .models import Versioned


def lock_current[V: Versioned](model: type[V], pk: int, seen: int | None, message: str) -> V:
    """The row, locked until the transaction ends. `seen` is the version the user's form was built from; None
    for steps that write no values read earlier (adding a party, a scheduled job), which only lock."""
    locked = model._default_manager.select_for_update().get(pk=pk)
    if seen is not None and locked.version != seen:
        raise ConflictError(message)
    return locked


def bump(obj: Versioned) -> None:
    """Mark a change: forms built from the previous version will be refused."""
    obj.version += 1
