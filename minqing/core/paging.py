"""A paginator for lists that can be very long (a county's requests): it stops counting at a cap, because an
exact count of a million rows costs more than the page itself and nobody pages past the cap anyway."""

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    def __init__(self, object_list: Any, per_page: int, *, count_from: Any = None) -> None:
        super().__init__(object_list, per_page)
        # The same rows, filtered in the form that counts fastest (see regions.models.subtree_q).
        self.count_from = count_from

    @cached_property
    def count(self) -> int:
        # Without the page's ORDER BY: counting needs no order, and with it the database walks the sort index.
        source = self.count_from if self.count_from is not None else self.object_list
        rows = source.order_by()  # type: ignore[union-attr]
        return int(rows[: self.cap + 1].count())

    @property
    def capped(self) -> bool:
        """True when there are more rows than the cap; `count` is then cap + 1 and shows as "10000+"."""
        return bool(self.count > self.cap)


def capped_page(object_list: Any, per_page: int, number: Any, *, count_from: Any = None) -> Any:
    return CappedPaginator(object_list, per_page, count_from=count_from).get_page(number)
