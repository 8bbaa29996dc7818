"""The demo township and the county benchmark data: every practice's demo, in the order they refer to each other."""

import datetime
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from minqing.accounts.demo import demo_staff_create
from minqing.api.models import ApiKey
from minqing.api.services import api_key_create
from minqing.audit.models import Action
from minqing.audit.services import audit_record
from minqing.core.errors import ServiceError
from minqing.hotspots.demo import demo_hotspots
from minqing.households.demo.generate import demo_generate
from minqing.households.demo.plan import DEFAULT_SEED, DEMO_COUNTY, DemoResult
from minqing.mediation.demo import demo_mediation
from minqing.petitions.demo import demo_petitions
from minqing.policies.demo import demo_policies
from minqing.regions.models import Level, Region, subtree_q
from minqing.regions.services import regions_load
from minqing.visits.demo import demo_visits

DEMO_TOWNSHIP = "410225106"  # 东坝头镇
DEMO_HOUSEHOLDS = 6000
# A published key for trying Open311 clients against the demo; a real installation issues its own.
DEMO_OPEN311_CLIENT = "演示客户端"
DEMO_OPEN311_KEY = "o311_demo-dongbatou-2026"
COUNTY_HOUSEHOLDS = 300_000
DEMO_URL = "http://127.0.0.1:8000/"

# ---------------------------------------------------------------------------------------------------
# The two data sets.


def _region(code: str) -> Region:
    try:
        return Region.objects.get(code=code.ljust(12, "0"))
    except Region.DoesNotExist as exc:
        raise ServiceError(_("找不到区划 %(code)s。") % {"code": code}) from exc


def _villages_under(region: Region, limit: int | None = None) -> list[Region]:
    qs = Region.objects.filter(subtree_q(region.path, "path"), level=Level.VILLAGE).order_by("code")
    return list(qs[:limit] if limit else qs)


def _data_dir(data_dir: Path | None) -> Path:
    return data_dir or Path(settings.MINQING_DIVISIONS_DIR)


@transaction.atomic
def demo_load(
    *,
    seed: int = DEFAULT_SEED,
    households: int = DEMO_HOUSEHOLDS,
    village_limit: int | None = None,
    data_dir: Path | None = None,
    as_of: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """兰考县's regions, then 东坝头镇 filled with households, the demo staff and one audit row.

    `village_limit` limits how many of the township's villages get households (tests use 2).
    """
    regions_load(prefix=DEMO_COUNTY, data_dir=_data_dir(data_dir))
    county, township = _region(DEMO_COUNTY), _region(DEMO_TOWNSHIP)
    staff = demo_staff_create(county=county, township=township)
    officer = next((u for u in staff if u.username == "officer"), None)
    result = demo_generate(
        villages=_villages_under(township, village_limit),
        households=households,
        seed=seed,
        as_of=as_of,
        recorded_by=officer,
        progress=progress,
    )
    result.staff = staff
    # The registry is loaded first: requests, visits and disputes refer to its households.
    if progress:
        progress(_("诉求与接访日……"))
    demo_petitions(
        township=township, seed=seed, as_of=as_of, count=max(20, households * 360 // DEMO_HOUSEHOLDS)
    )
    demo_hotspots(township=township, seed=seed, as_of=as_of)
    # After the requests, whose loader creates the township's departments the policies name.
    demo_policies(county=county, township=township)
    if progress:
        progress(_("下村日记与硬性规定……"))
    demo_visits(township=township, seed=seed, as_of=as_of)
    demo_mediation(township=township, seed=seed, as_of=as_of)
    if not ApiKey.objects.filter(name=DEMO_OPEN311_CLIENT).exists():
        api_key_create(actor=None, name=DEMO_OPEN311_CLIENT, region=township, raw=DEMO_OPEN311_KEY)
    _audit(result, township, seed, _("演示数据"))
    return result


@transaction.atomic
def demo_county(
    *,
    seed: int = DEFAULT_SEED,
    households: int = COUNTY_HOUSEHOLDS,
    data_dir: Path | None = None,
    as_of: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Every village of 兰考县 filled for benchmarks, with the same generator and the demo staff."""
    regions_load(prefix=DEMO_COUNTY, data_dir=_data_dir(data_dir))
    county, township = _region(DEMO_COUNTY), _region(DEMO_TOWNSHIP)
    staff = demo_staff_create(county=county, township=township)
    officer = next((u for u in staff if u.username == "officer"), None)
    result = demo_generate(
        villages=_villages_under(county),
        households=households,
        seed=seed,
        as_of=as_of,
        recorded_by=officer,
        progress=progress,
    )
    result.staff = staff
    demo_policies(county=county, township=township)
    _audit(result, county, seed, _("县级压测数据"))
    return result


def _audit(result: DemoResult, region: Region, seed: int, what: str) -> None:
    audit_record(
        actor=None,
        action=Action.CREATE,
        object_type="demo",
        object_repr=f"{what}：{region.name}",
        region_path=region.path,
        note=_(
            "已加载%(what)s：%(region)s %(v)d 个村，%(h)d 户，%(r)d 人，过结 %(f)d 起（随机种子 %(seed)d）。"
        )
        % {
            "what": what,
            "region": region.name,
            "v": result.villages,
            "h": result.households,
            "r": result.residents,
            "f": result.feuds,
            "seed": seed,
        },
    )
