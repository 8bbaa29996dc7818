"""The rules of 人民调解法 and the scoping of disputes, through the services."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from minqing.audit.models import AuditEntry
from minqing.core.errors import ServiceError, ValidationError
from minqing.households.models import FeudStatus, HouseholdRelation, RelationKind
from minqing.households.tests.helpers import family
from minqing.mediation import selectors, services
from minqing.mediation.models import (
    AgreementForm,
    CampaignVillage,
    Dispute,
    DisputeStatus,
    EventKind,
    FollowUpAction,
    JudicialResult,
    MediationStatus,
    Performance,
    RiskFlag,
    RiskLevel,
    Session,
    Side,
    StartMode,
    VillageOutcome,
)
from minqing.mediation.services import disputes as disputes_services
from minqing.petitions.models import Petition
from minqing.petitions.tests.factories import register

from .helpers import agreement_data, dispute, effective_agreement, mediating, png_scan, two_households

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


# --- Recording disputes ----------------------------------------------------------------------------------


def test_recording_a_dispute_between_two_households_puts_a_feud_on_their_graph(tree, people):
    a, b = two_households(people.cadre, tree.zhangzhuang)
    d = dispute(people.cadre, tree.zhangzhuang, households=(a, b))
    assert d.code.startswith(f"MD{TODAY.year}")
    assert d.status == DisputeStatus.FOUND
    assert [p.side for p in d.parties.all()] == [Side.A, Side.B]
    assert d.parties.get(side=Side.A).name == "王建军"
    feud = HouseholdRelation.objects.get(kind=RelationKind.FEUD)
    assert {feud.household_a_id, feud.household_b_id} == {a.pk, b.pk}
    assert feud.status == FeudStatus.ACTIVE
    assert list(d.feuds.all()) == [feud]
    assert AuditEntry.objects.filter(object_type="mediation.dispute", object_id=str(d.pk)).exists()


def test_an_existing_feud_between_the_households_is_linked_not_duplicated(tree, people):
    a, b = two_households(people.cadre, tree.zhangzhuang)
    dispute(people.cadre, tree.zhangzhuang, households=(a, b))
    dispute(people.cadre, tree.zhangzhuang, households=(b, a))
    assert HouseholdRelation.objects.filter(kind=RelationKind.FEUD).count() == 1


def test_a_household_outside_the_actors_villages_is_refused_and_nothing_is_written(tree, people):
    mine = family(people.cadre, tree.zhangzhuang, "王建军", members=0)
    theirs = family(people.cadre_leiji, tree.leiji, "雷振华", members=0, phone="13900000009")
    with pytest.raises(ValidationError) as exc:
        dispute(people.cadre, tree.zhangzhuang, households=(mine, theirs))
    assert "不在您负责的村" in str(exc.value.message_dict["parties"])
    assert "雷振华" not in str(exc.value.message_dict)  # the refused household's name does not leak
    assert not Dispute.objects.exists()
    assert not HouseholdRelation.objects.exists()


def test_a_resident_outside_the_actors_villages_is_refused_when_added_later(tree, people):
    d = dispute(people.cadre, tree.zhangzhuang)
    theirs = family(people.cadre_leiji, tree.leiji, "雷振华", members=0, phone="13900000009")
    with pytest.raises(ValidationError):
        services.dispute_add_parties(
            actor=people.cadre, dispute=d, parties=[services.PartyData(side=Side.B, resident=theirs.head)]
        )
    assert d.parties.count() == 2


def test_an_outside_party_is_recorded_by_name(tree, people):
    d = dispute(people.cadre, tree.zhangzhuang)
    made = services.dispute_add_parties(
        actor=people.cadre, dispute=d, parties=[services.PartyData(side=Side.THIRD, name="兰考某建筑公司")]
    )
    assert made[0].is_outside and made[0].name == "兰考某建筑公司"


def test_a_village_outside_the_actors_regions_is_refused(tree, people):
    with pytest.raises(ValidationError) as exc:
        dispute(people.cadre, tree.leiji, households=(None, None), parties=[])
    assert "region" in exc.value.message_dict


def test_someone_without_record_permission_cannot_add_parties(tree, people):
    d = dispute(people.cadre, tree.zhangzhuang)
    with pytest.raises(PermissionDenied):
        services.dispute_add_parties(
            actor=people.supervisor, dispute=d, parties=[services.PartyData(side=Side.B, name="某")]
        )


# --- Risk --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "people_involved", "expected"),
    [
        ([], 2, RiskLevel.LOW),
        ([RiskFlag.VULNERABLE], 2, RiskLevel.MEDIUM),
        ([], 6, RiskLevel.MEDIUM),  # head count counts as a reason by itself
        ([RiskFlag.THREATS], 2, RiskLevel.HIGH),
        ([RiskFlag.REPEATED_PETITIONS, RiskFlag.VULNERABLE], 2, RiskLevel.HIGH),
        ([RiskFlag.THREATS, RiskFlag.REPEATED_PETITIONS], 8, RiskLevel.MAJOR),
        ([], 40, RiskLevel.MAJOR),
    ],
)
def test_the_suggested_risk_level_follows_the_reasons(flags, people_involved, expected):
    assert services.suggested_level(flags, people_involved) == expected


def test_the_risk_level_can_be_raised_but_not_lowered_below_the_reasons(tree, people):
    d = dispute(people.cadre, tree.zhangzhuang, risk_flags=[RiskFlag.THREATS])
    assert d.risk_level == RiskLevel.HIGH
    with pytest.raises(ValidationError) as exc:
        services.dispute_assess_risk(
            actor=people.cadre,
            dispute=d,
            version=d.version,
            people_involved=2,
            risk_flags=[RiskFlag.THREATS],
            risk_level=RiskLevel.LOW,
        )
    assert "至少为“高”" in str(exc.value.message_dict["risk_level"])
    d = services.dispute_assess_risk(
        actor=people.cadre,
        dispute=d,
        version=d.version,
        people_involved=2,
        risk_flags=[RiskFlag.THREATS],
        risk_level=RiskLevel.MAJOR,
        prevention="安排村干部每日走访，已报告派出所",
        police_informed=True,
        stabilizer=people.cadre,
        resolver=people.mediator,
    )
    assert d.risk_level == RiskLevel.MAJOR and d.stabilizer == people.cadre and d.resolver == people.mediator


def test_a_stale_version_is_a_conflict(tree, people):
    d = dispute(people.cadre, tree.zhangzhuang)
    from minqing.core.errors import ConflictError

    with pytest.raises(ConflictError):
        services.dispute_assess_risk(
            actor=people.cadre,
            dispute=d,
            version=d.version - 1,
            people_involved=2,
            risk_flags=[],
            risk_level=None,
        )


def test_a_responsible_from_another_township_is_refused(tree, people):
    with pytest.raises(ValidationError) as exc:
        dispute(people.cadre, tree.zhangzhuang, stabilizer=people.outsider)
    assert "stabilizer" in exc.value.message_dict


# --- Mediation ---------------------------------------------------------------------------------------------


def test_mediation_on_application_needs_the_applicant(tree, people):
    d = dispute(people.cadre, tree.zhangzhuang)
    with pytest.raises(ValidationError) as exc:
        services.mediation_start(
            actor=people.mediator, dispute=d, mode=StartMode.APPLICATION, mediators=[people.mediator]
        )
    assert "applicant" in exc.value.message_dict
    m = services.mediation_start(
        actor=people.mediator,
        dispute=d,
        mode=StartMode.APPLICATION,
        applicant=d.parties.get(side=Side.A),
        mediators=[people.mediator],
    )
    assert m.number == 1 and m.committee.endswith("人民调解委员会")
    d.refresh_from_db()
    assert d.status == DisputeStatus.MEDIATING


def test_a_village_cadre_without_mediate_permission_cannot_start_mediation(tree, people):
    d = dispute(people.cadre, tree.zhangzhuang)
    with pytest.raises(PermissionDenied):
        services.mediation_start(
            actor=people.cadre, dispute=d, mode=StartMode.INITIATIVE, mediators=[people.mediator]
        )


def test_mediation_needs_two_parties(tree, people):
    d = dispute(people.cadre, tree.zhangzhuang, parties=[services.PartyData(side=Side.A, name="张某")])
    with pytest.raises(ValidationError) as exc:
        services.mediation_start(
            actor=people.mediator, dispute=d, mode=StartMode.INITIATIVE, mediators=[people.mediator]
        )
    assert "parties" in exc.value.message_dict


def test_a_session_written_up_later_is_dated_by_the_day_it_was_held(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator, found_on=days_ago(5))
    services.session_record(actor=people.mediator, dispute=d, held_on=days_ago(3), minutes="双方到场")
    event = d.events.get(kind=EventKind.SESSION)
    assert event.happened_on == days_ago(3) and event.recorded_later
    started = d.events.get(kind=EventKind.STARTED)
    assert started.happened_on == days_ago(5)


def test_after_a_party_refuses_no_session_can_be_recorded(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    session = services.session_record(
        actor=people.mediator, dispute=d, held_on=TODAY, minutes="双方陈述各自理由。"
    )
    assert session.pk
    services.mediation_refuse(
        actor=people.mediator, dispute=d, party=d.parties.get(side=Side.B), note="李家表示不接受调解"
    )
    d.refresh_from_db()
    assert d.status == DisputeStatus.ENDED
    assert d.mediations.get().status == MediationStatus.REFUSED
    with pytest.raises(ServiceError, match=r"拒绝调解.*不得继续调解"):
        services.session_record(actor=people.mediator, dispute=d, held_on=TODAY, minutes="再次调解")
    with pytest.raises(ServiceError, match="拒绝调解"):
        services.agreement_record(actor=people.mediator, dispute=d, data=agreement_data())
    assert Session.objects.count() == 1


def test_failed_mediation_ends_with_the_routes_told(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    with pytest.raises(ValidationError):
        services.mediation_end(actor=people.mediator, dispute=d, reason="", routes_told="")
    m = services.mediation_end(actor=people.mediator, dispute=d, reason="双方分歧过大")
    assert m.status == MediationStatus.ENDED and "人民法院" in m.routes_told
    d.refresh_from_db()
    assert d.status == DisputeStatus.ENDED
    # Ended disputes can still be handed on as 未化解转办.
    services.dispute_close(
        actor=people.cadre, dispute=d, version=d.version, outcome=DisputeStatus.TRANSFERRED, note="转司法所"
    )


# --- Agreements --------------------------------------------------------------------------------------------


def test_a_written_agreement_needs_its_contents(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    with pytest.raises(ValidationError) as exc:
        services.agreement_record(
            actor=people.mediator,
            dispute=d,
            data=agreement_data(terms="", performance_manner="", performance_deadline=None, issues=""),
        )
    assert {"terms", "performance_manner", "performance_deadline", "issues"} <= set(exc.value.message_dict)


def test_a_written_agreement_is_not_effective_without_signatures_and_seal(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    a = services.agreement_record(actor=people.mediator, dispute=d, data=agreement_data())
    assert a.effective_on is None
    with pytest.raises(ServiceError) as exc:
        services.agreement_make_effective(actor=people.mediator, agreement=a)
    assert "尚未签名" in exc.value.message and "盖章" in exc.value.message and "扫描件" in exc.value.message
    party_a = d.parties.get(side=Side.A)
    services.agreement_sign(actor=people.mediator, agreement=a, parties=[party_a], mediator_signed=True)
    with pytest.raises(ServiceError, match="李德胜"):  # the party who has not signed is named
        services.agreement_make_effective(actor=people.mediator, agreement=a)
    services.agreement_sign(
        actor=people.mediator,
        agreement=a,
        fingerprint=[d.parties.get(side=Side.B)],
        sealed=True,
        scan=png_scan(),
    )
    a = services.agreement_make_effective(actor=people.mediator, agreement=a)
    assert a.effective_on == TODAY
    assert a.judicial_window_ends == TODAY + datetime.timedelta(days=30)
    assert a.signatures.get(party__side=Side.B).by_fingerprint


def test_a_written_agreement_with_one_side_only_cannot_be_recorded_or_take_effect(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    d.parties.filter(side=Side.B).update(side=Side.A)
    with pytest.raises(ValidationError) as exc:
        services.agreement_record(actor=people.mediator, dispute=d, data=agreement_data())
    assert "parties" in exc.value.message_dict


def test_an_oral_agreement_takes_effect_when_reached(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    a = services.agreement_record(
        actor=people.mediator,
        dispute=d,
        data=agreement_data(
            form=AgreementForm.ORAL, issues="", performance_manner="", performance_deadline=None
        ),
    )
    assert a.effective_on == TODAY
    with pytest.raises(ServiceError):
        services.agreement_sign(actor=people.mediator, agreement=a, mediator_signed=True)


def test_judicial_confirmation_within_the_window(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator, found_on=days_ago(20))
    a = effective_agreement(people.mediator, d, on=days_ago(10))
    a = services.agreement_judicial_apply(
        actor=people.mediator, agreement=a, applied_on=TODAY, court="兰考县人民法院"
    )
    assert not a.judicial_late
    a = services.agreement_judicial_decide(
        actor=people.mediator, agreement=a, decided_on=TODAY, result=JudicialResult.CONFIRMED
    )
    assert a.judicial_result == JudicialResult.CONFIRMED


def test_judicial_confirmation_after_30_days_needs_a_note_and_is_flagged_late(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator, found_on=days_ago(60))
    a = effective_agreement(people.mediator, d, on=days_ago(40))
    with pytest.raises(ValidationError) as exc:
        services.agreement_judicial_apply(actor=people.mediator, agreement=a, applied_on=TODAY)
    assert "超过协议生效后 30 日" in str(exc.value.message_dict["note"])
    a.refresh_from_db()
    assert a.judicial_applied_on is None
    a = services.agreement_judicial_apply(
        actor=people.mediator, agreement=a, applied_on=TODAY, note="当事人外出务工，返乡后才能共同申请"
    )
    assert a.judicial_late and a.judicial_note.startswith("当事人外出务工")


def test_day_30_is_still_within_the_window(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator, found_on=days_ago(40))
    a = effective_agreement(people.mediator, d, on=days_ago(30))
    a = services.agreement_judicial_apply(actor=people.mediator, agreement=a, applied_on=TODAY)
    assert not a.judicial_late


def test_judicial_confirmation_before_the_agreement_takes_effect_is_refused(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    a = services.agreement_record(actor=people.mediator, dispute=d, data=agreement_data())
    with pytest.raises(ServiceError, match="尚未生效"):
        services.agreement_judicial_apply(actor=people.mediator, agreement=a, applied_on=TODAY)


# --- Performance and closing -------------------------------------------------------------------------------


def test_a_dispute_cannot_be_closed_as_resolved_while_its_agreement_is_unperformed(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    a = effective_agreement(people.mediator, d)
    d.refresh_from_db()
    with pytest.raises(ServiceError, match=r"尚未履行完毕.*不能以“已化解”办结"):
        services.dispute_close(
            actor=people.cadre, dispute=d, version=d.version, outcome=DisputeStatus.RESOLVED, note="已调解"
        )
    d.refresh_from_db()
    assert d.status == DisputeStatus.AGREED
    services.agreement_follow_up(
        actor=people.mediator, agreement=a, checked_on=TODAY, result=Performance.PARTLY, note="院墙已后移"
    )
    with pytest.raises(ServiceError, match="部分履行"):
        services.dispute_close(
            actor=people.cadre, dispute=d, version=d.version, outcome=DisputeStatus.RESOLVED, note="已调解"
        )
    services.agreement_follow_up(
        actor=people.mediator, agreement=a, checked_on=TODAY, result=Performance.FULFILLED, note="赔偿已付清"
    )
    d.refresh_from_db()
    d = services.dispute_close(
        actor=people.cadre, dispute=d, version=d.version, outcome=DisputeStatus.RESOLVED, note="协议履行完毕"
    )
    assert d.status == DisputeStatus.RESOLVED
    assert d.feuds.get().status == FeudStatus.RESOLVED  # the household graph shows the feud settled


def test_a_broken_agreement_reopens_mediation(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    a = effective_agreement(people.mediator, d)
    with pytest.raises(ValidationError) as exc:
        services.agreement_follow_up(
            actor=people.mediator, agreement=a, checked_on=TODAY, result=Performance.BROKEN
        )
    assert "action" in exc.value.message_dict
    out = services.agreement_follow_up(
        actor=people.mediator,
        agreement=a,
        checked_on=TODAY,
        result=Performance.BROKEN,
        note="王家拒不拆墙",
        action=FollowUpAction.REOPEN,
    )
    assert out.mediation is not None and out.mediation.number == 2
    d.refresh_from_db()
    assert d.status == DisputeStatus.MEDIATING


def test_a_broken_agreement_can_become_a_request(tree, people):
    d = mediating(people.officer, tree.zhangzhuang, people.officer)
    a = effective_agreement(people.officer, d)
    out = services.agreement_follow_up(
        actor=people.officer,
        agreement=a,
        checked_on=TODAY,
        result=Performance.BROKEN,
        action=FollowUpAction.REQUEST,
    )
    assert out.petition is not None
    d.refresh_from_db()
    assert d.petition == out.petition
    assert "未履行" in out.petition.content


# --- Links with requests ----------------------------------------------------------------------------------


def test_a_dispute_becomes_a_request_and_both_are_linked(tree, people):
    d = dispute(people.cadre, tree.zhangzhuang)
    p = services.dispute_to_petition(actor=people.cadre, dispute=d, note="当事人要求村委会处理")
    d.refresh_from_db()
    assert d.petition == p and list(p.disputes.all()) == [d]
    assert p.title == d.title and p.submitter_name == "王建军"
    assert p.household_id == d.parties.get(side=Side.A).household_id
    assert d.code in p.content
    with pytest.raises(ServiceError, match="已关联诉求"):
        services.dispute_to_petition(actor=people.cadre, dispute=d)


def test_a_mediator_without_intake_rights_cannot_turn_a_dispute_into_a_request(tree, people):
    d = dispute(people.cadre, tree.zhangzhuang)
    with pytest.raises(ServiceError, match="登记诉求的权限"):
        services.dispute_to_petition(actor=people.mediator, dispute=d)
    assert not Petition.objects.exists()


def test_a_request_becomes_a_dispute_prefilled_and_linked(tree, people):
    a, _b = two_households(people.cadre, tree.zhangzhuang)
    p = register(people.cadre, tree.zhangzhuang, title="邻居占道堆放杂物", household=a)
    data = services.dispute_data_from_petition(p)
    assert data.region == tree.zhangzhuang and data.title == p.title and data.parties[0].side == Side.A
    data.parties.append(services.PartyData(side=Side.B, name="赵某"))
    d = services.dispute_create(actor=people.cadre, data=data, petition=p)
    assert d.petition == p
    assert list(selectors.dispute_qs(actor=people.cadre).filter(petition=p)) == [d]


# --- Campaigns ---------------------------------------------------------------------------------------------


def test_campaign_progress_counts_reported_villages(tree, people):
    c = services.campaign_create(
        actor=people.officer, region=tree.township, title="春节前大排查", starts_on=TODAY, ends_on=TODAY
    )
    assert c.villages.count() == 2
    progress = selectors.campaign_progress(actor=people.officer, campaign=c)
    assert (progress.reported, progress.covered, progress.percent) == (0, 2, 0)
    services.campaign_village_report(
        actor=people.cadre_leiji,
        campaign=c,
        village=tree.leiji,
        outcome=VillageOutcome.NONE_FOUND,
        checked_items=c.checklist,
    )
    dispute(people.cadre, tree.zhangzhuang, campaign=c)
    progress = selectors.campaign_progress(actor=people.officer, campaign=c)
    assert (progress.reported, progress.covered, progress.percent, progress.disputes) == (2, 2, 100, 1)
    assert CampaignVillage.objects.get(campaign=c, village=tree.zhangzhuang).outcome == VillageOutcome.FOUND


def test_a_village_with_disputes_cannot_report_nothing_found(tree, people):
    c = services.campaign_create(
        actor=people.officer, region=tree.township, title="大排查", starts_on=TODAY, ends_on=TODAY
    )
    dispute(people.cadre, tree.zhangzhuang, campaign=c)
    with pytest.raises(ValidationError, match="不能报告"):
        services.campaign_village_report(
            actor=people.cadre,
            campaign=c,
            village=tree.zhangzhuang,
            outcome=VillageOutcome.NONE_FOUND,
            checked_items=c.checklist,
        )


def test_a_village_cannot_report_before_the_campaign_starts(tree, people):
    starts = timezone.localdate() + datetime.timedelta(days=3)
    c = services.campaign_create(
        actor=people.officer, region=tree.township, title="节前大排查", starts_on=starts, ends_on=starts
    )
    with pytest.raises(ServiceError, match="开始"):
        services.campaign_village_report(
            actor=people.cadre,
            campaign=c,
            village=tree.zhangzhuang,
            outcome=VillageOutcome.NONE_FOUND,
            checked_items=c.checklist,
        )
    assert CampaignVillage.objects.get(campaign=c, village=tree.zhangzhuang).outcome == VillageOutcome.PENDING


def test_a_cadre_cannot_report_for_another_village(tree, people):
    c = services.campaign_create(
        actor=people.officer, region=tree.township, title="大排查", starts_on=TODAY, ends_on=TODAY
    )
    with pytest.raises(PermissionDenied):
        services.campaign_village_report(
            actor=people.cadre,
            campaign=c,
            village=tree.leiji,
            outcome=VillageOutcome.NONE_FOUND,
            checked_items=c.checklist,
        )


def test_campaign_dates_and_township_are_checked(tree, people):
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(
            actor=people.officer, region=tree.township, title="", starts_on=TODAY, ends_on=days_ago(1)
        )
    assert {"title", "ends_on"} <= set(exc.value.message_dict)
    with pytest.raises(PermissionDenied):
        services.campaign_create(
            actor=people.cadre, region=tree.township, title="x", starts_on=TODAY, ends_on=TODAY
        )


# --- Selectors for the household and village pages --------------------------------------------------------


def test_disputes_for_household_and_open_disputes_in_region_are_scoped(tree, people):
    a, b = two_households(people.cadre, tree.zhangzhuang)
    d = dispute(people.cadre, tree.zhangzhuang, households=(a, b))
    assert selectors.dispute_list_for_household(actor=people.cadre, household=a) == [d]
    assert selectors.dispute_list_for_household(actor=people.cadre, household=b) == [d]
    assert selectors.dispute_list_for_household(actor=people.outsider, household=a) == []
    assert selectors.dispute_list_open_in_region(actor=people.officer, region=tree.township) == [d]
    assert selectors.dispute_list_open_in_region(actor=people.cadre_leiji, region=tree.zhangzhuang) == []
    assert selectors.dispute_list_open_in_region(actor=people.outsider, region=tree.township) == []


def test_a_dispute_cannot_be_closed_as_resolved_while_its_written_agreement_is_unsigned(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    services.agreement_record(actor=people.mediator, dispute=d, data=agreement_data())
    d.refresh_from_db()
    with pytest.raises(ServiceError, match="尚未生效"):
        services.dispute_close(
            actor=people.cadre, dispute=d, version=d.version, outcome=DisputeStatus.RESOLVED, note="已调解"
        )
    d.refresh_from_db()
    assert d.status == DisputeStatus.AGREED and d.closed_on is None


def test_a_dispute_cannot_be_closed_while_mediation_is_under_way(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    with pytest.raises(ServiceError, match="调解尚在进行中"):
        services.dispute_close(
            actor=people.cadre, dispute=d, version=d.version, outcome=DisputeStatus.TRANSFERRED, note="转办"
        )


def test_an_agreement_whose_parties_are_all_on_one_side_cannot_take_effect(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    a = services.agreement_record(actor=people.mediator, dispute=d, data=agreement_data())
    services.agreement_sign(
        actor=people.mediator,
        agreement=a,
        parties=list(d.parties.all()),
        mediator_signed=True,
        sealed=True,
        scan=png_scan(),
    )
    d.parties.update(side=Side.A)  # e.g. a party's side corrected after signing
    with pytest.raises(ServiceError, match="至少两方当事人"):
        services.agreement_make_effective(actor=people.mediator, agreement=a)
    a.refresh_from_db()
    assert a.effective_on is None


def test_the_same_household_cannot_be_on_both_sides(tree, people):
    a, b = two_households(people.cadre, tree.zhangzhuang)
    with pytest.raises(ValidationError, match="不能重复列入"):
        dispute(
            people.cadre,
            tree.zhangzhuang,
            households=(a, b),
            parties=[
                services.PartyData(side=Side.A, household=a),
                services.PartyData(side=Side.B, household=a),
            ],
        )
    d = dispute(people.cadre, tree.zhangzhuang, households=(a, b))
    with pytest.raises(ValidationError, match="不能重复列入"):
        services.dispute_add_parties(
            actor=people.cadre, dispute=d, parties=[services.PartyData(side=Side.THIRD, resident=a.head)]
        )


def test_a_number_taken_at_the_same_moment_is_retried(tree, people, monkeypatch):
    first = dispute(people.cadre, tree.zhangzhuang)
    codes = iter([first.code, "MD209900001"])
    monkeypatch.setattr(disputes_services, "_next_code", lambda year: next(codes))
    second = dispute(people.cadre, tree.zhangzhuang, households=(None, None), parties=[])
    assert second.code == "MD209900001"
