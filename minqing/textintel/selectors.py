"""Reads of the text-intelligence app."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from minqing.core.ttl import ttl_cache
from minqing.petitions.models import Category, Petition
from minqing.petitions.selectors import category_list_tree

from . import classifier, engine
from .models import ModelKind, SuggestionLog, TextModel

if TYPE_CHECKING:
    from minqing.petitions.models import Category


def model_versions(kind: str = ModelKind.CATEGORY) -> QuerySet[TextModel]:
    return TextModel.objects.filter(kind=kind).defer("data").select_related("trained_by").order_by("-version")


def model_by_version(version: int, kind: str = ModelKind.CATEGORY) -> TextModel | None:
    return TextModel.objects.filter(kind=kind, version=version).first()


@dataclass
class Acceptance:
    model_version: int
    shown: int
    accepted: int
    in_top: int

    @property
    def rate(self) -> float:
        return self.accepted / self.shown if self.shown else 0.0

    @property
    def top_rate(self) -> float:
        return self.in_top / self.shown if self.shown else 0.0


def acceptance_by_version() -> list[Acceptance]:
    """How often officers kept the first suggestion (and any of the three), per model version."""
    rows = (
        SuggestionLog.objects.values("model_version")
        .annotate(
            shown=Count("pk"),
            accepted=Count("pk", filter=Q(accepted=True)),
            in_top=Count("pk", filter=Q(in_top=True)),
        )
        .order_by("-model_version")
    )
    return [Acceptance(r["model_version"], r["shown"], r["accepted"], r["in_top"]) for r in rows]


@dataclass
class CategorySuggestion:
    label: str
    confidence: float
    category: "Category"  # the top-level (or whatever the model's label maps to)
    leaf: "Category"  # what the request form can select: the best-matching leaf below `category`


def category_suggestions(title: str, content: str, k: int = 3) -> tuple[int | None, list[CategorySuggestion]]:
    """(model version, suggestions mapped to this deployment's categories); (None, []) when suggestions are off.

    A label maps to a category of the deployment; when that category has children, the leaf whose keywords occur
    most in the text is proposed, because requests are filed under leaves. When no leaf's keywords occur, the leaf
    most of the latest requests were filed under is proposed (rather than whichever comes first in the tree).
    """

    ranked = engine.suggest(title, content, k=k)
    version = engine.active_version()
    if not ranked or version is None:
        return None, []
    ids = [s.category_id for s in ranked if s.category_id is not None]
    cats = {c.pk: c for c in Category.objects.filter(pk__in=ids, is_active=True)}
    children = {parent.pk: kids for parent, kids in category_list_tree()}
    text = classifier.normalise(f"{title} {content}")
    out = []
    for s in ranked:
        cat = cats.get(s.category_id) if s.category_id is not None else None
        if cat is None:
            continue
        kids = children.get(cat.pk) or []
        leaf = cat
        if kids:
            hits = [sum(text.count(w) for w in kid.keywords.split() if w) for kid in kids]
            usage = leaf_usage() if not any(hits) else {}
            leaf = kids[max(range(len(kids)), key=lambda i: (hits[i], usage.get(kids[i].pk, 0), -i))]
        out.append(CategorySuggestion(s.label, s.confidence, cat, leaf))
    return version[1], out


@ttl_cache(600)
def leaf_usage(latest: int = 5000) -> dict[int, int]:
    """How many of the latest `latest` requests were filed under each category (per process, kept 10 minutes).
    Read through the registration-date index and counted here, so the cost does not grow with the history."""
    from collections import Counter

    recent = Petition.objects.order_by("-registered_on", "-id").values_list("category_id", flat=True)[:latest]
    return dict(Counter(c for c in recent if c is not None))


def suggested_service_code(description: str) -> str:
    """For Open311 POSTs without a service_code: the top suggestion's leaf code when the model is confident.

    "" when suggestions are off or the top confidence is below TEXTINTEL_OPEN311_MIN_CONFIDENCE, so the request is
    refused as before (400: service_code missing) rather than filed under a guess.
    """
    from django.conf import settings

    threshold = float(getattr(settings, "TEXTINTEL_OPEN311_MIN_CONFIDENCE", 0.8))
    _version, suggestions = category_suggestions("", description, k=1)
    if not suggestions or suggestions[0].confidence < threshold:
        return ""
    return suggestions[0].leaf.code
