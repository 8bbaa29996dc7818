"""Page panels: how a lower app's page shows what a higher app knows, without importing it.

The household page lists the household's requests, disputes and visits; the request page shows hot spots and
related disputes. Those apps sit above the page's own app, so the page cannot import them. Instead each of them
registers a panel for the page by name in its `AppConfig.ready()`, and the page's template draws whatever is
registered with `{% panels "household" h %}`. `grep -rn 'panels.register('` finds every panel of every page.

A panel's `context(user, obj)` runs the owning app's own scoped selector and returns the template's context,
or None to leave the panel out (the user may not see that kind of record).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Pages that take panels, and the object each passes to its panels.
HOUSEHOLD = "household"  # households.Household
PETITION = "petition"  # petitions.Petition: the main column, under the timeline
PETITION_SIDE = "petition_side"  # petitions.Petition: the top of the side column, above the handling steps
PETITION_INTAKE = "petition_intake"  # petitions.extensions.TypedRequest: the hint under the intake form

PAGES = (HOUSEHOLD, PETITION, PETITION_SIDE, PETITION_INTAKE)


@dataclass(frozen=True)
class Panel:
    key: str  # unique on its page; registering the same key again replaces the panel
    template: str
    order: int  # top to bottom
    context: Callable[[Any, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Filled:
    key: str
    template: str
    context: dict[str, Any]


_registry: dict[str, dict[str, Panel]] = {page: {} for page in PAGES}


def register(page: str, panel: Panel) -> None:
    if page not in _registry:
        raise ValueError(f"no page {page!r} takes panels; pages: {', '.join(PAGES)}")
    _registry[page][panel.key] = panel


def registered(page: str) -> list[Panel]:
    return sorted(_registry[page].values(), key=lambda p: (p.order, p.key))


def collect(page: str, user: Any, obj: Any) -> list[Filled]:
    """The panels of `page` for `obj` as `user` may see them, in order."""
    filled = []
    for panel in registered(page):
        context = panel.context(user, obj)
        if context is not None:
            filled.append(Filled(panel.key, panel.template, context))
    return filled
