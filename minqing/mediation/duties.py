"""Mediation's duties in the 责任清单 (minqing.core.duties), registered in `MediationConfig.ready()`.

An open dispute is the duty of its 稳控责任人 (keep it calm) and its 化解责任人 (settle it) until it is closed; the
practice sets no deadline for either, so these are listed after everything that has one, riskiest first. An agreement in effect whose performance has no conclusion yet is its mediators' duty to
follow up (人民调解法 Art 31), due by the agreement's own 履行期限.
"""

from collections.abc import Iterator

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minqing.core import duties
from minqing.core.duties import DutyItem, DutyKind, DutyQuery

from .models import OPEN_DISPUTE_STATUSES, Agreement, Performance, RiskLevel
from .selectors import dispute_qs

STABILIZE = "dispute_stabilize"
RESOLVE = "dispute_resolve"
AGREEMENT_FOLLOW_UP = "agreement_follow_up"

# Above this many people an IN list of their ids costs more than reading every open dispute in scope.
MANY_PEOPLE = 500


def _disputes(q: DutyQuery) -> Iterator[DutyItem]:
    ids = q.person_ids
    qs = dispute_qs(actor=q.viewer).filter(status__in=OPEN_DISPUTE_STATUSES)
    if len(ids) <= MANY_PEOPLE:
        qs = qs.filter(Q(stabilizer_id__in=ids) | Q(resolver_id__in=ids))
    url = duties.url_maker("mediation:detail")
    # Translated once per risk level, not once per dispute.
    risk = {r.value: _("风险%(level)s") % {"level": r.label} for r in RiskLevel}
    rows = qs.values_list(
        "pk", "code", "title", "risk_level", "stabilizer_id", "resolver_id", "region_path", "region__name"
    ).order_by()
    for pk, code, title, level, stabilizer, resolver, path, place in rows:
        note = risk.get(level, "")
        for person, kind in ((stabilizer, STABILIZE), (resolver, RESOLVE)):
            if person is not None and person in ids:
                yield DutyItem(
                    person_id=person,
                    kind=kind,
                    title=f"{code} {title}",
                    due=None,
                    overdue=False,
                    url=url(pk),
                    region_path=path,
                    region_name=place,
                    note=note,
                    rank=-level,
                )


def _agreements(q: DutyQuery) -> Iterator[DutyItem]:
    ids = q.person_ids
    qs = Agreement.objects.filter(
        dispute__in=dispute_qs(actor=q.viewer),
        effective_on__isnull=False,
        performance__in=(Performance.PENDING, Performance.PARTLY),
    )
    if len(ids) <= MANY_PEOPLE:
        qs = qs.filter(mediation__mediators__in=ids)
    url = duties.url_maker("mediation:detail")
    performance = {p.value: str(p.label) for p in Performance}
    rows = qs.values_list(
        "number",
        "performance",
        "performance_deadline",
        "dispute_id",
        "dispute__title",
        "dispute__region_path",
        "dispute__region__name",
        "mediation__mediators",
    ).order_by()
    for number, state, deadline, dispute, title, path, place, mediator in rows:
        if mediator is None or mediator not in ids:
            continue
        yield DutyItem(
            person_id=mediator,
            kind=AGREEMENT_FOLLOW_UP,
            title=f"{number} {title}",
            due=deadline,
            overdue=deadline is not None and deadline < q.today,
            url=url(dispute),
            region_path=path,
            region_name=place,
            note=performance.get(state, ""),
        )


def register() -> None:
    duties.register(
        duties.Provider(
            "mediation",
            (
                DutyKind(AGREEMENT_FOLLOW_UP, gettext_lazy("协议履行回访"), 30),
                DutyKind(STABILIZE, gettext_lazy("稳控责任"), 40),
                DutyKind(RESOLVE, gettext_lazy("化解责任"), 41),
            ),
            lambda q: [*_disputes(q), *_agreements(q)],
        )
    )
