"""The public pages (/p/): submit a request and follow it without an account. Parse, call, render.

Who may see a request is proved once, on the track form (tracking code + last four digits of the phone); the
proof is kept in the session (`track_grants`), so no URL shows a request to someone who has not given both.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minqing.core import ratelimit
from minqing.core.errors import ServiceError, ValidationError
from minqing.core.views_util import apply_errors, client_ip

from .. import selectors, services
from ..forms.public import (
    BookingForm,
    RateForm,
    ReasonForm,
    SubmitForm,
    TrackForm,
    form_token,
    honeypot_filled,
    phone_key,
    token_problem,
    villages_json,
)
from ..models import EventKind, HandlingLevel, Petition, PetitionEvent, Satisfaction, Stage, Status

HOUR = 3600
TRACK_CODE = "public-track-code"  # wrong phone tails per tracking code, from every address
GRANTS = "track_grants"  # {petition id: [tracking code, phone tail]} proved on the track form
MAX_GRANTS = 20
DONE = "public_submitted"  # {"code": …} of the request just submitted, for the done page
TEMPLATES = "petitions/public/"
CHOOSE_TOWNSHIP = "choose_township"  # the no-script button that fills the village list


def _ip(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


# --- Landing and reception days ------------------------------------------------------------------------------


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    days = list(selectors.reception_day_list_upcoming()[:3])
    return render(request, TEMPLATES + "landing.html", {"days": days})


@require_GET
def reception(request: HttpRequest) -> HttpResponse:
    days = list(selectors.reception_day_list_upcoming())
    return render(request, TEMPLATES + "reception.html", {"days": days})


BOOKED = "public_booked"  # {"code", "day"} of the booking just made, for its confirmation page


def _render_book(request: HttpRequest, day: Any, form: BookingForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        TEMPLATES + "reception_book.html",
        {"day": day, "form": form, "form_token": form_token()},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def reception_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a slot of a published reception day, without an account; limited like the request form."""
    day = selectors.reception_day_get_public(pk=pk)
    choices = selectors.reception_booking_choices(day=day)
    if request.method != "POST":
        return _render_book(request, day, BookingForm(**choices))
    form = BookingForm(request.POST, **choices)
    limit = settings.MINQING_PUBLIC_SUBMIT_PER_HOUR
    if not ratelimit.hit("public-reception-ip", _ip(request), limit, HOUR):
        form.is_valid()
        form.add_error(None, _too_often_text(limit))
        return _render_book(request, day, form, status=429)
    problem = (
        _("提交未成功，请刷新页面后重试。")
        if honeypot_filled(request.POST)
        else token_problem(request.POST.get("ts", ""))
    )
    if problem:
        form.is_valid()
        form.add_error(None, problem)
        return _render_book(request, day, form, status=400)
    if not form.is_valid():
        return _render_book(request, day, form)
    c = form.cleaned_data
    phone = phone_key(c["phone"])
    if phone and not ratelimit.hit("public-reception-phone", phone, limit, HOUR):
        form.add_error(None, _too_often_text(limit))
        return _render_book(request, day, form, status=429)
    try:
        booking = services.reception_book(
            day=day,
            name=c["name"],
            phone=c["phone"],
            village=c["village"],
            slot=c["slot"],
            topic=c["topic"],
            ip=client_ip(request),
        )
    except (ValidationError, ServiceError) as exc:
        apply_errors(form, exc)
        return _render_book(request, day, form)
    request.session[BOOKED] = {"code": booking.code, "day": day.pk, "slot": f"{booking.slot:%H:%M}"}
    return redirect("public:reception_booked")


@require_GET
def reception_booked(request: HttpRequest) -> HttpResponse:
    booked = request.session.get(BOOKED)
    if not booked:
        return redirect("public:reception")
    day = selectors.reception_day_list_upcoming().filter(pk=booked["day"]).first()
    return render(request, TEMPLATES + "reception_booked.html", {"booked": booked, "day": day})


# --- Submit --------------------------------------------------------------------------------------------------


def _render_submit(request: HttpRequest, form: SubmitForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        TEMPLATES + "submit.html",
        {
            "form": form,
            "form_token": form_token(),
            "had_files": bool(request.FILES),
            "villages": villages_json(),
        },
        status=status,
    )


def _too_often(form: SubmitForm, limit: int) -> None:
    form.add_error(
        None,
        _(
            "提交过于频繁：同一网络或同一手机号每小时最多提交 %(n)d 件诉求。请一小时后再试；"
            "情况紧急的，请直接到乡镇信访接待室或所在村委会反映。"
        )
        % {"n": limit},
    )


def _too_often_text(limit: int) -> str:
    return _(
        "预约过于频繁：同一网络或同一手机号每小时最多预约 %(n)d 次。请一小时后再试，"
        "或在接访当天直接到场登记。"
    ) % {"n": limit}


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_submit(request, SubmitForm())
    if CHOOSE_TOWNSHIP in request.POST:
        # Without a script the village list follows the township by a round trip: the page comes back with
        # that township's villages and everything typed so far, and nothing is submitted or counted.
        kept = {k: v for k, v in request.POST.items() if k not in ("region", "csrfmiddlewaretoken", "ts")}
        return _render_submit(request, SubmitForm(initial=kept))
    limit = settings.MINQING_PUBLIC_SUBMIT_PER_HOUR
    # Every post from a network counts, refused or not, and before its files are read: checking uploads is
    # the expensive part, so a flood of bad files must run into the limit as surely as good submissions do.
    if not ratelimit.hit("public-submit-ip", _ip(request), limit, HOUR):
        form = SubmitForm(request.POST)  # the files are not even read
        form.is_valid()
        _too_often(form, limit)
        return _render_submit(request, form, status=429)
    if honeypot_filled(request.POST):
        form = SubmitForm(request.POST)  # the files of a bot are not even read
        form.is_valid()
        form.add_error(None, _("提交未成功，请刷新页面后重试。"))
        return _render_submit(request, form, status=400)
    problem = token_problem(request.POST.get("ts", ""))
    if problem:
        form = SubmitForm(request.POST)
        form.is_valid()
        form.add_error(None, problem)
        return _render_submit(request, form, status=400)
    form = SubmitForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_submit(request, form)
    phone = phone_key(form.cleaned_data["submitter_phone"])
    if phone and not ratelimit.hit("public-submit-phone", phone, limit, HOUR):
        _too_often(form, limit)
        return _render_submit(request, form, status=429)
    try:
        p = services.petition_register(
            actor=None, data=form.intake(), ip=client_ip(request), followups_later=True
        )
    except (ValidationError, ServiceError) as exc:
        apply_errors(form, exc)
        return _render_submit(request, form)
    request.session[DONE] = {"code": p.tracking_code}
    _grant(request, p, p.submitter_phone[-4:])
    return redirect("public:done")


@require_GET
def done(request: HttpRequest) -> HttpResponse:
    submitted = request.session.get(DONE)
    if not submitted:
        return redirect("public:track")
    code = str(submitted["code"])
    grouped = f"{code[:5]}-{code[5:]}"
    pk = next((int(k) for k, v in _grants(request).items() if v[0] == code), None)
    p = _granted(request, pk) if pk is not None else None
    return render(request, TEMPLATES + "done.html", {"code": code, "grouped": grouped, "pk": pk, "p": p})


# --- Track ---------------------------------------------------------------------------------------------------


def _grants(request: HttpRequest) -> dict[str, list[str]]:
    grants = request.session.get(GRANTS)
    return grants if isinstance(grants, dict) else {}


def _grant(request: HttpRequest, p: Petition, tail: str) -> None:
    grants = _grants(request)
    grants.pop(str(p.pk), None)
    grants[str(p.pk)] = [p.tracking_code, tail]
    while len(grants) > MAX_GRANTS:
        grants.pop(next(iter(grants)))
    request.session[GRANTS] = grants


def _granted(request: HttpRequest, pk: int) -> Petition | None:
    """The request whose code and tail this session has given, looked up again (so a phone change revokes)."""
    grant = _grants(request).get(str(pk))
    if not grant:
        return None
    p = selectors.petition_get_for_tracking(code=grant[0], phone_tail=grant[1])
    return p if p is not None and p.pk == pk else None


def _track_form_response(request: HttpRequest, form: TrackForm, status: int = 200) -> HttpResponse:
    return render(request, TEMPLATES + "track.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _track_form_response(request, TrackForm())
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_form_response(request, form)
    limit = settings.MINQING_PUBLIC_TRACK_PER_HOUR
    if not ratelimit.hit("public-track-ip", _ip(request), limit, HOUR):
        form.add_error(
            None,
            _("查询过于频繁：每小时最多查询 %(n)d 次，请一小时后再试。") % {"n": limit},
        )
        return _track_form_response(request, form, status=429)
    tail = form.cleaned_data["tail"].strip()
    code = services.normalize_tracking_code(form.cleaned_data["code"])
    # Guesses spread over many addresses still land on one code: each code takes only so many wrong tails an
    # hour, whoever sends them. The attempt is counted before the lookup (so concurrent guesses cannot all
    # slip under the limit) and a right one is taken back, so that only wrong tails use the code's allowance.
    per_code = settings.MINQING_PUBLIC_TRACK_PER_CODE_PER_HOUR
    attempts = ratelimit.count(TRACK_CODE, code, HOUR)
    if attempts > per_code:
        if attempts == per_code + 1:
            services.petition_track_lock_record(code=code, attempts=per_code, ip=client_ip(request))
        form.add_error(
            None,
            _(
                "该查询码的手机号后 4 位输错次数过多，查询已暂停，请一小时后再试；"
                "也可以带身份证到乡镇信访接待室查询。"
            ),
        )
        return _track_form_response(request, form, status=429)
    p = selectors.petition_get_for_tracking(code=code, phone_tail=tail)
    if p is not None:
        ratelimit.forgive(TRACK_CODE, code, HOUR)
    if p is None:
        # The same words whether the code does not exist or the tail is wrong: nothing to learn by guessing.
        form.add_error(
            None,
            _("未找到：请核对查询码和手机号后 4 位（应为登记时所留的手机号）。"),
        )
        return _track_form_response(request, form)
    _grant(request, p, tail)
    return redirect("public:track_detail", pk=p.pk)


def _level_label(level: str) -> str:
    if level in HandlingLevel.values:
        return _("%(level)s工作人员") % {"level": HandlingLevel(level).label}
    return _("工作人员")


def _timeline(p: Petition, events: list[PetitionEvent]) -> list[dict[str, Any]]:
    """Public events with who acted said as a role and level, never a staff member's name."""
    person, system = _("诉求人"), _("系统")
    level = p.intake_level
    rows = []
    for e in events:
        acting = e.from_level or level
        if e.kind == EventKind.REGISTERED:
            acting = p.intake_level
        if e.actor_id is None and e.actor_name in (person, system):
            who = e.actor_name  # the person or the system; a deleted staff account keeps its name: not shown
        else:
            who = _level_label(acting)
        rows.append({"at": e.at, "kind": e.get_kind_display(), "note": e.public_note, "who": who})
        level = e.to_level or level
    return rows


def _render_detail(
    request: HttpRequest, p: Petition, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    can_rate = p.status == Status.REPLIED and not p.satisfaction
    unsatisfied = p.satisfaction == Satisfaction.UNSATISFIED and p.status in (Status.REPLIED, Status.CLOSED)
    review_label = _("申请复查") if p.stage == Stage.INITIAL else _("申请复核")
    context: dict[str, Any] = {
        "p": p,
        "timeline": _timeline(p, list(selectors.petition_event_list(petition=p, public_only=True))),
        "phone_masked": f"{p.submitter_phone[:3]}****{p.submitter_phone[-4:]}"
        if len(p.submitter_phone) >= 7
        else "",
        "can_rate": can_rate,
        "can_reopen": unsatisfied and p.status == Status.REPLIED,
        "can_review": unsatisfied,
        "review_label": review_label,
        "rate_form": RateForm(),
        "reopen_form": ReasonForm(prefix="reopen"),
        "review_form": ReasonForm(prefix="review"),
    }
    context.update(forms or {})
    # A refusal about a form whose section is no longer shown (e.g. rating after closure) goes on top.
    shown = {"rate": can_rate, "reopen": context["can_reopen"], "review": unsatisfied}
    focus = context.get("focus", "")
    if focus and not shown.get(focus, True):
        form = context[f"{focus}_form"]
        context["stray_errors"] = [e for errors in form.errors.values() for e in errors]
    return render(request, TEMPLATES + "track_detail.html", context, status=status)


def _not_granted(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("请输入查询码和手机号后 4 位查询。"))
    return redirect("public:track")


@require_GET
def track_detail(request: HttpRequest, pk: int) -> HttpResponse:
    p = _granted(request, pk)
    if p is None:
        return _not_granted(request)
    return _render_detail(request, p)


@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    p = _granted(request, pk)
    if p is None:
        return _not_granted(request)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.petition_rate(
                petition=p,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
                ip=client_ip(request),
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("感谢您的评价。"))
            return redirect("public:track_detail", pk=pk)
    return _render_detail(request, p, {"rate_form": form, "focus": "rate"})


@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    p = _granted(request, pk)
    if p is None:
        return _not_granted(request)
    form = ReasonForm(request.POST, prefix="reopen")
    if form.is_valid():
        try:
            services.petition_reopen(
                actor=None, petition=p, reason=form.cleaned_data["reason"], ip=client_ip(request)
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已提出重新办理，请留意办理进展。"))
            return redirect("public:track_detail", pk=pk)
    return _render_detail(request, p, {"reopen_form": form, "focus": "reopen"})


@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    p = _granted(request, pk)
    if p is None:
        return _not_granted(request)
    form = ReasonForm(request.POST, prefix="review")
    if form.is_valid():
        try:
            p = services.petition_request_review(
                actor=None, petition=p, reason=form.cleaned_data["reason"], ip=client_ip(request)
            )
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("已提交%(stage)s申请，请留意办理进展。") % {"stage": p.get_stage_display()}
            )
            return redirect("public:track_detail", pk=pk)
    return _render_detail(request, p, {"review_form": form, "focus": "review"})
