"""Building disputes, mediations and agreements for tests through the real services."""

import datetime
import io
from typing import Any

from PIL import Image

from minqing.accounts.models import User
from minqing.core.uploads import CheckedFile, check_upload
from minqing.households.models import Household
from minqing.households.tests.helpers import family
from minqing.mediation import services
from minqing.mediation.models import Agreement, AgreementForm, Dispute, DisputeKind, Side, StartMode
from minqing.regions.models import Region


def _values(village: Region) -> dict[str, Any]:
    return {
        "region": village,
        "kind": DisputeKind.HOMESTEAD,
        "title": "两户因宅基地界址发生争执",
        "facts": "王家翻建院墙，李家认为占用其宅基地约半米，双方多次争吵。",
        "people_involved": 4,
        "parties": [],
    }


def two_households(actor: User, village: Region) -> tuple[Household, Household]:
    return (
        family(actor, village, "王建军", members=0, phone="13800000001"),
        family(actor, village, "李德胜", members=0, phone="13800000002"),
    )


def dispute(
    actor: User,
    village: Region,
    *,
    households: tuple[Household | None, Household | None] | None = None,
    **overrides: Any,
) -> Dispute:
    """A 宅基地 dispute between two registry households (or the given ones; (None, None) with parties=[...])."""
    a, b = households or two_households(actor, village)
    if a is None or b is None:
        return services.dispute_create(
            actor=actor, data=services.DisputeData(**{**_values(village), **overrides})
        )
    values = _values(village)
    values["parties"] = [
        services.PartyData(side=Side.A, resident=a.head),
        services.PartyData(side=Side.B, household=b),
    ]
    values.update(overrides)
    return services.dispute_create(actor=actor, data=services.DisputeData(**values))


def mediating(actor: User, village: Region, mediator: User | None = None, **overrides: Any) -> Dispute:
    d = dispute(actor, village, **overrides)
    services.mediation_start(
        actor=mediator or actor,
        dispute=d,
        mode=StartMode.INITIATIVE,
        mediators=[mediator or actor],
        started_on=d.found_on,
    )
    d.refresh_from_db()
    return d


def agreement_data(reached_on: datetime.date | None = None, **overrides: Any) -> services.AgreementData:
    values: dict[str, Any] = {
        "form": AgreementForm.WRITTEN,
        "reached_on": reached_on or datetime.date.today(),
        "facts": "王家翻建院墙时越过原界址约半米。",
        "issues": "院墙位置及占地补偿。",
        "responsibilities": "王家对越界负主要责任。",
        "terms": "王家将院墙后移至原界址\n王家向李家赔偿损失人民币贰仟元",
        "performance_manner": "王家自行拆除重建院墙，赔偿款现金当面交付",
        "performance_deadline": (reached_on or datetime.date.today()) + datetime.timedelta(days=20),
        "copies": 3,
    }
    values.update(overrides)
    return services.AgreementData(**values)


def png_scan(name: str = "协议书扫描件.png") -> CheckedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, format="PNG")
    data = buf.getvalue()
    return check_upload(name, io.BytesIO(data), len(data))


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, format="PNG")
    return buf.getvalue()


def effective_agreement(actor: User, d: Dispute, on: datetime.date | None = None) -> Agreement:
    """A written agreement signed by everyone, sealed, scanned and in effect."""
    on = on or datetime.date.today()
    a = services.agreement_record(actor=actor, dispute=d, data=agreement_data(on))
    services.agreement_sign(
        actor=actor,
        agreement=a,
        parties=list(d.parties.all()),
        signed_on=on,
        mediator_signed=True,
        sealed=True,
        scan=png_scan(),
    )
    return services.agreement_make_effective(actor=actor, agreement=a)
