"""Reads of the text-intelligence app."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from minqing.petitions.models import Category

from . import classifier, combine, engine
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
    label: str  # how the suggestion arose: "model", "keywords" or "model+keywords"
    confidence: float
    category: "Category"  # the top-level category of the leaf
    leaf: "Category"  # what the request form selects


@dataclass
class Suggested:
    """The ranked leaves for a text and which of them clear the model version's calibrated threshold."""

    model_version: int | None
    threshold: float | None
    ranked: list[CategorySuggestion]

    @property
    def shown(self) -> list[CategorySuggestion]:
        if self.threshold is None:
            return []
        return [s for s in self.ranked if s.confidence >= self.threshold]

    @property
    def abstained(self) -> bool:
        """There was something to classify, but no suggestion is sure enough to show."""
        return bool(self.ranked) and not self.shown


def category_leaves() -> list[combine.Leaf]:
    """The active leaves of the tree with their keywords (and their ancestors', which count at half weight)."""
    cats = list(Category.objects.filter(is_active=True).values_list("pk", "parent_id", "code", "keywords"))
    parents = {parent for _pk, parent, _code, _kw in cats if parent is not None}
    by_pk = {pk: (parent, kw) for pk, parent, _code, kw in cats}
    leaves = []
    for pk, parent, code, kw in cats:
        if pk in parents:
            continue
        pos, neg = combine.parse_keywords(kw)
        inherited: list[str] = []
        seen = {pk}
        while parent is not None and parent in by_pk and parent not in seen:
            seen.add(parent)
            inherited += combine.parse_keywords(by_pk[parent][1])[0]
            parent = by_pk[parent][0]
        leaves.append(combine.Leaf(pk, code, pos, neg, tuple(inherited)))
    return leaves


def label_leaves_from(label_categories: dict[str, int | None]) -> dict[str, list[int]]:
    """Each label's category → the active leaves at or below it: the explicit mapping a version is trained with."""
    cats = list(Category.objects.filter(is_active=True).values_list("pk", "parent_id"))
    children: dict[int, list[int]] = {}
    for pk, parent in cats:
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    out: dict[str, list[int]] = {}
    for label, cid in label_categories.items():
        if cid is None:
            continue
        todo, found = [cid], []
        while todo:
            node = todo.pop()
            kids = children.get(node)
            if kids:
                todo.extend(kids)
            elif node in {pk for pk, _ in cats}:
                found.append(node)
        out[label] = sorted(found)
    return out


def category_suggest(title: str, content: str, k: int = 3) -> Suggested:
    """The model combined with the tree's keywords: ranked leaves and the threshold that decides what is shown.

    The model part proposes only the leaves its classes were mapped to when it was trained; keywords propose,
    boost or veto (see `combine`). Nothing is ranked when suggestions are off or the text carries nothing.
    """
    state = engine.loaded()
    proba = engine.probabilities(title, content)
    if state is None or state.model is None or proba is None:
        return Suggested(None, None, [])
    mapping = state.label_leaves or label_leaves_from(state.label_categories)
    text = classifier.normalise(f"{title} {content}")
    ranked = combine.rank(proba, mapping, category_leaves(), text)[:k]
    ranked = [r for r in ranked if r.confidence > 0]
    cats = Category.objects.select_related("parent").in_bulk([r.pk for r in ranked])
    out = []
    for r in ranked:
        leaf = cats.get(r.pk)
        if leaf is not None:
            out.append(CategorySuggestion(r.source, r.confidence, leaf.parent or leaf, leaf))
    return Suggested(state.version, state.threshold, out)


def category_suggestions(title: str, content: str, k: int = 3) -> tuple[int | None, list[CategorySuggestion]]:
    """(model version, the suggestions that clear the calibrated threshold); (None, []) when suggestions are off."""
    result = category_suggest(title, content, k=k)
    return result.model_version, result.shown


def suggested_service_code(description: str) -> str:
    """For Open311 POSTs without a service_code: the top suggestion's leaf code when the model is confident.

    "" when suggestions are off or the top confidence is below TEXTINTEL_OPEN311_MIN_CONFIDENCE, so the request is
    refused as before (400: service_code missing) rather than filed under a guess.
    """
    from django.conf import settings

    # The stricter of the deployment's setting and the model's calibrated threshold (applied in the selector).
    threshold = float(getattr(settings, "TEXTINTEL_OPEN311_MIN_CONFIDENCE", 0.8))
    _version, suggestions = category_suggestions("", description, k=1)
    if not suggestions or suggestions[0].confidence < threshold:
        return ""
    return suggestions[0].leaf.code
