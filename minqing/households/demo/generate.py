"""`demo_generate`: fill villages with generated households."""

import datetime
import time
from collections.abc import Callable, Sequence
from random import Random

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.core.errors import ServiceError
from minqing.households.models import (
    DifficultyTag,
    Household,
    Resident,
)
from minqing.households.services import next_household_code
from minqing.regions.models import Level, Region, subtree_q
from minqing.regions.services import chinese_number, village_groups_create

from .plan import (
    AREA_CODE,
    DEFAULT_SEED,
    MAX_PER_VILLAGE,
    DemoResult,
    HouseholdPlan,
    _People,
    _Placed,
    _split,
    _VillagePlanner,
)
from .write import _relations, _write_village, _Writer


@transaction.atomic
def demo_generate(
    *,
    villages: Sequence[Region],
    households: int,
    seed: int = DEFAULT_SEED,
    as_of: datetime.date | None = None,
    feuds: int | None = None,
    recorded_by: User | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Fill `villages` with `households` generated households (and their groups, people, ties).

    The same seed, villages, reference date and database state give the same data. Refuses villages
    that already have households, so generated codes and people never mix with real ones.
    """
    started = time.monotonic()
    rng = Random(seed)
    as_of = as_of or timezone.localdate()
    villages = sorted(villages, key=lambda v: v.code)
    if not villages or households < 1:
        raise ServiceError(_("请至少指定一个村和一户。"))
    if any(v.level != Level.VILLAGE for v in villages):
        raise ServiceError(_("演示数据只能生成在村（社区）下。"))
    busy = Q()
    for v in villages:
        busy |= subtree_q(v.path)
    if Household.objects.filter(busy).exists():
        raise ServiceError(_("所选的村已有户数据；请使用空数据库，或先清除这些村的户。"))
    shares = _split(rng, households, len(villages), 0.6, 1.5)
    if max(shares) > MAX_PER_VILLAGE:
        raise ServiceError(_("每个村最多生成 %(n)d 户。") % {"n": MAX_PER_VILLAGE})
    tags = {t.name: t for t in DifficultyTag.objects.filter(is_active=True)}
    used_ids = {
        number
        for number in Resident.objects.filter(id_number__startswith=AREA_CODE).values_list(
            "id_number", flat=True
        )
        if number
    }
    used_phones = set(Resident.objects.exclude(phone="").values_list("phone", flat=True))
    people = _People(rng, as_of, used_ids, used_phones)
    writer = _Writer()
    result = DemoResult(villages=len(villages))
    placed: list[_Placed] = []
    for vi, (village, share) in enumerate(zip(villages, shares, strict=True)):
        groups = village_groups_create(village=village, count=rng.randint(4, 8))
        result.groups += len(groups)
        planner = _VillagePlanner(people, village, tags)
        serial = int(next_household_code(village)[12:])
        plans: list[HouseholdPlan] = []
        for gi, (group, count) in enumerate(
            zip(groups, _split(rng, share, len(groups), 0.7, 1.3), strict=True)
        ):
            for house_no in range(1, count + 1):
                plans.append(
                    planner.household(
                        code=f"{village.code[:12]}{serial:04d}",
                        group=group,
                        group_no=gi + 1,
                        house_no=house_no,
                        address=f"{village.name}{chinese_number(gi + 1)}组{house_no}号",
                    )
                )
                serial += 1
        ids = _write_village(writer, plans, tags, as_of)
        placed += [
            _Placed(pk, vi, plan.group_no, plan.house_no, plan.members[0].surname)
            for pk, plan in zip(ids, plans, strict=True)
        ]
        result.households += len(plans)
        result.residents += sum(len(plan.members) for plan in plans)
        if progress and (vi + 1) % 25 == 0:
            progress(
                _("已生成 %(v)d/%(n)d 个村，%(h)d 户。")
                % {"v": vi + 1, "n": len(villages), "h": result.households}
            )
    writer.finish()
    result.feuds, result.relations = _relations(
        rng,
        placed,
        villages,
        feuds=round(households / 100) if feuds is None else feuds,
        as_of=as_of,
        recorded_by=recorded_by,
    )
    result.seconds = time.monotonic() - started
    return result
