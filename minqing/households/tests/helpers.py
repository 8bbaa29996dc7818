"""Builders for registry tests that go through the real services."""

import datetime

from minqing.accounts.models import User
from minqing.core.tests.factories import make_id_number
from minqing.households.models import Household
from minqing.households.services import PersonData, household_create, resident_add
from minqing.regions.models import Region

_counter = iter(range(1, 10**6))


def person(
    name: str = "张建国",
    *,
    born: datetime.date = datetime.date(1970, 5, 1),
    male: bool = True,
    phone: str = "",
    relation: str = "other",
) -> PersonData:
    return PersonData(
        name=name,
        # Another county's area code than the Excel helpers' new_id(), so the two never hand out the same number.
        id_number=make_id_number(area="410202", born=born, serial=next(_counter), male=male),
        phone=phone,
        relation=relation,
    )


def family(
    actor: User, village: Region, head_name: str = "张建国", *, members: int = 2, phone: str = "13812345678"
) -> Household:
    h = household_create(
        actor=actor, region=village, head=person(head_name, phone=phone), address="张庄村一组8号"
    )
    for i in range(members):
        resident_add(
            actor=actor,
            household=h,
            person=person(
                f"张小{i}",
                born=datetime.date(2000 + i, 3, 3),
                male=i % 2 == 0,
                relation="son" if i % 2 == 0 else "daughter",
            ),
        )
    return h
