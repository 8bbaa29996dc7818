import datetime

from minqing.petitions.models import Petition
from minqing.petitions.tests.factories import category, register

WAGES = (
    "我们在村里安置房工地干了半年，包工头拖欠工资三万元，年底了一分钱没拿到。",
    "村安置房项目拖欠我们十几个农民工的工资，老板电话不接，说没钱。",
    "在安置房工地做钢筋工，工资拖欠五个月，要求尽快结清农民工工资。",
    "安置房工地包工头跑了，拖欠我们农民工工资，请镇里出面协调。",
    "安置房工地拖欠工资，工友们说再不给就去讨薪，请政府处理工资问题。",
)


def burst(actor, region, *, days_ago=(0, 1, 2, 3, 4), phones_from=0) -> list[Petition]:
    today = datetime.date.today()
    made = []
    for i, (content, ago) in enumerate(zip(WAGES, days_ago, strict=False)):
        made.append(
            register(
                actor,
                region,
                category=category("laodong-wages"),
                title="工地拖欠农民工工资",
                content=content,
                submitter_phone=f"1390000{phones_from + i:04d}",
                registered_on=today - datetime.timedelta(days=ago),
            )
        )
    return made
