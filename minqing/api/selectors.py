"""Reads of the API app: credentials by their secret, the Open311 service list, and requests as an Open311
client may see them.

An Open311 key is not a user and holds no role, so access.scope_petitions cannot take it; its reach is its
region, applied here in one function (`_jurisdiction`) exactly as scoping applies a grant: the subtree of
the region's path.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.core.ttl import ttl_cache
from minqing.petitions.models import OPEN_STATUSES, Category, Channel, Petition, PetitionEvent, Status
from minqing.petitions.selectors import category_list_tree
from minqing.regions.models import Level, Region, subtree_q
from minqing.regions.scoping import scope_to_region
from minqing.regions.selectors import regions_below

from .models import ApiKey, Open311Submission, StaffToken
from .secrets import hash_secret

MAX_ROWS = 1000
DEFAULT_WINDOW = datetime.timedelta(days=90)
CLOSED_STATUSES = (Status.CLOSED, Status.NOT_ACCEPTED, Status.MERGED)


def _hash(raw: str) -> str:

    return hash_secret(raw)


def api_key_for(raw: str) -> ApiKey | None:
    """The active key whose secret is `raw`, or None. Every Open311 call asks, so the answer is kept for
    KEY_CACHE_SECONDS per process: a key switched off stops working within that time."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 200:
        return None
    return _api_key_by_hash(_hash(raw))


KEY_CACHE_SECONDS = 10


@ttl_cache(KEY_CACHE_SECONDS)
def _api_key_by_hash(key_hash: str) -> ApiKey | None:
    try:  # get(), not first(): no ORDER BY, and this runs on every Open311 call
        return ApiKey.objects.select_related("region").get(key_hash=key_hash, is_active=True)
    except ApiKey.DoesNotExist:
        return None


def staff_token_for(raw: str) -> StaffToken | None:
    """The active token whose secret is `raw` and whose user is active, or None."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 200:
        return None
    return (
        StaffToken.objects.select_related("user")
        .filter(key_hash=_hash(raw), is_active=True, user__is_active=True)
        .first()
    )


# ----------------------------------------------------------------------------------------------------------
# Jurisdictions and services


def region_by_code(code: str) -> Region | None:
    code = (code or "").strip()
    if not code or not code.isdigit() or len(code) > 12:
        return None
    # People write a township as its 9 significant digits (410225106) as often as in full (410225106000).
    return _active_region(code.ljust(12, "0"))


@ttl_cache(30)
def _active_region(code: str) -> Region | None:
    # Cached for 30 s per process like the other reference lookups of intake: every Open311 request names its
    # village, the tree changes rarely, and the worker filing the request checks the region again.
    return Region.objects.filter(code=code, is_active=True).order_by().first()


def default_jurisdiction() -> Region | None:
    """The only active township, when the installation serves exactly one (the key command's default)."""
    townships = list(Region.objects.filter(level=Level.TOWNSHIP, is_active=True)[:2])
    return townships[0] if len(townships) == 1 else None


@dataclass(frozen=True)
class Jurisdiction:
    """What one Open311 call reads from or files into: a region's subtree, or with `region` None every
    township the deployment serves (the rule for a call that names no jurisdiction and sends no key)."""

    region: Region | None

    @property
    def path(self) -> str:
        return self.region.path if self.region is not None else ""


def open311_jurisdiction(*, key: ApiKey | None, jurisdiction_id: str) -> Jurisdiction | None:
    """The one rule every GeoReport call applies. Without a key: the region `jurisdiction_id` names, else the
    whole deployment. With a key: the key's region, narrowed to the named region when it lies within it (a
    county key naming one of its townships). None when the named region is unknown or outside the key's."""
    named: Region | None = None
    if (jurisdiction_id or "").strip():
        named = region_by_code(jurisdiction_id)
        if named is None:
            return None
    if key is None:
        return Jurisdiction(named)
    if named is None or key.region.path.startswith(named.path):
        return Jurisdiction(key.region)
    if named.path.startswith(key.region.path):
        return Jurisdiction(named)
    return None


def open311_jurisdictions() -> list[Region]:
    """The jurisdictions the discovery document lists: every active township, in code order."""
    return list(regions_below("", Level.TOWNSHIP).select_related("parent").order_by("code"))


@dataclass
class Service:
    category: Category
    group: str


def open311_services() -> list[Service]:
    """Leaf active categories (what a request is filed under), each with its parent's name as the group."""
    services: list[Service] = []
    for parent, kids in category_list_tree():
        if kids:
            services.extend(Service(kid, parent.name) for kid in kids)
        else:
            services.append(Service(parent, ""))
    return services


@ttl_cache(30)
def open311_service(code: str) -> Category | None:
    """The active leaf category with this service_code, or None. Cached for 30 s per process: the worker
    filing the request checks the category again."""
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None or category.children.filter(is_active=True).exists():
        return None
    return category


def villages_of(region: Region | None) -> list[Region]:
    """The villages (社区) a client of `region` (None: the whole deployment) may file under, in code order."""
    if region is not None and region.level == Level.VILLAGE:
        return [region] if region.is_active else []
    return _villages_below(region.path if region is not None else "")


@ttl_cache(30)
def _villages_below(path: str) -> list[Region]:
    # Cached for 30 s per process: the region tree changes rarely and the filing worker checks the region.
    return list(regions_below(path, Level.VILLAGE).select_related("parent"))


def _village_in(region: Region, code: str) -> Region | None:
    found = region_by_code(code)
    if found is None or found.level != Level.VILLAGE or not found.path.startswith(region.path):
        return None
    return found


def open311_region(
    *, within: Region, village: str, address_id: str, address: str, errors: dict[str, list[str]]
) -> Region | None:
    """Where a request filed into `within` (the key's region, or the part of it the call named) is: the chosen
    village, else the address_id village, else a village of `within` whose name appears in the address (the
    longest name wins), else `within` itself. Problems are added to `errors`."""
    region = within
    if village:
        found = _village_in(region, village)
        if found is None:
            errors.setdefault("attribute[village]", []).append(
                _("attribute[village] 不是本辖区的村（社区）代码。")
            )
        return found
    if address_id:
        found = _village_in(region, address_id)
        if found is None:
            errors.setdefault("address_id", []).append(_("address_id 不是本辖区的村（社区）代码。"))
        return found
    if address:
        candidates = [r for r in villages_of(region) if r.name and r.name in address]
        if not candidates and region.level < Level.TOWNSHIP:
            candidates = [
                r for r in regions_below(region.path, Level.TOWNSHIP) if r.name and r.name in address
            ]
        if candidates:
            return max(candidates, key=lambda r: (len(r.name), r.level))
    if region.level < Level.TOWNSHIP:
        errors.setdefault("location", []).append(_("无法确定所在乡镇或村，请选择 attribute[village]。"))
        return None
    return region


# ----------------------------------------------------------------------------------------------------------
# Requests


def _jurisdiction(jurisdiction: Jurisdiction, *, keyless: bool = False) -> QuerySet[Petition]:
    """Requests in the call's jurisdiction: the only base of every Open311 read. A call without a key sees only
    matters residents brought online themselves (or chose to publish): that someone came to the office, wrote
    or phoned about a 信访 matter is itself confidential, so those never appear in a public answer."""
    qs = scope_to_region(Petition.objects.all(), jurisdiction.path)
    if keyless:
        qs = qs.filter(Q(channel=Channel.ONLINE) | Q(publish=True))
    return qs


def _annotated(qs: QuerySet[Petition]) -> QuerySet[Petition]:
    latest = PetitionEvent.objects.filter(petition=OuterRef("pk"), is_public=True).order_by("-at", "-id")
    return qs.select_related("category", "department", "region").annotate(
        public_note=Subquery(latest.values("public_note")[:1]),
        public_kind=Subquery(latest.values("kind")[:1]),
    )


@dataclass
class RequestFilters:
    ids: list[int] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    statuses: list[str] = field(default_factory=list)  # open / closed


def open311_requests(
    *, jurisdiction: Jurisdiction, filters: RequestFilters, now: datetime.datetime, keyless: bool = False
) -> list[Petition]:
    """GET requests: by ids (which overrides every other filter), else by service codes, requested time
    (default the last 90 days) and open/closed; newest first, at most 1,000."""
    f = filters
    qs = _jurisdiction(jurisdiction, keyless=keyless)
    if f.ids:
        qs = qs.filter(pk__in=f.ids)
    else:
        end = f.end or ((f.start + DEFAULT_WINDOW) if f.start else now)
        start = f.start or (end - DEFAULT_WINDOW)
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        if f.service_codes:
            qs = qs.filter(category__code__in=f.service_codes)
        if f.statuses and set(f.statuses) != {"open", "closed"}:
            qs = qs.filter(status__in=OPEN_STATUSES if "open" in f.statuses else CLOSED_STATUSES)
    return list(_annotated(qs).order_by("-created_at", "-id")[:MAX_ROWS])


def open311_request(*, jurisdiction: Jurisdiction, pk: int, keyless: bool = False) -> Petition | None:
    return _annotated(_jurisdiction(jurisdiction, keyless=keyless).filter(pk=pk)).first()


def open311_token(*, jurisdiction: Jurisdiction, key: ApiKey | None, token: str) -> Open311Submission | None:
    """A token issued for this jurisdiction; another region's token is unknown here. The token itself is the
    secret (96 random bits), so a client without a key may follow the requests it posted by their tokens."""
    token = (token or "").strip()
    if not token or len(token) > 32:
        return None
    # A filed token belongs to the jurisdiction of its request. One not yet filed belongs to the key that got
    # it, and, to a call without a key, to every jurisdiction that overlaps that key's region.
    if key is not None:
        pending = Q(api_key=key)
    else:
        pending = subtree_q(jurisdiction.path, "api_key__region__path")
        if jurisdiction.path:
            ancestors = [jurisdiction.path[:n] for n in range(1, len(jurisdiction.path))]
            pending |= Q(api_key__region__path__in=ancestors)
    return (
        Open311Submission.objects.select_related("petition")
        .filter(token=token)
        .filter(
            Q(petition__in=_jurisdiction(jurisdiction).values("pk")) | (Q(petition__isnull=True) & pending)
        )
        .first()
    )


# ----------------------------------------------------------------------------------------------------------
# Look-ups the staff API parses codes with


def category_by_code(code: str) -> Category | None:
    return Category.objects.filter(code=(code or "").strip()).first()


def active_user(pk: int) -> User | None:
    return User.objects.filter(pk=pk, is_active=True).first()


def user_by_username(username: str) -> User | None:
    return User.objects.filter(username=username).first()
