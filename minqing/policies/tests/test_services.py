import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from minqing.audit.models import Action, AuditEntry
from minqing.core.errors import ConflictError, ServiceError
from minqing.policies import selectors, services
from minqing.policies.models import Policy, PolicyLevel, PolicyVersion

from .factories import make_policy, policy_data, version_data

D = datetime.date


def _audit(obj: object) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id")
    )


def test_creating_a_policy_records_it_and_its_first_version_in_the_audit_log(office):
    policy = make_policy(office)
    version = policy.versions.get()
    assert version.number == 1 and version.rule == {}
    assert [e.action for e in _audit(policy)] == [Action.CREATE]
    assert _audit(policy)[0].actor == office
    assert [e.action for e in _audit(version)] == [Action.CREATE]
    assert policy.target_groups == ",low_income,"


@pytest.mark.parametrize("who", ["officer", "cadre", "supervisor", "sysadmin", "nobody"])
def test_only_the_civil_affairs_office_may_add_a_policy_whatever_the_way_in(people, who):
    with pytest.raises(PermissionDenied):
        make_policy(getattr(people, who))
    assert not Policy.objects.exists()
    assert not AuditEntry.objects.filter(object_type="policies.policy").exists()


def test_an_office_cannot_add_a_local_policy_for_another_township(office_other, tree):
    with pytest.raises(PermissionDenied):
        make_policy(
            office_other, {"level": PolicyLevel.TOWNSHIP, "region": tree.township, "name": "东坝头镇助学金"}
        )


def test_a_township_office_cannot_change_the_countys_own_policy(office, county_office, tree):
    policy = make_policy(
        county_office, {"level": PolicyLevel.COUNTY, "region": tree.county, "name": "高龄津贴"}
    )
    with pytest.raises(PermissionDenied):
        services.policy_update(
            actor=office, policy=policy, data=policy_data(name="改名"), seen=policy.version
        )


@pytest.mark.parametrize(
    ("policy", "version", "field"),
    [
        ({"name": "  "}, {}, "name"),
        ({"issuer": ""}, {}, "issuer"),
        ({"level": "galactic"}, {}, "level"),
        ({"target_groups": ["aliens"]}, {}, "target_groups"),
        ({"level": PolicyLevel.TOWNSHIP}, {}, "region"),
        ({}, {"summary": ""}, "summary"),
        ({}, {"beneficiaries": "\x1b[31m"}, "beneficiaries"),
        ({}, {"amount": Decimal("-1")}, "amount"),
        ({}, {"amount_unit": ""}, "amount_unit"),
        ({}, {"amount_year": None}, "amount_year"),
        ({}, {"amount_year": 1900}, "amount_year"),
        ({}, {"effective_until": D(2023, 12, 31)}, "effective_until"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(office, policy, version, field):
    with pytest.raises(ValidationError) as exc:
        make_policy(office, policy, **version)
    assert field in exc.value.message_dict
    assert not Policy.objects.exists() and not PolicyVersion.objects.exists()


def test_a_national_policy_has_no_region_and_a_township_policy_needs_a_township(office, tree):
    with pytest.raises(ValidationError) as exc:
        make_policy(office, {"region": tree.township})
    assert "region" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_policy(office, {"level": PolicyLevel.TOWNSHIP, "region": tree.zhangzhuang})
    assert "region" in exc.value.message_dict


def test_two_policies_of_one_name_in_one_region_are_refused(office):
    make_policy(office)
    with pytest.raises(ValidationError) as exc:
        make_policy(office)
    assert "name" in exc.value.message_dict


def test_a_new_version_ends_the_previous_one_the_day_before_and_is_audited(office):
    policy = make_policy(office, effective_from=D(2023, 1, 1), amount=Decimal("400"), amount_year=2023)
    first = policy.versions.get()
    second = services.policy_version_add(
        actor=office,
        policy=policy,
        data=version_data(effective_from=D(2024, 1, 1), amount=Decimal("420"), change_note="提标"),
        seen=policy.version,
    )
    first.refresh_from_db()
    assert second.number == 2
    assert first.effective_until == D(2023, 12, 31)
    assert [e.action for e in _audit(first)] == [Action.CREATE, Action.UPDATE]
    assert [e.action for e in _audit(second)] == [Action.CREATE]
    policy.refresh_from_db()
    assert policy.version == 2


def test_the_version_in_force_is_the_one_whose_period_holds_the_day(office):
    policy = make_policy(office, effective_from=D(2023, 1, 1), amount=Decimal("400"), amount_year=2023)
    services.policy_version_add(
        actor=office, policy=policy, data=version_data(effective_from=D(2024, 7, 1), amount=Decimal("420"))
    )
    policy = selectors.policy_get(actor=office, pk=policy.pk)
    assert selectors.version_current(policy=policy, on=D(2022, 12, 31)) is None
    assert selectors.version_current(policy=policy, on=D(2024, 6, 30)).amount == Decimal("400")
    assert selectors.version_current(policy=policy, on=D(2024, 7, 1)).amount == Decimal("420")
    assert selectors.version_current(policy=policy, on=D(2030, 1, 1)).number == 2


def test_a_new_version_must_start_after_the_latest_one(office):
    policy = make_policy(office)
    with pytest.raises(ValidationError) as exc:
        services.policy_version_add(
            actor=office, policy=policy, data=version_data(effective_from=D(2024, 1, 1))
        )
    assert "effective_from" in exc.value.message_dict
    assert policy.versions.count() == 1


def test_a_version_added_from_a_stale_page_is_refused(office):
    policy = make_policy(office)
    seen = policy.version
    services.policy_update(actor=office, policy=policy, data=policy_data(issuer="民政部办公厅"), seen=seen)
    with pytest.raises(ConflictError):
        services.policy_version_add(
            actor=office, policy=policy, data=version_data(effective_from=D(2025, 1, 1)), seen=seen
        )


def test_only_the_office_may_add_a_version(office, people):
    policy = make_policy(office)
    with pytest.raises(PermissionDenied):
        services.policy_version_add(
            actor=people.officer, policy=policy, data=version_data(effective_from=D(2025, 1, 1))
        )


def test_updating_a_policy_is_audited_with_before_and_after(office):
    policy = make_policy(office)
    services.policy_update(
        actor=office, policy=policy, data=policy_data(name="农村最低生活保障"), seen=policy.version
    )
    entry = _audit(policy)[-1]
    assert entry.action == Action.UPDATE
    assert entry.before["name"] == "最低生活保障" and entry.after["name"] == "农村最低生活保障"


def test_retiring_ends_the_last_version_and_keeps_everything(office):
    policy = make_policy(office)
    services.policy_retire(
        actor=office, policy=policy, on=D(2025, 1, 1), reason="被新文件替代", seen=policy.version
    )
    policy = selectors.policy_get(actor=office, pk=policy.pk)
    version = policy.versions.get()
    assert version.effective_until == D(2024, 12, 31)
    assert policy.retired_on == D(2025, 1, 1)
    assert selectors.version_current(policy=policy, on=D(2024, 12, 31)) is not None
    assert selectors.version_current(policy=policy, on=D(2025, 1, 1)) is None
    assert _audit(policy)[-1].action == Action.UPDATE
    with pytest.raises(ServiceError):
        services.policy_version_add(
            actor=office, policy=policy, data=version_data(effective_from=D(2026, 1, 1))
        )


def test_retiring_needs_a_reason_and_a_date_after_the_start(office):
    policy = make_policy(office)
    with pytest.raises(ValidationError) as exc:
        services.policy_retire(actor=office, policy=policy, on=D(2025, 1, 1), reason=" ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.policy_retire(actor=office, policy=policy, on=D(2023, 1, 1), reason="错录")
    assert "on" in exc.value.message_dict
    policy.refresh_from_db()
    assert policy.retired_on is None
