"""Factories shared by every app's tests."""

import datetime
import random

import factory

from minqing.accounts.models import RoleAssignment, User
from minqing.households.models import Household, Resident
from minqing.households.services import index_resident
from minqing.regions.models import Level, Region

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def make_id_number(
    area: str = "410225", born: datetime.date = datetime.date(1980, 1, 1), serial: int = 1, male: bool = True
) -> str:
    """A valid 18-digit resident ID number (GB 11643 checksum)."""
    # The 17th digit is odd for men and even for women; distinct serials give distinct numbers (up to 500).
    seq = (2 * serial + (1 if male else 0)) % 1000
    body = f"{area}{born:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def region(code: str, name: str, level: Level, parent: Region | None = None) -> Region:
    obj, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return obj


# Every test account's password; the browser and login tests type it.
PASSWORD = "Minqing-Test-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"干部{n}")
    password = factory.django.Password(PASSWORD)


def grant(user: User, role: str, reg: Region) -> RoleAssignment:
    return RoleAssignment.objects.create(user=user, role=role, region=reg)


_serial = iter(range(1, 10**9))


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"HH{n:08d}")
    address = factory.Sequence(lambda n: f"{n}号")
    head_name = ""

    region_path = factory.LazyAttribute(lambda o: o.region.path)


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident
        skip_postgeneration_save = True

    name = "张建国"
    gender = "M"
    relation = "other"

    @factory.lazy_attribute
    def id_number(self) -> str:
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=random.randint(0, 25000))
        return make_id_number(born=born, serial=next(_serial), male=self.gender == "M")

    @factory.lazy_attribute
    def birth_date(self) -> datetime.date:
        return datetime.date(
            int(self.id_number[6:10]), int(self.id_number[10:12]), int(self.id_number[12:14])
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        index_resident(obj)
        obj.save()
        return obj
