"""What hot spots add to the petitions practice (registered in `HotspotsConfig.ready()`): every new request is
indexed for near-duplicates in its registration's transaction, and the request page and the intake hint show
similar requests and the hot spots a request belongs to."""

from typing import Any

from minqing.accounts.models import User
from minqing.core import panels
from minqing.petitions import extensions
from minqing.petitions.extensions import TypedRequest
from minqing.petitions.models import Petition

from . import selectors
from .services import petition_indexed


def _index(petition: Petition) -> None:
    # In the registration's transaction: the next intake of the same matter must already find this one.
    petition_indexed(petition=petition)


def _petition(user: User, p: Petition) -> dict[str, Any]:
    return {
        "similar_text": selectors.similar_to_petition(user, p),
        "keywords": selectors.petition_keywords(p),
        "in_hotspots": selectors.hotspots_of_petition(user, p),
    }


def _intake(user: User, typed: TypedRequest) -> dict[str, Any]:
    hits = selectors.similar_text(
        user, title=typed.title, content=typed.content, region_path=typed.region_path
    )
    return {"text_hits": hits}


def register() -> None:
    extensions.subscribe(extensions.after_register, _index)
    panels.register(
        panels.PETITION, panels.Panel("similar", "hotspots/_petition_similar.html", 10, _petition)
    )
    panels.register(
        panels.PETITION_INTAKE, panels.Panel("similar_text", "hotspots/_intake_similar.html", 10, _intake)
    )
