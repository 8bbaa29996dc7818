"""Writes for hot spots: the near-duplicate index, the periodic clustering, warnings and the watch list.

The index is written in the same transaction as the request (`petition_indexed`, called once from
`petitions.services.petition_register`): a duplicate filed one second later must already find it, and a task after
commit would leave that gap whenever the worker lags. It costs about a millisecond, well inside registration.
Index rows are derived data and carry no audit row; warnings and their handling do.
"""

import datetime
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.audit.models import Action
from minqing.audit.services import audit_record
from minqing.core.errors import ValidationError
from minqing.core.ttl import ttl_cache
from minqing.households.models import Household
from minqing.petitions.models import OPEN_STATUSES, Petition, Status
from minqing.regions.models import PATH_DIGITS, Level, Region, subtree_q
from minqing.regions.scoping import Perm, require

from . import text
from .models import DupBand, HotSpot, HotSpotMember, Warning, WarningKind, WarningStatus, WatchedPhrase

logger = logging.getLogger(__name__)

TOWNSHIP_DIGITS = PATH_DIGITS[Level.TOWNSHIP]
VILLAGE_DIGITS = PATH_DIGITS[Level.VILLAGE]
# A closed request stays in the duplicate index this long after registration; open ones stay while open.
RETAIN_DAYS = 365
WINDOW_DAYS = 30
# Two requests belong to one hot spot when their word vectors are this similar (cosine, average linkage).
CLUSTER_SIMILARITY = 0.22  # chosen on messages_with_votes.csv, see bench/bench_hotspots.py
MIN_CLUSTER = 3
# The most recent requests of one township clustered per run: bounds memory (n² distances) on a busy township.
MAX_CLUSTERED = 2500
# Fast growth: at least this many this window, this many more than the window before, and at least double.
GROWTH_MIN_SIZE = 4
GROWTH_MIN_DELTA = 3
# Most members from one village: the problem is that village's.
ONE_PLACE_SHARE = 0.6


def petition_text(p: Petition) -> str:
    return f"{p.title}。{p.content}"


# --- The near-duplicate index ---------------------------------------------------------------------------------


def _band_rows(p: Petition) -> list[DupBand]:
    return [DupBand(petition=p, band=b, region_path=p.region_path) for b in text.text_bands(petition_text(p))]


def petition_indexed(*, petition: Petition) -> None:
    """Index a newly registered request for near-duplicate search and raise a warning for a watched phrase in it.
    Called inside the registration's transaction."""
    DupBand.objects.filter(petition=petition).delete()
    DupBand.objects.bulk_create(_band_rows(petition))
    _phrase_warnings([petition])


def dupindex_rebuild(
    *, since: datetime.date | None = None, batch: int = 2000, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Backfill or repair the index: (re)write the rows of every request still worth matching and drop those of
    requests closed long ago. Returns (requests indexed, requests dropped)."""
    today = timezone.localdate()
    cutoff = today - datetime.timedelta(days=RETAIN_DAYS)
    stale = Petition.objects.exclude(_retained_q(cutoff)).values("pk")
    dropped, _detail = DupBand.objects.filter(petition__in=stale).delete()
    qs = Petition.objects.filter(_retained_q(cutoff))
    if since is not None:
        qs = qs.filter(registered_on__gte=since)
    done = 0
    last = 0
    while True:
        chunk = list(
            qs.filter(pk__gt=last).order_by("pk").only("pk", "title", "content", "region_path")[:batch]
        )
        if not chunk:
            break
        with transaction.atomic():
            DupBand.objects.filter(petition__in=[p.pk for p in chunk]).delete()
            DupBand.objects.bulk_create([row for p in chunk for row in _band_rows(p)], batch_size=5000)
        done += len(chunk)
        last = chunk[-1].pk
        if progress:
            progress(done)
    return done, dropped


def _retained_q(cutoff: datetime.date) -> Q:
    return Q(status__in=OPEN_STATUSES) | (Q(registered_on__gte=cutoff) & ~Q(status=Status.MERGED))


@dataclass
class Match:
    petition: Petition
    score: float  # 0–100, the exact text similarity
    shared_bands: int


def near_duplicates(
    content: str,
    *,
    region_path: str = "",
    exclude: Iterable[int] = (),
    actor: User | None = None,
    visible: Q | None = None,
    limit: int = 8,
    min_score: float = 70.0,
    candidates: int = 40,
) -> list[Match]:
    """Requests whose text nearly repeats `content`, best first, each confirmed by an exact comparison.

    `region_path` limits the search to a subtree (a township's path for intake); `visible` is the caller's
    access filter on Petition (access.petition_q), applied before anything is read. Closed requests older than
    RETAIN_DAYS and merged ones are ignored even while their rows wait for the next reindex."""
    norm = text.normalize(content)
    sig = text.minhash(norm)
    if sig is None:
        return []
    bands = text.band_hashes(sig)
    from django.db.models import Count

    rows = DupBand.objects.filter(band__in=bands)
    if region_path:
        rows = rows.filter(region_path__startswith=region_path)
    excluded = [pk for pk in exclude if pk]
    if excluded:
        rows = rows.exclude(petition_id__in=excluded)
    hits = list(
        rows.values("petition_id").annotate(n=Count("id")).order_by("-n", "-petition_id")[:candidates]
    )
    if not hits:
        return []
    shared = {h["petition_id"]: h["n"] for h in hits}
    cutoff = timezone.localdate() - datetime.timedelta(days=RETAIN_DAYS)
    qs = Petition.objects.filter(pk__in=list(shared)).filter(_retained_q(cutoff))
    if visible is not None:
        qs = qs.filter(visible)
    found = []
    for p in qs.select_related("category", "region").only(
        "pk",
        "tracking_code",
        "title",
        "content",
        "status",
        "registered_on",
        "region_path",
        "category__name",
        "region__name",
        "submitter_phone",
    ):
        score = text.similarity(norm, text.normalize(petition_text(p)))
        if score >= min_score:
            found.append(Match(p, score, shared[p.pk]))
    found.sort(key=lambda m: (-m.score, -m.petition.pk))
    return found[:limit]


# --- Watched phrases ------------------------------------------------------------------------------------------


@ttl_cache(seconds=60)
def _phrases() -> list[tuple[str, text.Phrase]]:
    return [
        (w.region_path, text.Phrase(w.pk, w.phrase, w.exclusion_list))
        for w in WatchedPhrase.objects.filter(is_active=True)
    ]


def phrases_for(region_path: str) -> list[text.Phrase]:
    return [p for path, p in _phrases() if region_path.startswith(path)]


def _township(path: str) -> str:
    return path[:TOWNSHIP_DIGITS]


def _phrase_warnings(petitions: Sequence[Petition]) -> int:
    made = 0
    for p in petitions:
        for hit in text.phrase_hits(petition_text(p), phrases_for(p.region_path)):
            _w, created = Warning.objects.get_or_create(
                key=f"phrase:{p.pk}:{hit.phrase}"[:120],
                defaults={
                    "kind": WarningKind.PHRASE,
                    "region_path": _township(p.region_path),
                    "petition": p,
                    "phrase": hit.phrase,
                    "message": (
                        _("诉求 %(code)s 出现关注词“%(phrase)s”：%(title)s")
                        % {"code": p.tracking_code, "phrase": hit.phrase, "title": p.title}
                    )[:300],
                },
            )
            made += created
    return made


def _split_words(raw: str) -> str:
    words = [w for w in raw.replace("，", " ").replace(",", " ").replace("、", " ").split() if w]
    return " ".join(dict.fromkeys(words))[:300]


@transaction.atomic
def watched_phrase_add(*, actor: User, phrase: str, exclusions: str, region: Region) -> WatchedPhrase:
    require(actor, Perm.MANAGE_WATCHLIST, region.path)
    phrase = phrase.strip()
    if not text.normalize(phrase):
        raise ValidationError({"phrase": [_("请填写关注词（文字或数字）。")]})
    if len(phrase) > 30:
        raise ValidationError({"phrase": [_("关注词不超过 30 个字。")]})
    if WatchedPhrase.objects.filter(region_path=region.path, phrase=phrase).exists():
        raise ValidationError({"phrase": [_("该区域已有这个关注词。")]})
    w = WatchedPhrase.objects.create(
        phrase=phrase, exclusions=_split_words(exclusions), region_path=region.path, created_by=actor
    )
    audit_record(
        actor=actor, action=Action.CREATE, obj=w, after={"phrase": phrase, "exclusions": w.exclusions}
    )
    _phrases.cache_clear()  # type: ignore[attr-defined]
    return w


@transaction.atomic
def watched_phrase_set_active(*, actor: User, watched: WatchedPhrase, active: bool) -> WatchedPhrase:
    """Switch a phrase on or off. Phrases watched everywhere (no region) belong to the system configuration."""
    if not watched.region_path:
        raise PermissionDenied(_("全局关注词由系统管理员在系统配置中维护。"))
    require(actor, Perm.MANAGE_WATCHLIST, watched.region_path)
    before = {"is_active": watched.is_active}
    watched.is_active = active
    watched.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=watched, before=before, after={"is_active": active})
    _phrases.cache_clear()  # type: ignore[attr-defined]
    return watched


# --- Warnings -------------------------------------------------------------------------------------------------


@transaction.atomic
def warning_set_status(*, actor: User, warning: Warning, status: str, note: str = "") -> Warning:
    require(actor, Perm.VIEW_HOTSPOTS, warning.region_path)
    if status not in WarningStatus.values:
        raise ValidationError({"status": [_("无效的状态。")]})
    before = {"status": warning.status}
    warning.status = status
    if status == WarningStatus.HANDLED:
        warning.handled_by = actor
        warning.handled_note = note.strip()[:300]
    warning.save(update_fields=["status", "handled_by", "handled_note", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=warning,
        before=before,
        after={"status": status},
        note=note[:300],
    )
    return warning


# --- Hot spots ------------------------------------------------------------------------------------------------


@dataclass
class Cluster:
    """A cluster found by `cluster_texts`: indexes into the current texts and the previous ones."""

    members: list[int]
    previous: list[int] = field(default_factory=list)


def cluster_texts(
    current: Sequence[str],
    previous: Sequence[str] = (),
    *,
    similarity: float = CLUSTER_SIMILARITY,
    min_size: int = MIN_CLUSTER,
) -> list[Cluster]:
    """Group similar texts: TF-IDF over jieba words, average-linkage agglomerative clustering with a cosine
    distance threshold (no fixed number of clusters), then each earlier text counted against the cluster it is
    closest to when that is similar enough. Returns clusters of at least `min_size`, largest first."""
    if len(current) < max(2, min_size):
        return []
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [text.tokens(t) for t in [*current, *previous]]
    if not any(docs[: len(current)]):
        return []
    vec = TfidfVectorizer(analyzer=lambda d: d, min_df=1, sublinear_tf=True)
    try:
        matrix = vec.fit_transform(docs)  # rows are L2-normalised: a dot product is the cosine
    except ValueError:  # every text empty after filtering
        return []
    x_cur = matrix[: len(current)]
    # Distances from the sparse product: n² floats, never the n × vocabulary dense matrix.
    distance = 1.0 - (x_cur @ x_cur.T).toarray()
    np.clip(distance, 0.0, 1.0, out=distance)
    np.fill_diagonal(distance, 0.0)
    empty = np.asarray(x_cur.getnnz(axis=1) == 0)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1 - similarity
    ).fit_predict(distance)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        if not empty[i]:
            groups.setdefault(int(label), []).append(i)
    clusters = [Cluster(members) for members in groups.values() if len(members) >= min_size]
    if previous and clusters:
        centroids = np.vstack([np.asarray(x_cur[c.members].mean(axis=0)) for c in clusters])
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True) + 1e-12
        sims = np.asarray(matrix[len(current) :] @ centroids.T)
        best = sims.argmax(axis=1)
        for j, k in enumerate(best):
            if sims[j, k] >= similarity:
                clusters[int(k)].previous.append(j)
    clusters.sort(key=lambda c: -len(c.members))
    return clusters


def hotspot_score(*, size: int, growth: int, households: int, vulnerable: int, people: int) -> float:
    """What the leader ranks by: more requests, faster growth, more households, more of them in difficulty,
    and group visits (many people behind one request) all raise it."""
    return round(size + 1.5 * max(growth, 0) + 0.5 * households + 2.0 * vulnerable + 0.2 * people, 1)


@dataclass
class RunResult:
    townships: int = 0
    hotspots: int = 0
    warnings: int = 0


def _vulnerable_households(ids: set[int]) -> int:
    if not ids:
        return 0
    return Household.objects.filter(pk__in=ids, tags__is_active=True).values("pk").distinct().count()


@transaction.atomic
def _township_run(township: str, today: datetime.date, window: int) -> tuple[int, int]:
    start = today - datetime.timedelta(days=window - 1)
    prev_start = start - datetime.timedelta(days=window)
    base = Petition.objects.filter(subtree_q(township)).exclude(status=Status.MERGED)
    current = list(
        base.filter(registered_on__gte=start, registered_on__lte=today)
        .order_by("-registered_on", "-id")
        .only(
            "pk",
            "title",
            "content",
            "region_path",
            "household_id",
            "submitter_phone",
            "head_count",
            "tracking_code",
            "registered_on",
        )[:MAX_CLUSTERED]
    )
    previous = list(
        base.filter(registered_on__gte=prev_start, registered_on__lt=start).only("pk", "title", "content")[
            :MAX_CLUSTERED
        ]
    )
    old = HotSpot.objects.filter(region_path=township, is_current=True)
    old.filter(warnings__isnull=True).delete()
    old.update(is_current=False)
    warnings = _phrase_warnings(current)
    clusters = cluster_texts([petition_text(p) for p in current], [petition_text(p) for p in previous])
    villages = {r.path: r for r in Region.objects.filter(subtree_q(township, "path"), level=Level.VILLAGE)}
    made = 0
    for c in clusters:
        members = [current[i] for i in c.members]
        household_ids = {p.household_id for p in members if p.household_id}
        unlinked = {p.submitter_phone or f"#{p.pk}" for p in members if not p.household_id}
        households = len(household_ids) + len(unlinked)
        village_counts = Counter(p.region_path[:VILLAGE_DIGITS] for p in members if len(p.region_path) >= 12)
        main_village = None
        if village_counts:
            path, n = village_counts.most_common(1)[0]
            if n >= ONE_PLACE_SHARE * len(members):
                main_village = villages.get(path)
        size, prev = len(members), len(c.previous)
        vulnerable = _vulnerable_households(household_ids)
        kws = text.cluster_keywords([petition_text(p) for p in members[:50]])
        title = min(members, key=lambda p: (-len(set(kws) & set(text.keywords(p.title, 4))), p.pk)).title
        spot = HotSpot.objects.create(
            region_path=township,
            main_village=main_village,
            window_start=start,
            window_end=today,
            title=title[:100],
            keywords=kws,
            size=size,
            prev_size=prev,
            growth=size - prev,
            households=households,
            vulnerable=vulnerable,
            places=len(village_counts),
            score=hotspot_score(
                size=size,
                growth=size - prev,
                households=households,
                vulnerable=vulnerable,
                people=sum(p.head_count for p in members),
            ),
        )
        HotSpotMember.objects.bulk_create(
            [HotSpotMember(hotspot=spot, petition=p) for p in members]
            + [HotSpotMember(hotspot=spot, petition=previous[j], in_previous=True) for j in c.previous]
        )
        made += 1
        # A warning is for growth in one place — the precursor of a group incident; a matter spreading thinly
        # over the township is still ranked among the hot spots, without a warning of its own.
        fast = size >= GROWTH_MIN_SIZE and size - prev >= GROWTH_MIN_DELTA and size >= 2 * prev
        if fast and main_village is not None:
            place = main_village.name
            _w, created = Warning.objects.get_or_create(
                key=f"growth:{township}:{min(p.pk for p in members)}",
                defaults={
                    "kind": WarningKind.GROWTH,
                    "region_path": township,
                    "hotspot": spot,
                    "message": (
                        _("%(place)s 近 %(days)d 天同类诉求 %(size)d 件（上期 %(prev)d 件）：%(keywords)s")
                        % {
                            "place": place,
                            "days": window,
                            "size": size,
                            "prev": prev,
                            "keywords": "、".join(kws),
                        }
                    )[:300],
                },
            )
            if not created:
                Warning.objects.filter(pk=_w.pk).update(hotspot=spot)
            warnings += created
    return made, warnings


def hotspots_compute(
    *, today: datetime.date | None = None, window: int = WINDOW_DAYS, township_path: str = ""
) -> RunResult:
    """Recompute the current hot spots of every township with recent requests (or one township), replacing the
    previous run's, and raise warnings for fast growth and watched phrases. Each township in its own transaction,
    so a long run never holds one lock for long."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=2 * window)
    paths = Petition.objects.filter(registered_on__gte=since, registered_on__lte=today)
    if township_path:
        paths = paths.filter(subtree_q(township_path))
    townships = sorted(
        {p[:TOWNSHIP_DIGITS] for p in paths.values_list("region_path", flat=True).distinct() if len(p) >= 9}
    )
    result = RunResult()
    for township in townships:
        made, warned = _township_run(township, today, window)
        result.townships += 1
        result.hotspots += made
        result.warnings += warned
    logger.info("hot spots: %d townships, %d hot spots, %d warnings", *vars(result).values())
    return result
