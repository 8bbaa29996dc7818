"""Demo hot spots: a burst of wage complaints from one village's building site (one mentions 堵路), so the demo
leader sees a growing hot spot and both kinds of warning, then one run of the hot-spot computation."""

import datetime
from random import Random

from django.utils import timezone

from minqing.accounts.models import User
from minqing.petitions import services as petitions
from minqing.petitions.models import Category, Channel, Petition
from minqing.regions.models import Level, Region

from .services import RunResult, hotspots_compute

BURST_TITLE = "工地拖欠农民工工资"
BURST: tuple[str, ...] = (
    "我们在{v}村安置房工地干了半年，包工头拖欠工资{n}万元，年底了一分钱没拿到，家里等着用钱。",
    "{v}村安置房项目拖欠我们十几个农民工的工资，老板电话不接，找了几次都说没钱。",
    "在{v}村安置房工地做钢筋工，工资拖欠五个月，要求尽快结清工资。",
    "{v}村安置房工地包工头跑了，拖欠我们农民工工资，大家很着急，请镇里出面协调。",
    "{v}村安置房工地拖欠工资，工友们说再不给就去堵路讨薪，请政府尽快处理。",
    "反映{v}村安置房工地拖欠木工班工资的问题，干完活三个月了还不结算。",
    "{v}村安置房工地欠我们农民工工资，开发商和包工头互相推，工资没人管。",
)


def demo_hotspots(*, township: Region, seed: int = 2026, as_of: datetime.date | None = None) -> RunResult:
    """Add the burst (skipped when it is already there) and compute the township's hot spots as of `as_of`."""
    as_of = as_of or timezone.localdate()
    rng = Random(seed)
    officer = User.objects.filter(username="officer").first()
    village = (
        Region.objects.filter(parent=township, level=Level.VILLAGE, is_active=True).order_by("path").first()
    )
    category = Category.objects.filter(code="laodong-wages").first()
    if officer is None or village is None or category is None:
        return hotspots_compute(today=as_of, township_path=township.path)
    if not Petition.objects.filter(region_path=village.path, title=BURST_TITLE).exists():
        for i, body in enumerate(BURST):
            petitions.petition_register(
                actor=officer,
                data=petitions.Intake(
                    channel=Channel.VISIT,
                    category=category,
                    region=village,
                    title=BURST_TITLE,
                    content=body.format(v=village.name.removesuffix("村"), n=rng.randint(2, 9)),
                    submitter_name=f"农民工{i + 1}",
                    submitter_phone=f"139{rng.randint(0, 99_999_999):08d}",
                    registered_on=as_of - datetime.timedelta(days=rng.randint(0, 12)),
                ),
            )
    return hotspots_compute(today=as_of, township_path=township.path)
