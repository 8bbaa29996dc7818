"""Building policies for tests, through the services as the office would."""

import datetime
from decimal import Decimal

from minqing.accounts.models import User
from minqing.policies import services
from minqing.policies.models import Category, Policy, PolicyLevel, TargetGroup


def policy_data(**over: object) -> services.PolicyData:
    values: dict[str, object] = {
        "name": "最低生活保障",
        "issuer": "民政部",
        "level": PolicyLevel.NATIONAL,
        "category": Category.ASSISTANCE,
        "doc_number": "民发〔2021〕57号",
        "target_groups": [TargetGroup.LOW_INCOME],
    }
    values.update(over)
    return services.PolicyData(**values)


def version_data(**over: object) -> services.VersionData:
    values: dict[str, object] = {
        "effective_from": datetime.date(2024, 1, 1),
        "beneficiaries": "家庭人均收入低于当地低保标准的家庭",
        "summary": "按差额发放低保金。",
        "conditions": "户籍在本地；家庭人均收入低于低保标准。",
        "amount": Decimal("420"),
        "amount_unit": "person_month",
        "amount_year": 2024,
    }
    values.update(over)
    return services.VersionData(**values)


def make_policy(actor: User, policy: dict[str, object] | None = None, **version: object) -> Policy:
    return services.policy_create(
        actor=actor, policy=policy_data(**(policy or {})), version=version_data(**version)
    )
