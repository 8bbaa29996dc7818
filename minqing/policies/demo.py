"""Loads the demo library (demo_library.LIBRARY) into the library, through the services, as the township's
民政所 would enter it. Run again, it adds only what is missing: a policy already there is left as it is, and a
version is added only when its start date is new."""

from dataclasses import dataclass

from django.db import transaction

from minqing.accounts.models import Department, User
from minqing.regions.models import Region

from . import services
from .demo_library import LIBRARY, P, V
from .models import Policy

DEMO_ACTOR = "civil"  # the township 民政所 account of accounts.demo
DEMO_COUNTY_ACTOR = "civil_county"  # the county 民政局 account, which keeps the county's own policies


@dataclass
class PolicyDemoResult:
    policies: int
    versions: int


def _version_data(v: V) -> services.VersionData:
    return services.VersionData(
        effective_from=v.effective_from,
        beneficiaries=v.beneficiaries,
        summary=v.summary,
        conditions=v.conditions,
        standard=v.standard,
        amount=v.amount,
        amount_unit=v.unit,
        amount_year=v.year,
        materials=v.materials,
        procedure=v.procedure,
        time_limit=v.time_limit,
        office=v.office,
        phone=v.phone,
        change_note=v.change_note,
    )


def _policy_data(p: P, *, county: Region, township: Region) -> services.PolicyData:
    department = Department.objects.filter(region=township, name=p.department, is_active=True).first()
    return services.PolicyData(
        name=p.name,
        issuer=p.issuer,
        level=p.level,
        category=p.category,
        doc_number=p.doc_number,
        target_groups=list(p.targets),
        department=department,
        region=county if p.local else None,
    )


@transaction.atomic
def demo_policies(*, county: Region, township: Region) -> PolicyDemoResult:
    """The demo library: the general policies entered by the township's 民政所, the county's own by the county
    民政局. A policy whose keeper has no account is skipped."""
    keepers = {u.username: u for u in User.objects.filter(username__in=[DEMO_ACTOR, DEMO_COUNTY_ACTOR])}
    added_policies = added_versions = 0
    for p in LIBRARY:
        actor = keepers.get(DEMO_COUNTY_ACTOR if p.local else DEMO_ACTOR)
        if actor is None:
            continue
        region_path = county.path if p.local else ""
        policy = Policy.objects.filter(name=p.name, region_path=region_path).first()
        versions = list(p.versions)
        if policy is None:
            data = _policy_data(p, county=county, township=township)
            policy = services.policy_create(actor=actor, policy=data, version=_version_data(versions[0]))
            added_policies += 1
            added_versions += 1
        known = set(policy.versions.values_list("effective_from", flat=True))
        for v in versions:
            if v.effective_from in known:
                continue
            services.policy_version_add(actor=actor, policy=policy, data=_version_data(v))
            added_versions += 1
    return PolicyDemoResult(added_policies, added_versions)
