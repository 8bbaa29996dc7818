"""Printable notices to the person (告知书/意见书) as PDF: A4, the layout of a Chinese official letter.

Three documents, each tied to a step of the handling:

- 受理告知书 after 受理 (the matter, the acceptance date, the conclusion deadline, who handles it, how to track it);
- 不予受理告知书 after 不予受理 (the reason and the person's other routes);
- 信访事项处理意见书 / 复查意见书 / 复核意见书 after 答复 (the answer, and the right to ask for 复查/复核 within the
  window, with the date it ends; after 复核, that the same facts and reasons are not accepted again, 条例第三十六条).

Layout and fonts: minqing.printing.pdf.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minqing.core.errors import ServiceError
from minqing.printing import pdf as pdf_engine
from minqing.printing.pdf import cn_date
from minqing.regions.models import PATH_DIGITS, Region
from minqing.regions.models import Level as RegionLevel

from .models import DayUnit, DeadlineKind, HandlingLevel, Petition, Stage, Status
from .services.clock import deadline_rules, due_after

TRACK_PATH = "/p/track/"

# --------------------------------------------------------------------------------------------------
# Kinds


class DocumentKind(StrEnum):
    """The URL slug of each document."""

    ACCEPTANCE = "acceptance"
    NOT_ACCEPTED = "not-accepted"
    REPLY = "reply"


def document_title(petition: Petition, kind: str) -> str:
    if kind == DocumentKind.ACCEPTANCE:
        return _("受理告知书")
    if kind == DocumentKind.NOT_ACCEPTED:
        return _("不予受理告知书")
    if kind == DocumentKind.REPLY:
        if petition.stage == Stage.REVIEW:
            return _("复查意见书")
        if petition.stage == Stage.REREVIEW:
            return _("复核意见书")
        return _("信访事项处理意见书")
    raise ServiceError(_("没有这种文书。"))


def check_applies(petition: Petition, kind: str) -> None:
    """Raise ServiceError with the reason when `kind` cannot be printed for the petition in its state."""
    if kind not in DocumentKind.__members__.values():
        raise ServiceError(_("没有这种文书。"))
    status = petition.get_status_display()
    if kind == DocumentKind.ACCEPTANCE:
        if petition.accepted_on is None or petition.conclude_due is None:
            raise ServiceError(
                _("该诉求尚未受理（当前状态：%(status)s），不能打印受理告知书。") % {"status": status}
            )
    elif kind == DocumentKind.NOT_ACCEPTED:
        if petition.status != Status.NOT_ACCEPTED:
            raise ServiceError(
                _("该诉求未作不予受理决定（当前状态：%(status)s），不能打印不予受理告知书。")
                % {"status": status}
            )
    elif petition.status not in (Status.REPLIED, Status.CLOSED) or petition.replied_on is None:
        # A request reopened or under 复查/复核 has no answer of its current stage yet.
        raise ServiceError(
            _("该诉求本阶段（%(stage)s）尚未答复（当前状态：%(status)s），不能打印%(title)s。")
            % {
                "stage": petition.get_stage_display(),
                "status": status,
                "title": document_title(petition, kind),
            }
        )


def available(petition: Petition) -> list[tuple[str, str]]:
    """(kind, title) of the documents that can be printed now: for the petition page's list."""
    out = []
    for kind in DocumentKind:
        try:
            check_applies(petition, kind)
        except ServiceError:
            continue
        out.append((kind.value, document_title(petition, kind)))
    return out


# --------------------------------------------------------------------------------------------------
# Content


@dataclass
class Letter:
    """A document's words, before layout."""

    title: str
    addressee: str
    paragraphs: list[str]
    issuer: str
    date: datetime.date
    tracking_code: str
    filename: str = ""

    def text(self) -> str:
        parts = [
            self.title,
            self.addressee,
            *self.paragraphs,
            self.issuer,
            cn_date(self.date),
            pdf_engine.INDENT,
        ]
        return "".join([*parts, footer_text(self.tracking_code, 1, 1)])


def footer_text(code: str, page: int | str, pages: int | str) -> str:
    return _("查询码：%(code)s    第 %(page)s 页 / 共 %(pages)s 页") % {
        "code": code,
        "page": page,
        "pages": pages,
    }


def _region_name(path: str) -> str:
    return Region.objects.filter(path=path).values_list("name", flat=True).first() or ""


def issuing_body(petition: Petition, level: str | None = None) -> str:
    """The government issuing the letter: the county's for the county level, else the township's."""
    level = level or petition.level
    region_level = RegionLevel.COUNTY if level == HandlingLevel.COUNTY else RegionLevel.TOWNSHIP
    name = _region_name(petition.region_path[: PATH_DIGITS[region_level]])
    return _("%(name)s人民政府") % {"name": name} if name else _("人民政府")


def _upper_body(petition: Petition) -> str:
    """Where 复查/复核 is asked: the body one level above the one that answered."""
    if petition.level == HandlingLevel.VILLAGE:
        return issuing_body(petition, HandlingLevel.TOWNSHIP)
    if petition.level == HandlingLevel.TOWNSHIP:
        return issuing_body(petition, HandlingLevel.COUNTY)
    return _("上一级行政机关")


def _addressee(petition: Petition) -> str:
    if petition.is_anonymous or not petition.submitter_name:
        name = _("信访人")
    elif petition.is_group:
        name = _("%(name)s等%(n)d人") % {"name": petition.submitter_name, "n": petition.head_count}
    else:
        name = petition.submitter_name
    return f"{name}："


def _days(kind: str) -> str:
    days, unit = deadline_rules()[kind]
    if unit == DayUnit.WORKING:
        return _("%(n)d个工作日") % {"n": days}
    return _("%(n)d日") % {"n": days}


def _split(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _matter(petition: Petition) -> str:
    return _("您于%(date)s通过%(channel)s反映的“%(title)s”一事（查询码：%(code)s）") % {
        "date": cn_date(petition.registered_on),
        "channel": petition.get_channel_display(),
        "title": petition.title,
        "code": petition.tracking_code,
    }


def _track_hint(petition: Petition, track_url: str) -> str:
    return _(
        "您可以凭查询码 %(code)s 和登记时留下的手机号码后四位，登录 %(url)s 查询办理进展，"
        "并对办理结果作出评价。"
    ) % {"code": petition.tracking_code, "url": track_url}


def build_letter(petition: Petition, kind: str, *, track_url: str = TRACK_PATH) -> Letter:
    """The words of the document `kind` for the petition; ServiceError when it does not apply."""
    check_applies(petition, kind)
    title = document_title(petition, kind)
    issuer = issuing_body(petition)
    paragraphs: list[str] = []
    if kind == DocumentKind.ACCEPTANCE:
        assert petition.accepted_on is not None and petition.conclude_due is not None
        handler = petition.department.name if petition.department_id and petition.department else issuer
        date = petition.accepted_on
        paragraphs.append(
            _("%(matter)s，经审查，符合受理条件，本机关已于%(accepted)s依法受理，由%(handler)s承办。")
            % {"matter": _matter(petition), "accepted": cn_date(date), "handler": handler}
        )
        deadline = _(
            "根据《信访工作条例》第三十四条，本机关将自受理之日起%(days)s内办结，"
            "即于%(due)s前作出处理意见并书面答复您。"
        ) % {"days": _days(DeadlineKind.CONCLUDE), "due": cn_date(petition.conclude_due)}
        if petition.extension_days:
            deadline = _("因%(reason)s，经本机关负责人批准，办理期限已延长至%(due)s，届时将书面答复您。") % {
                "reason": petition.extension_reason,
                "due": cn_date(petition.conclude_due),
            }
        else:
            deadline += _("情况复杂的，经本机关负责人批准可以适当延长，延期理由将告知您。")
        paragraphs.append(deadline)
        paragraphs.append(_track_hint(petition, track_url))
        paragraphs.append(_("特此告知。"))
    elif kind == DocumentKind.NOT_ACCEPTED:
        closed = petition.closed_at
        date = timezone.localdate(closed) if closed is not None else timezone.localdate()
        paragraphs.append(
            _("%(matter)s，经审查，本机关决定不予受理。理由如下：") % {"matter": _matter(petition)}
        )
        paragraphs.extend(_split(petition.not_accepted_reason))
        paragraphs.append(
            _(
                "对依法应当通过诉讼、仲裁、行政复议等法定途径解决的事项，您可以依照有关法律、行政法规规定的"
                "程序向有关机关提出；属于其他机关职责范围的事项，请向有权处理的机关提出；邻里、家庭等民间纠纷，"
                "可以申请所在村（居）民委员会的人民调解委员会调解。"
            )
        )
        paragraphs.append(
            _("如有新的事实和理由，您可以重新提出。%(hint)s") % {"hint": _track_hint(petition, track_url)}
        )
        paragraphs.append(_("特此告知。"))
    else:
        assert petition.replied_on is not None
        date = petition.replied_on
        if petition.stage == Stage.INITIAL:
            opening = _("%(matter)s，本机关已依法办理，现答复如下：") % {"matter": _matter(petition)}
        else:
            requested = petition.review_requested_on or petition.replied_on
            opening = _(
                "您于%(date)s对“%(title)s”一事（查询码：%(code)s）提出的%(stage)s请求，本机关已依法%(stage)s，"
                "现提出%(stage)s意见如下："
            ) % {
                "date": cn_date(requested),
                "title": petition.title,
                "code": petition.tracking_code,
                "stage": petition.get_stage_display(),
            }
        paragraphs.append(opening)
        paragraphs.extend(_split(petition.reply_text))
        if petition.stage == Stage.REREVIEW:
            paragraphs.append(
                _(
                    "本复核意见为最终意见。根据《信访工作条例》第三十六条，信访人对复核意见不服，"
                    "仍以同一事实和理由提出信访事项的，各级机关不再受理。"
                )
            )
        else:
            window_kind = (
                DeadlineKind.REVIEW_REQUEST
                if petition.stage == Stage.INITIAL
                else DeadlineKind.REREVIEW_REQUEST
            )
            window = due_after(window_kind, petition.replied_on)
            next_stage = Stage.REVIEW.label if petition.stage == Stage.INITIAL else Stage.REREVIEW.label
            article = _("第三十五条") if petition.stage == Stage.INITIAL else _("第三十六条")
            paragraphs.append(
                _(
                    "如对本意见不服，根据《信访工作条例》%(article)s，您可以自本意见书作出之日起%(days)s内，"
                    "即%(end)s前，向%(upper)s请求%(next)s；也可以凭查询码在 %(url)s 在线提出。"
                )
                % {
                    "article": article,
                    "days": _days(window_kind),
                    "end": cn_date(window.due),
                    "upper": _upper_body(petition),
                    "next": next_stage,
                    "url": track_url,
                }
            )
        paragraphs.append(
            _("欢迎您登录 %(url)s，凭查询码 %(code)s 和手机号码后四位对办理结果作出评价。")
            % {"url": track_url, "code": petition.tracking_code}
        )
    return Letter(
        title=title,
        addressee=_addressee(petition),
        paragraphs=paragraphs,
        issuer=issuer,
        date=date,
        tracking_code=petition.tracking_code,
        filename=f"{title}-{petition.tracking_code}.pdf",
    )


# --------------------------------------------------------------------------------------------------
# Layout (minqing.printing.pdf: GB/T 9704 in spirit: A4, title 二号, body 三号, margins 37/28/35/26 mm)


def _letter_footer(document: Any) -> str:
    return footer_text(document.tracking_code, document.page_no(), "{nb}")


def layout(letter: Letter, font_path: str, font_index: int = 0) -> bytes:
    from fpdf.enums import XPos, YPos

    pdf = pdf_engine.document_class(_letter_footer, grey_footer=True)(
        orientation="portrait", unit="mm", format="A4"
    )
    pdf.tracking_code = letter.tracking_code
    pdf.set_title(letter.title)
    pdf.set_creator("minqing")
    pdf.set_margins(pdf_engine.MARGIN_LEFT, pdf_engine.MARGIN_TOP, pdf_engine.MARGIN_RIGHT)
    pdf.set_auto_page_break(True, margin=pdf_engine.MARGIN_BOTTOM)
    pdf.alias_nb_pages("{nb}")
    pdf.c_margin = 0  # text starts exactly at the margins
    pdf_engine.add_cjk_font(pdf, font_path, font_index)
    pdf.add_page()
    width = pdf.epw

    pdf.set_font("cjk", size=pdf_engine.TITLE_PT)
    pdf_engine.write_lines(
        pdf, pdf_engine.wrap(letter.title, width, pdf.get_string_width), 12, "C", justify=False
    )
    pdf.ln(8)
    pdf.set_font("cjk", size=pdf_engine.BODY_PT)
    pdf_engine.write_lines(
        pdf,
        pdf_engine.wrap(letter.addressee, width, pdf.get_string_width),
        pdf_engine.LINE_MM,
        "L",
        justify=True,
    )
    for paragraph in letter.paragraphs:
        lines = pdf_engine.wrap(paragraph, width, pdf.get_string_width, indent=pdf_engine.INDENT)
        pdf_engine.write_lines(pdf, lines, pdf_engine.LINE_MM, "L", justify=True)

    # Issuer and date on the right, the date under the issuer's centre, kept together on one page with room
    # above for the seal.
    issuer_width = min(
        width, max(pdf.get_string_width(letter.issuer), pdf.get_string_width(cn_date(letter.date)))
    )
    issuer_width += 2 * pdf.font_size  # two characters from the right margin
    if pdf.get_y() + pdf_engine.LINE_MM * 3.5 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(pdf_engine.LINE_MM * 1.5)
    x = pdf.l_margin + width - issuer_width
    for line in (letter.issuer, cn_date(letter.date)):
        pdf.set_x(x)
        pdf.cell(
            issuer_width - 2 * pdf.font_size,
            pdf_engine.LINE_MM,
            line,
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    return bytes(pdf.output())


def render(petition: Petition, kind: str, *, track_url: str = TRACK_PATH) -> bytes:
    """The PDF of document `kind` for the petition, in the site's language (the letter is an official document,
    whatever language the clerk's screen is in). ServiceError when the document does not apply or no font."""
    return render_letter(petition, kind, track_url=track_url)[1]


def render_letter(petition: Petition, kind: str, *, track_url: str = TRACK_PATH) -> tuple[Letter, bytes]:
    """render(), with the letter (its title and file name) for the caller."""
    with translation.override(settings.LANGUAGE_CODE):
        letter = build_letter(petition, kind, track_url=track_url)
        font_path, index = pdf_engine.choose_font(letter.text() + "0123456789{}")
        return letter, layout(letter, font_path, index)
