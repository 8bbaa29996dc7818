"""Writes for 矛盾纠纷排查调处, by sub-domain: `disputes` (disputes, parties, risk, links with requests),
`sessions` (mediation per 人民调解法 Art 17–27), `agreements` (Art 28–33) and `campaigns` (大排查); shared internals
are in `common`. The public services are re-exported here.

 Each service is atomic and leaves an audit row (and a timeline event on the dispute).

Services assume the caller may already see the dispute or campaign it passes (views fetch them with
scoping.get_for_actor); they check the *action* permission themselves (RECORD_DISPUTES, MEDIATE,
MANAGE_CAMPAIGNS). Households and residents named as parties must lie in the actor's regions.
The legal rules (人民调解法) are enforced here, not in forms.
"""

from .agreements import (
    AgreementData,
    FollowUpOutcome,
    agreement_follow_up,
    agreement_judicial_apply,
    agreement_judicial_decide,
    agreement_make_effective,
    agreement_print_record,
    agreement_record,
    agreement_scan_download,
    agreement_sign,
    effectiveness_problems,
)
from .campaigns import campaign_close, campaign_create, campaign_village_report
from .common import DEFAULT_ROUTES, KIND_FOR_CATEGORY, PETITION_CATEGORY, TEXT_MAX, TITLE_MAX, suggested_level
from .disputes import (
    DisputeData,
    PartyData,
    dispute_add_parties,
    dispute_assess_risk,
    dispute_close,
    dispute_create,
    dispute_data_from_petition,
    dispute_to_petition,
)
from .sessions import mediation_end, mediation_refuse, mediation_start, session_record

__all__ = [
    "DEFAULT_ROUTES",
    "KIND_FOR_CATEGORY",
    "PETITION_CATEGORY",
    "TEXT_MAX",
    "TITLE_MAX",
    "AgreementData",
    "DisputeData",
    "FollowUpOutcome",
    "PartyData",
    "agreement_follow_up",
    "agreement_judicial_apply",
    "agreement_judicial_decide",
    "agreement_make_effective",
    "agreement_print_record",
    "agreement_record",
    "agreement_scan_download",
    "agreement_sign",
    "campaign_close",
    "campaign_create",
    "campaign_village_report",
    "dispute_add_parties",
    "dispute_assess_risk",
    "dispute_close",
    "dispute_create",
    "dispute_data_from_petition",
    "dispute_to_petition",
    "effectiveness_problems",
    "mediation_end",
    "mediation_refuse",
    "mediation_start",
    "session_record",
    "suggested_level",
]
