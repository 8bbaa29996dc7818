"""Writes to requests (诉求/信访), by sub-domain: `intake` (registering, attachments), `clock` (deadlines),
`routing` (acceptance, levels, assignment), `handling` (progress to closure), `repeats` (links and merges),
`reminders` (the periodic task) and `reception` (leader reception days). Shared internals are in `common`.

The public services are re-exported here, so callers write `services.petition_accept(...)`; the modules import
each other directly and nothing here imports the petitions tasks, so there is no circle.

 Each service is atomic: the petition's state, one timeline event and one audit
row change together or not at all.

Services assume the caller may already see the petition it passes (views fetch it with
access.get_petition_for_actor); they check the *action* themselves: who may act depends on the level now
handling the petition (access.can_act_on_petition). A public caller (the resident on the track page, an Open311
client) passes actor=None and is limited to what the law gives the person: submit, rate, ask to reopen, ask for
复查/复核.
"""

from .clock import DEFAULT_RULES, deadline_rules, due_after, reclock
from .common import (
    CHANNELS,
    CONTENT_MAX,
    LEVELS,
    SKIP_LEVEL_CHANNELS,
    TITLE_MAX,
    TRACKING_ALPHABET,
    TRACKING_LENGTH,
    URGENCIES,
    level_path,
    new_tracking_code,
    normalize_tracking_code,
    region_level,
)
from .handling import (
    Judgements,
    petition_close,
    petition_decide_extension,
    petition_follow_up,
    petition_progress,
    petition_rate,
    petition_reopen,
    petition_reply,
    petition_request_extension,
    petition_request_review,
    petition_urge,
)
from .intake import (
    REVEALABLE,
    Intake,
    attachment_download,
    intake_check,
    is_skip_level,
    petition_attach,
    petition_document_record,
    petition_register,
    petition_reveal,
)
from .reception import (
    PER_SLOT,
    RECEPTION_FIELDS,
    reception_attend,
    reception_book,
    reception_day_save,
    reception_register,
    reception_slots,
)
from .reminders import ReminderRun, petitions_remind
from .repeats import petition_link, petition_merge
from .routing import (
    petition_accept,
    petition_not_accept,
    petition_route,
    petition_transfer,
    petitions_assign,
    petitions_recategorise,
)
from .tracking import petition_track_lock_record

__all__ = [
    "CHANNELS",
    "CONTENT_MAX",
    "DEFAULT_RULES",
    "LEVELS",
    "PER_SLOT",
    "RECEPTION_FIELDS",
    "REVEALABLE",
    "SKIP_LEVEL_CHANNELS",
    "TITLE_MAX",
    "TRACKING_ALPHABET",
    "TRACKING_LENGTH",
    "URGENCIES",
    "Intake",
    "Judgements",
    "ReminderRun",
    "attachment_download",
    "deadline_rules",
    "due_after",
    "intake_check",
    "is_skip_level",
    "level_path",
    "new_tracking_code",
    "normalize_tracking_code",
    "petition_accept",
    "petition_attach",
    "petition_close",
    "petition_decide_extension",
    "petition_document_record",
    "petition_follow_up",
    "petition_link",
    "petition_merge",
    "petition_not_accept",
    "petition_progress",
    "petition_rate",
    "petition_register",
    "petition_reopen",
    "petition_reply",
    "petition_request_extension",
    "petition_request_review",
    "petition_reveal",
    "petition_route",
    "petition_track_lock_record",
    "petition_transfer",
    "petition_urge",
    "petitions_assign",
    "petitions_recategorise",
    "petitions_remind",
    "reception_attend",
    "reception_book",
    "reception_day_save",
    "reception_register",
    "reception_slots",
    "reclock",
    "region_level",
]
