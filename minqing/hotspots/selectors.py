"""Reads for hot spots: similar requests for the intake form and the request page, keywords, the leader's hot
spots and warnings. Every read is scoped through minqing.regions.scoping."""

from django.db.models import QuerySet

from minqing.accounts.models import User
from minqing.petitions.access import petition_q, scope_petitions
from minqing.petitions.models import Petition
from minqing.regions.scoping import Perm, get_for_actor, scope

from . import text
from .models import HotSpot, HotSpotMember, Warning, WarningStatus, WatchedPhrase
from .services import TOWNSHIP_DIGITS, Match, near_duplicates, petition_text

MAX_TEXT = 100_000  # what a form may send; longer input is cut, never refused with an error page


def similar_text(
    actor: User, *, title: str, content: str, region_path: str, exclude: int | None = None
) -> list[Match]:
    """Near-duplicates of a request being typed (or shown), among those the actor may see in its township."""
    body = f"{title[:200]}。{content[:MAX_TEXT]}"
    return near_duplicates(
        body,
        region_path=region_path[:TOWNSHIP_DIGITS],
        exclude=[exclude] if exclude else [],
        visible=petition_q(actor),
    )


def similar_to_petition(actor: User, p: Petition) -> list[Match]:
    return similar_text(actor, title=p.title, content=p.content, region_path=p.region_path, exclude=p.pk)


def petition_keywords(p: Petition) -> list[str]:
    return text.keywords(petition_text(p))


def hotspots(actor: User, *, region_path: str = "") -> QuerySet[HotSpot]:
    qs = HotSpot.objects.filter(is_current=True).select_related("main_village")
    if region_path:
        qs = qs.filter(region_path__startswith=region_path[:TOWNSHIP_DIGITS])
    return scope(qs, actor, Perm.VIEW_HOTSPOTS).order_by("-score", "-size", "-id")


def hotspots_of_petition(actor: User, p: Petition) -> list[HotSpot]:
    """The current hot spots a request belongs to, for those who may see hot spots."""
    ids = HotSpotMember.objects.filter(petition=p, in_previous=False).values("hotspot_id")
    return list(hotspots(actor).filter(pk__in=ids)[:3])


def hotspot_detail(actor: User, pk: int) -> HotSpot:
    return get_for_actor(HotSpot.objects.select_related("main_village"), actor, Perm.VIEW_HOTSPOTS, pk=pk)


def hotspot_members(actor: User, spot: HotSpot, *, previous: bool = False) -> QuerySet[Petition]:
    """The hot spot's requests the actor may see (a leader of the township sees all of them)."""
    ids = HotSpotMember.objects.filter(hotspot=spot, in_previous=previous).values("petition_id")
    return scope_petitions(
        Petition.objects.filter(pk__in=ids).select_related("region", "category", "household"), actor
    ).order_by("-registered_on", "-id")


def warnings(actor: User, *, open_only: bool = True) -> QuerySet[Warning]:
    qs = Warning.objects.select_related("petition", "hotspot")
    if open_only:
        qs = qs.exclude(status=WarningStatus.HANDLED)
    return scope(qs, actor, Perm.VIEW_HOTSPOTS).order_by("status", "-created_at", "-id")


def warning_for_actor(actor: User, pk: int) -> Warning:
    return get_for_actor(Warning.objects.all(), actor, Perm.VIEW_HOTSPOTS, pk=pk)


def watched_phrases(actor: User) -> list[WatchedPhrase]:
    """The phrases watched everywhere, then those of the actor's regions."""
    own = scope(WatchedPhrase.objects.exclude(region_path=""), actor, Perm.MANAGE_WATCHLIST)
    return [*WatchedPhrase.objects.filter(region_path=""), *own]


def watched_phrase_for_actor(actor: User, pk: int) -> WatchedPhrase:
    return get_for_actor(WatchedPhrase.objects.exclude(region_path=""), actor, Perm.MANAGE_WATCHLIST, pk=pk)
