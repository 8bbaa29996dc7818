"""Visits' duties in the 责任清单 (minqing.core.duties), registered in `VisitsConfig.ready()`.

Each 硬性规定 a cadre has not yet met this period (village days, nights, households visited, coverage of the
households of the villages they hold) is a duty due at the end of the period, measured by the same compliance
table the 下村 pages show. A period that has ended is a result, not a duty: it is not carried over as overdue.
"""

from collections.abc import Iterator
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minqing.accounts.models import RoleAssignment, User
from minqing.core import duties
from minqing.core.duties import DutyItem, DutyKind, DutyQuery
from minqing.regions.models import Region
from minqing.regions.scoping import Perm, regions_with

from .models import Metric
from .selectors import FIELD_ROLES, ComplianceTable, compliance, period_bounds

QUOTA = "visit_quota"

# Above this many people the compliance tables are read whole rather than for the people named.
MANY_PEOPLE = 500


def _tables(q: DutyQuery) -> Iterator[tuple[ComplianceTable, bool]]:
    """The compliance tables that cover the people, and whether each is a person's own."""
    month = q.today.replace(day=1)
    people = list(q.people)
    if len(people) == 1 and people[0] == q.viewer:
        # One's own list: measured against the rules of one's first field region, as on 我的下村.
        paths = RoleAssignment.objects.filter(user=q.viewer, role__in=FIELD_ROLES).values_list(
            "region__path", flat=True
        )
        region = Region.objects.filter(path__in=list(paths)).order_by("path").first()
        if region is not None:
            yield compliance(q.viewer, region, month, only=people), True
        return
    # Many people (a county's overview): the whole table of each region is cheaper than an IN list of thousands,
    # and collect() keeps only the rows of the people asked for.
    only = people if len(people) <= MANY_PEOPLE else None
    for region in Region.objects.filter(path__in=regions_with(q.viewer, Perm.VIEW_VISITS)).order_by("path"):
        yield compliance(q.viewer, region, month, only=only), False


def _quota(q: DutyQuery) -> Iterator[DutyItem]:
    if not isinstance(q.viewer, User):
        return
    mine = reverse("visits:mine")
    table_url = reverse("visits:compliance")
    # A county's overview makes one item per unmet rule of thousands of cadres: translate once, not per item.
    title = _("%(metric)s %(value)s%(unit)s，应达 %(target)s%(unit)s")
    metrics = {m.value: str(m.label) for m in Metric}
    for table, own in _tables(q):
        url = mine if own else f"{table_url}?{urlencode({'region': table.region.code})}"
        ends = {p: period_bounds(table.month, p)[1] for p in {r.period for r in table.rules}}
        for row in table.rows:
            for check in row.checks:
                if check.ok:
                    continue
                rule = check.rule
                unit = "%" if rule.metric == Metric.COVERAGE else ""
                yield DutyItem(
                    person_id=row.cadre.pk,
                    kind=QUOTA,
                    title=title
                    % {
                        "metric": metrics[rule.metric],
                        "value": f"{check.value:g}",
                        "target": rule.target,
                        "unit": unit,
                    },
                    due=ends[rule.period],
                    overdue=False,
                    url=url,
                    region_path=rule.region_path,
                    region_name=rule.region.name,
                    note=check.period_label,
                )


def register() -> None:
    duties.register(duties.Provider("visits", (DutyKind(QUOTA, gettext_lazy("下村硬性规定"), 50),), _quota))
