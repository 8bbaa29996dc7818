"""Login lockouts. Axes locks an account for one address after AXES_FAILURE_LIMIT failures; this handler adds
a limit per account over every address (MINQING_ACCOUNT_FAILURE_LIMIT), so that guessing from many addresses
is stopped too, and records the moment either limit is reached."""

from dataclasses import dataclass
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Sum
from django.http import HttpRequest

from . import services


@dataclass(frozen=True)
class Failures:
    address: int  # recent failures of the account from the request's address
    account: int  # recent failures of the account from every address
    addresses: int  # how many addresses they came from


def account_failure_limit() -> int:
    return int(settings.MINQING_ACCOUNT_FAILURE_LIMIT)


class LockoutHandler(AxesDatabaseHandler):
    def failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> Failures:
        username = get_client_username(request, credentials)
        recent = AccessAttempt.objects.filter(
            username=username, attempt_time__gte=get_cool_off_threshold(request)
        )
        totals = recent.aggregate(n=Sum("failures_since_start"), a=Count("ip_address", distinct=True))
        here = recent.filter(ip_address=request.axes_ip_address).aggregate(n=Sum("failures_since_start"))  # type: ignore[attr-defined]
        return Failures(address=here["n"] or 0, account=totals["n"] or 0, addresses=totals["a"] or 0)

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        found = self.failures(request, credentials)
        if found.account >= account_failure_limit():
            # Axes compares one count with one limit: an account locked over all addresses counts as at it.
            return max(found.address, get_failure_limit(request, credentials))
        return found.address

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            super().user_login_failed(sender, credentials, request, **kwargs)
            return
        before = self.failures(request, credentials)
        super().user_login_failed(sender, credentials, request, **kwargs)
        after = self.failures(request, credentials)
        username = get_client_username(request, credentials) or ""
        ip = request.axes_ip_address  # type: ignore[attr-defined]
        if before.account < account_failure_limit() <= after.account:
            scope = services.LockScope.ACCOUNT
        elif before.address < get_failure_limit(request, credentials) <= after.address:
            scope = services.LockScope.ADDRESS
        else:
            return
        services.account_lockout_record(
            username=username,
            ip=ip,
            scope=scope,
            failures=after.account if scope == services.LockScope.ACCOUNT else after.address,
            addresses=after.addresses,
        )
