"""What hot spots add to the petitions practice (registered in `HotspotsConfig.ready()`): every new request is
indexed for near-duplicates in its registration's transaction; the index answers the petitions' one
similar-requests selector (extensions.similar_text), so the intake hint and the request page agree; and the
request page shows the hot spots a request belongs to and its keywords."""

from typing import Any

from minqing.accounts.models import User
from minqing.core import panels
from minqing.petitions import extensions
from minqing.petitions.extensions import TextMatch, TypedRequest
from minqing.petitions.models import Petition

from . import selectors
from .services import petition_indexed


def _index(petition: Petition) -> None:
    # In the registration's transaction: the next intake of the same matter must already find this one.
    petition_indexed(petition=petition)


def _similar_text(user: User, typed: TypedRequest, exclude: int | None) -> list[TextMatch]:
    hits = selectors.similar_text(
        user, title=typed.title, content=typed.content, region_path=typed.region_path, exclude=exclude
    )
    return [TextMatch(m.petition, m.score) for m in hits]


def _petition(user: User, p: Petition) -> dict[str, Any]:
    return {
        "keywords": selectors.petition_keywords(p),
        "in_hotspots": selectors.hotspots_of_petition(user, p),
    }


def register() -> None:
    extensions.subscribe(extensions.after_register, _index)
    extensions.subscribe(extensions.similar_text, _similar_text)
    panels.register(
        panels.PETITION, panels.Panel("hotspots", "hotspots/_petition_hotspots.html", 10, _petition)
    )
