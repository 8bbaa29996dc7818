"""The full-text index of requests (minqing.core.fulltext): what of a request is searched, and with what weight.

A title match outranks a match in the people's names and phone tails, which outranks one in the long content.
The phone is indexed by its tails (last 4 to 11 digits), so "5678" finds the requests from …5678 as the list's
search always did; the number itself is already in the request's row, and the index is only read through the
request's scoped queryset.
"""

from typing import Any

from minqing.core.fulltext import FulltextIndex

from .models import Petition

FIELDS = (("title", 10.0), ("people", 4.0), ("content", 1.0))
PHONE_TAILS = range(4, 12)


def phone_tails(phone: str) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return " ".join(digits[-n:] for n in PHONE_TAILS if n <= len(digits))


def petition_texts(p: Any) -> list[str]:
    """The indexed text of a request (a model instance, or a historical one in a migration)."""
    people = " ".join(x for x in (p.submitter_name, p.representatives, phone_tails(p.submitter_phone)) if x)
    return [p.title or "", people, p.content or ""]


PETITIONS = FulltextIndex(name="petition", model=Petition, fields=FIELDS, texts=petition_texts)


def petition_index(petition: Petition) -> None:
    """Index (again) one request; called by the services that write its searched text."""
    PETITIONS.index(petition)
