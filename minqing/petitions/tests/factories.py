"""Building requests for tests through the real services, so every test request has a consistent state."""

from typing import Any

from minqing.accounts.models import Department, User
from minqing.petitions.models import Category, Channel, Petition
from minqing.petitions.services import Intake, petition_register
from minqing.regions.models import Region


def category(code: str = "minzheng-dibao") -> Category:
    return Category.objects.get(code=code)


def intake(region: Region, **overrides: Any) -> Intake:
    values: dict[str, Any] = {
        "channel": Channel.VISIT,
        "category": category(),
        "region": region,
        "title": "低保申请迟迟没有回音",
        "content": "我家三月份申请低保，至今没有答复，家里老人重病，生活困难。",
        "submitter_name": "张大山",
        "submitter_phone": "13812345678",
    }
    values.update(overrides)
    return Intake(**values)


def register(actor: User | None, region: Region, **overrides: Any) -> Petition:
    if actor is None:
        overrides.setdefault("channel", Channel.ONLINE)
    return petition_register(actor=actor, data=intake(region, **overrides))


def department(region: Region, name: str = "民政所", members: tuple[User, ...] = ()) -> Department:
    dept = Department.objects.create(name=name, region=region, region_path=region.path)
    dept.members.set(members)
    return dept
