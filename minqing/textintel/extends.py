"""What text intelligence adds to the petitions practice (registered in `TextintelConfig.ready()`): after the
staff intake form registers a request, the category the model suggested is recorded against the one chosen,
which is how the model is measured and retrained."""

from minqing.accounts.models import User
from minqing.petitions import extensions
from minqing.petitions.models import Petition

from .services import suggestion_record_for


def _record_suggestion(user: User, petition: Petition) -> None:
    suggestion_record_for(actor=user, petition=petition, channel="intake")


def register() -> None:
    extensions.subscribe(extensions.after_intake_form, _record_suggestion)
