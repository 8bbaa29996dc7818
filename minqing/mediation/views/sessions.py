"""The mediation itself on the dispute page: starting it, a party's refusal, the sessions' minutes, ending it."""

from django.utils.translation import gettext as _

from .. import services
from ..forms import EndForm, RefuseForm, SessionForm, StartForm
from .common import Step, cleaned

STEPS: dict[str, Step] = {
    "start": (
        StartForm,
        "start",
        lambda r, d, f: services.mediation_start(
            actor=r.user,
            dispute=d,
            mode=cleaned(f)["mode"],
            mediators=list(cleaned(f)["mediators"]),
            started_on=cleaned(f)["started_on"],
            applicant=cleaned(f)["applicant"],
            committee=cleaned(f)["committee"],
        ),
        _("已启动调解。"),
    ),
    "refuse": (
        RefuseForm,
        "refuse",
        lambda r, d, f: services.mediation_refuse(
            actor=r.user,
            dispute=d,
            party=cleaned(f)["party"],
            refused_on=cleaned(f)["refused_on"],
            note=cleaned(f)["note"],
        ),
        _("已记录当事人拒绝调解，本次调解终止。"),
    ),
    "session": (
        SessionForm,
        "session",
        lambda r, d, f: services.session_record(actor=r.user, dispute=d, **cleaned(f)),
        _("已记录调解笔录。"),
    ),
    "end": (
        EndForm,
        "end",
        lambda r, d, f: services.mediation_end(actor=r.user, dispute=d, **cleaned(f)),
        _("已终止调解，并记录告知的救济途径。"),
    ),
}
