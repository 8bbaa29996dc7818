"""A paginator for lists that can be very long (a county's requests): it stops counting at a cap, because an
exact count of a million rows costs more than the page itself and nobody pages past the cap anyway."""

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        # Without the page's ORDER BY: counting needs no order, and with it the database walks the sort index.
        rows = self.object_list.order_by()  # type: ignore[attr-defined]
        return int(rows[: self.cap + 1].count())

    @property
    def capped(self) -> bool:
        """True when there are more rows than the cap; `count` is then cap + 1 and shows as "10000+"."""
        return bool(self.count > self.cap)


def capped_page(object_list: Any, per_page: int, number: Any) -> Any:
    return CappedPaginator(object_list, per_page).get_page(number)
