"""The printable 人民调解协议书 (PDF) in the customary layout: title, 编号, the parties, the main facts and the
issues, 经调解自愿达成如下协议, how and by when it is performed, 本协议一式X份, signature lines for the parties and
the mediator, 人民调解委员会（印） and the date.

Fonts, line breaking and the page come from the shared engine (minqing.printing.pdf), as for the requests'
notices: the same embedded CJK font, its compact copy, and the same Chinese line-breaking rules.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from minqing.core.errors import ServiceError
from minqing.printing import pdf as pdf_engine

from .models import Agreement, AgreementForm, DisputeParty


@dataclass
class AgreementText:
    """The agreement's words, before layout."""

    title: str
    number: str
    parties: list[str]
    sections: list[tuple[str, list[str]]]
    closing: list[str]
    signature_lines: list[str]
    committee: str
    date: str
    filename: str = ""
    extra: list[str] = field(default_factory=list)

    def text(self) -> str:
        parts = [self.title, self.number, *self.parties, *self.closing, *self.signature_lines, self.committee]
        for heading, paragraphs in self.sections:
            parts += [heading, *paragraphs]
        return "".join([*parts, self.date, pdf_engine.INDENT, "第页共/ "])


def _party_line(p: DisputeParty) -> str:
    bits = [p.name]
    if p.resident is not None:
        if p.resident.gender:
            bits.append(p.resident.get_gender_display())
        if p.resident.birth_date:
            bits.append(
                _("%(y)d年%(m)d月出生") % {"y": p.resident.birth_date.year, "m": p.resident.birth_date.month}
            )
    if p.address:
        bits.append(_("住%(address)s") % {"address": p.address})
    label = _("当事人（%(side)s）") % {"side": p.get_side_display()}
    return f"{label}：{'，'.join(bits)}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_printable(a: Agreement) -> None:
    if a.form != AgreementForm.WRITTEN:
        raise ServiceError(_("口头协议不制作协议书；请查看调解记录。"))


def build(a: Agreement) -> AgreementText:
    check_printable(a)
    d = a.dispute
    parties = list(d.parties.select_related("resident").order_by("side", "id"))
    sections: list[tuple[str, list[str]]] = [
        (_("一、纠纷主要事实、争议事项"), _lines(a.facts) + _lines(a.issues)),
    ]
    if a.responsibilities.strip():
        sections.append((_("二、各方责任"), _lines(a.responsibilities)))
    terms = _lines(a.terms)
    numbered = [f"{i}. {t}" if len(terms) > 1 and not t[:1].isdigit() else t for i, t in enumerate(terms, 1)]
    sections.append(
        ((_("三、") if a.responsibilities.strip() else _("二、")) + _("经调解，自愿达成如下协议"), numbered)
    )
    deadline = pdf_engine.cn_date(a.performance_deadline) if a.performance_deadline else ""
    manner = a.performance_manner or ""
    perf = _("履行方式：%(manner)s；履行期限：%(deadline)s前履行完毕。") % {
        "manner": manner,
        "deadline": deadline,
    }
    sections.append(((_("四、") if a.responsibilities.strip() else _("三、")) + _("履行方式、时限"), [perf]))
    copies = a.copies
    closing = [
        _(
            "本协议一式%(n)d份，当事人、人民调解委员会各持一份。本协议自各方当事人签名（盖章或按指印）、"
            "人民调解员签名并加盖人民调解委员会印章之日起生效。"
        )
        % {"n": copies},
        _(
            "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。双方当事人可以自调解协议"
            "生效之日起三十日内共同向人民法院申请司法确认。"
        ),
    ]
    signature_lines = [
        _("当事人（%(side)s）签名（指印）：") % {"side": p.get_side_display()} for p in parties
    ]
    signature_lines.append(_("人民调解员（签名）："))
    return AgreementText(
        title=_("人民调解协议书"),
        number=_("编号：%(number)s") % {"number": a.number},
        parties=[_party_line(p) for p in parties],
        sections=sections,
        closing=closing,
        signature_lines=signature_lines,
        committee=_("%(name)s（印）") % {"name": a.mediation.committee},
        date=pdf_engine.cn_date(a.reached_on),
        filename=_("人民调解协议书-%(code)s.pdf") % {"code": d.code},
    )


def _pdf() -> Any:
    return pdf_engine.document_class(pdf_engine.page_footer)(orientation="portrait", unit="mm", format="A4")


def layout(doc: AgreementText, font_path: str, font_index: int = 0) -> bytes:
    from fpdf.enums import XPos, YPos

    pdf = _pdf()
    pdf.set_title(doc.title)
    pdf.set_creator("minqing")
    pdf.set_margins(pdf_engine.MARGIN_LEFT, 30.0, pdf_engine.MARGIN_RIGHT)
    pdf.set_auto_page_break(True, margin=pdf_engine.MARGIN_BOTTOM)
    pdf.alias_nb_pages("{nb}")
    pdf.c_margin = 0
    pdf_engine.add_cjk_font(pdf, font_path, font_index)
    pdf.add_page()
    width = pdf.epw
    body_pt, line = 14, 8.0
    pdf.set_font("cjk", size=pdf_engine.TITLE_PT)
    pdf.cell(width, 12, doc.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=12)
    pdf.cell(width, 8, doc.number, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font("cjk", size=body_pt)
    wrap = pdf_engine.wrap
    for party in doc.parties:
        pdf_engine.write_lines(pdf, wrap(party, width, pdf.get_string_width), line, "L", justify=True)
    for heading, paragraphs in doc.sections:
        pdf.ln(2)
        pdf_engine.write_lines(pdf, wrap(heading, width, pdf.get_string_width), line, "L", justify=False)
        for paragraph in paragraphs or [""]:
            lines = wrap(paragraph, width, pdf.get_string_width, indent=pdf_engine.INDENT)
            pdf_engine.write_lines(pdf, lines, line, "L", justify=True)
    pdf.ln(2)
    for paragraph in doc.closing:
        pdf_engine.write_lines(
            pdf, wrap(paragraph, width, pdf.get_string_width, indent=pdf_engine.INDENT), line, "L", True
        )
    # The signature block, kept on one page: the parties two to a row, then the mediator on the left and the
    # committee's seal with the date on the right, with room to sign above each line.
    row = line * 1.8
    half = width / 2
    parties = doc.signature_lines[:-1]
    rows = [parties[i : i + 2] for i in range(0, len(parties), 2)]
    if pdf.get_y() + row * (len(rows) + 2) + 6 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(6)
    for pair in rows:
        y = pdf.get_y()
        for i, sig in enumerate(pair):
            pdf.set_xy(pdf.l_margin + i * half, y)
            pdf.cell(half, row, sig, align="L")
        pdf.set_xy(pdf.l_margin, y + row)
    y = pdf.get_y()
    pdf.cell(half, row, doc.signature_lines[-1], align="L")
    pdf.set_xy(pdf.l_margin + half, y)
    pdf.cell(half, row, doc.committee, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(pdf.l_margin + half)
    pdf.cell(half, line, doc.date, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def render(a: Agreement) -> tuple[AgreementText, bytes]:
    """The 人民调解协议书 of a written agreement, in the site's language (it is an official document)."""
    with translation.override(settings.LANGUAGE_CODE):
        doc = build(a)
        font_path, index = pdf_engine.choose_font(doc.text() + "0123456789{}")
        return doc, layout(doc, font_path, index)
