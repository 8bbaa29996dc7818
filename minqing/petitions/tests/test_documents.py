"""Printable notices: the words each document must carry, the official-letter layout, long texts, fonts, and the
download view (visibility, audit, a clear message when the document does not apply)."""

import io
import time
from pathlib import Path
from urllib.parse import quote

import pypdf
import pytest
from django.contrib.messages import get_messages
from django.urls import include, path, reverse

from config import urls as project_urls
from minqing.audit.models import Action, AuditEntry
from minqing.core.errors import ServiceError
from minqing.petitions import checks, documents, services
from minqing.petitions.documents import DocumentKind, cn_date
from minqing.petitions.models import DeadlineKind, HandlingLevel, Petition, Stage
from minqing.petitions.views import downloads
from minqing.printing import pdf

from .factories import category, department, register

pytestmark = pytest.mark.django_db


def _placeholder(request, pk):
    from django.http import HttpResponse

    return HttpResponse("detail")


# The petitions URLs as the project will route them, so the tests do not depend on urls.py being filled in.
_petition_patterns = [
    path("", _placeholder, name="list"),
    path("<int:pk>/", _placeholder, name="detail"),
    path("<int:pk>/documents/<slug:kind>.pdf", downloads.petition_document, name="document"),
    path("export.xlsx", downloads.petition_export, name="export"),
]
urlpatterns = [
    path("petitions/", include((_petition_patterns, "petitions"))),
    *[p for p in project_urls.urlpatterns if getattr(p, "namespace", None) != "petitions"],
]

needs_font = pytest.mark.skipif(pdf.find_font() is None, reason="no CJK font installed")


@pytest.fixture(scope="session")
def compact_font_dir(tmp_path_factory) -> Path | None:
    """A compact font holding the characters these tests print (a few seconds to build, instead of the full
    GB2312 set's minute), so most renders take the fast path; 堌 is left out to exercise the fallback."""
    face = pdf.find_font()
    if face is None:
        return None
    folder = tmp_path_factory.mktemp("fonts")
    here = Path(__file__).parent
    sources = [
        here / "test_documents.py",
        here / "factories.py",
        here.parent / "documents.py",
        here.parent / "models.py",
    ]
    chars = {chr(c) for c in range(0x20, 0x7F)} | set(pdf.INDENT)
    chars |= {ch for source in sources for ch in source.read_text(encoding="utf-8") if ord(ch) > 0x7F}
    pdf.build_compact_font(face, chars=chars - {"堌"}, target=folder / pdf.compact_path(face).name)
    return folder


@pytest.fixture(autouse=True)
def _fonts(monkeypatch, settings, compact_font_dir):
    monkeypatch.setattr(pdf, "AUTO_BUILD_COMPACT", False)
    if compact_font_dir is not None:
        settings.MINQING_PDF_FONT_CACHE_DIR = str(compact_font_dir)


def pdf_text(content: bytes) -> str:
    """All text of the PDF. pypdf reads fpdf2's 2-byte CID strings with NULs between characters; drop them and
    the whitespace so assertions see the words."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "".join("".join(page.extract_text().replace("\x00", "").split()) for page in reader.pages)


def page_texts(content: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return ["".join(page.extract_text().replace("\x00", "").split()) for page in reader.pages]


def flat(text: str) -> str:
    return "".join(text.split())


def accepted(people, tree, **overrides) -> Petition:
    overrides.setdefault("category", category("tudi-compensation"))  # handled by the township
    p = register(people.officer, tree.zhangzhuang, **overrides)
    return services.petition_accept(actor=people.officer, petition=p, version=p.version)


def replied(people, tree, text: str = "经核实，您家的补偿款已于本月发放到位。", **overrides) -> Petition:
    p = accepted(people, tree, **overrides)
    return services.petition_reply(actor=people.officer, petition=p, version=p.version, text=text)


# --------------------------------------------------------------------------------------------------
# Words


@needs_font
def test_acceptance_notice_states_the_matter_dates_handler_code_and_tracking_page(tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    dept = department(tree.township, "国土所")
    services.petitions_assign(actor=people.officer, petitions=[p], department=dept)
    p = services.petition_accept(actor=people.officer, petition=Petition.objects.get(pk=p.pk), version=None)
    text = pdf_text(documents.render(p, DocumentKind.ACCEPTANCE, track_url="https://mq.example.cn/p/track/"))
    assert text.startswith("受理告知书张大山：")
    assert flat(p.title) in text
    assert f"已于{cn_date(p.accepted_on)}依法受理" in text
    assert f"即于{cn_date(p.conclude_due)}前作出处理意见" in text
    assert "由国土所承办" in text
    assert "https://mq.example.cn/p/track/" in text
    assert f"查询码{p.tracking_code}" in text  # in the body…
    assert f"查询码：{p.tracking_code}第1页/共1页" in text  # …and in the footer
    # Issued by the township government, dated the day of acceptance.
    assert text.index("东坝头镇人民政府") > text.index("特此告知")
    assert f"东坝头镇人民政府{cn_date(p.accepted_on)}" in text


@needs_font
def test_acceptance_notice_after_an_approved_extension_gives_the_new_deadline_and_reason(tree, people):
    p = accepted(people, tree)
    p = services.petition_request_extension(
        actor=people.officer, petition=p, version=p.version, days=10, reason="需要实地测量"
    )
    p = services.petition_decide_extension(actor=people.leader, petition=p, version=p.version, approve=True)
    text = pdf_text(documents.render(p, DocumentKind.ACCEPTANCE))
    assert f"因需要实地测量，经本机关负责人批准，办理期限已延长至{cn_date(p.conclude_due)}" in text


def test_acceptance_notice_before_acceptance_is_refused_with_the_state(tree, people):
    p = register(people.officer, tree.zhangzhuang)
    with pytest.raises(ServiceError, match=r"尚未受理.*待受理"):
        documents.render(p, DocumentKind.ACCEPTANCE)
    with pytest.raises(ServiceError, match="不能打印不予受理告知书"):
        documents.render(p, DocumentKind.NOT_ACCEPTED)
    with pytest.raises(ServiceError, match="尚未答复"):
        documents.render(p, DocumentKind.REPLY)
    with pytest.raises(ServiceError, match="没有这种文书"):
        documents.render(p, "receipt")
    assert documents.available(p) == []


@needs_font
def test_anonymous_person_is_addressed_as_petitioner(tree, people):
    p = accepted(people, tree, is_anonymous=True, submitter_name="")
    text = pdf_text(documents.render(p, DocumentKind.ACCEPTANCE))
    assert text.startswith("受理告知书信访人：")
    assert "张大山" not in text


@needs_font
def test_not_accepted_notice_gives_the_reason_and_the_other_routes(tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"))
    reason = "该事项已由人民法院受理，依法应当通过诉讼途径解决。"
    p = services.petition_not_accept(actor=people.officer, petition=p, version=p.version, reason=reason)
    assert documents.available(p) == [("not-accepted", "不予受理告知书")]
    text = pdf_text(documents.render(p, DocumentKind.NOT_ACCEPTED))
    assert text.startswith("不予受理告知书张大山：")
    assert "本机关决定不予受理。理由如下：" + reason in text
    assert "诉讼、仲裁、行政复议等法定途径" in text
    assert "人民调解委员会调解" in text
    assert "东坝头镇人民政府" in text
    with pytest.raises(ServiceError, match="尚未受理"):
        documents.render(p, DocumentKind.ACCEPTANCE)


@needs_font
def test_reply_states_the_answer_and_the_review_window_with_its_end_date(tree, people):
    p = replied(people, tree)
    assert [k for k, _title in documents.available(p)] == ["acceptance", "reply"]
    end = services.due_after(DeadlineKind.REVIEW_REQUEST, p.replied_on).due
    text = pdf_text(documents.render(p, DocumentKind.REPLY))
    assert text.startswith("信访事项处理意见书张大山：")
    assert "现答复如下：经核实，您家的补偿款已于本月发放到位。" in text
    assert "第三十五条" in text and "30个工作日内" in text
    assert (
        f"即{cn_date(end)}前，向兰考县人民政府请求复查" in text
    )  # the township answered: the county reviews
    assert f"东坝头镇人民政府{cn_date(p.replied_on)}" in text


@needs_font
def test_village_reply_is_reviewed_by_the_township(tree, people):
    p = register(people.cadre, tree.zhangzhuang)  # a village matter
    p = services.petition_accept(actor=people.cadre, petition=p, version=p.version)
    p = services.petition_reply(actor=people.cadre, petition=p, version=p.version, text="已协调解决。")
    assert p.level == HandlingLevel.VILLAGE
    text = pdf_text(documents.render(p, DocumentKind.REPLY))
    assert "向东坝头镇人民政府请求复查" in text


@needs_font
def test_review_and_rereview_opinions_are_titled_and_worded_for_their_stage(tree, people):
    p = replied(people, tree, text="补偿标准符合规定。")
    p = services.petition_request_review(actor=None, petition=p, reason="标准过低")
    with pytest.raises(ServiceError, match=r"复查.*尚未答复"):  # no review answer yet
        documents.render(p, DocumentKind.REPLY)
    assert p.level == HandlingLevel.COUNTY
    p.level, p.handler_path = HandlingLevel.TOWNSHIP, tree.township.path  # stand in for the county's answer
    p.save()
    p = services.petition_reply(actor=people.officer, petition=p, version=p.version, text="维持原答复。")
    text = pdf_text(documents.render(p, DocumentKind.REPLY))
    assert text.startswith("复查意见书张大山：")
    assert f"您于{cn_date(p.review_requested_on)}对" in text and "提出的复查请求" in text
    end = services.due_after(DeadlineKind.REREVIEW_REQUEST, p.replied_on).due
    assert f"即{cn_date(end)}前" in text and "请求复核" in text and "第三十六条" in text

    p = services.petition_request_review(actor=None, petition=p, reason="仍不服")
    p = Petition.objects.get(pk=p.pk)
    assert p.stage == Stage.REREVIEW
    p.handler_path = tree.township.path
    p.save()
    p = services.petition_reply(actor=people.officer, petition=p, version=p.version, text="复核维持。")
    p = Petition.objects.get(pk=p.pk)
    text = pdf_text(documents.render(p, DocumentKind.REPLY))
    assert text.startswith("复核意见书张大山：")
    assert "复核维持。" in text
    assert "第三十六条" in text and "同一事实和理由" in text and "不再受理" in text
    assert "请求复核" not in text and "请求复查" not in text


@needs_font
def test_county_level_documents_are_issued_by_the_county(tree, people):
    p = register(people.officer, tree.zhangzhuang, category=category("tudi-compensation"), level="county")
    assert p.level == HandlingLevel.COUNTY
    assert documents.issuing_body(p) == "兰考县人民政府"
    p.status, p.accepted_on, p.conclude_due = "accepted", p.registered_on, p.registered_on
    text = pdf_text(documents.render(p, DocumentKind.ACCEPTANCE))
    assert "兰考县人民政府" in text and "东坝头镇人民政府" not in text


# --------------------------------------------------------------------------------------------------
# Layout


def _positions(content: bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """(text, x, y) of each text run on a page, in points from the bottom left."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    runs: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font_dict, font_size):
        text = text.replace("\x00", "").strip("\n ")
        if text.strip():
            runs.append((text, tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    reader.pages[page].extract_text(visitor_text=visit)
    return runs


@needs_font
def test_layout_is_an_a4_official_letter(tree, people):
    p = accepted(people, tree)
    content = documents.render(p, DocumentKind.ACCEPTANCE)
    reader = pypdf.PdfReader(io.BytesIO(content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    fonts = reader.pages[0]["/Resources"]["/Font"]
    base_fonts = [str(f.get_object()["/BaseFont"]) for f in fonts.values()]
    assert any("CJK" in name or "Song" in name or "Hei" in name for name in base_fonts)
    runs = _positions(content)
    mm = 72 / 25.4
    title = next(r for r in runs if flat(r[0]) == "受理告知书")
    addressee = next(r for r in runs if r[0].startswith("张大山"))
    body = next(r for r in runs if r[0].strip().startswith("您于"))
    issuer = next(r for r in runs if r[0] == "东坝头镇人民政府")
    footer = next(r for r in runs if r[0].startswith("查询码："))
    left = 28 * mm
    assert title[1] > left + 40 * mm  # centred, not at the margin
    assert abs(addressee[1] - left) < 1  # the addressee line starts at the margin
    assert body[0].startswith("\u3000\u3000") and abs(body[1] - left) < 1  # 2-character indent
    assert issuer[1] > 595 / 2  # issuing body on the right
    assert issuer[2] < body[2] and footer[2] < issuer[2]  # below the body; the footer at the very bottom
    assert footer[2] < 25 * mm


@needs_font
def test_long_reply_wraps_and_breaks_pages_with_every_word_and_a_footer_on_each_page(tree, people):
    paragraphs = [
        f"第{i}段：" + "经调查核实，相关补偿已按标准测算并逐户公示，" * 12 + f"本段结束{i}。"
        for i in range(20)
    ]
    long_title = "关于村东头承包地被征收后补偿款分配不公以及后续安置问题的反映" * 1
    p = replied(people, tree, text="\n".join(paragraphs), title=long_title)
    content = documents.render(p, DocumentKind.REPLY)
    pages = page_texts(content)
    assert len(pages) >= 3
    text = "".join(pages)
    for i in range(20):
        assert f"第{i}段：" in text and f"本段结束{i}。" in text
    assert flat(long_title) in text
    for number, page in enumerate(pages, start=1):
        assert f"查询码：{p.tracking_code}第{number}页/共{len(pages)}页" in page
    # The closing block (issuer and date) stays together on the last page.
    assert "东坝头镇人民政府" + cn_date(p.replied_on) in pages[-1]
    # No line runs past the right margin: every run starts inside the text area.
    for index in range(len(pages)):
        for _text, x, _y in _positions(content, index):
            assert 0 < x < 595 - 26 * 72 / 25.4


# --------------------------------------------------------------------------------------------------
# Fonts


def test_no_font_is_a_clear_error_and_a_system_check_warning(tree, people, settings, monkeypatch):
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ("/nonexistent/font.ttc",))
    pdf._find_face.cache_clear()
    settings.MINQING_PDF_FONT = ""
    try:
        p = accepted(people, tree)
        with pytest.raises(ServiceError, match=r"未找到中文字体.*MINQING_PDF_FONT"):
            documents.render(p, DocumentKind.ACCEPTANCE)
        warnings = checks.pdf_font_check()
        assert [w.id for w in warnings] == ["petitions.W001"]
        assert "MINQING_PDF_FONT" in warnings[0].msg
        settings.MINQING_PDF_FONT = "/nonexistent/other.ttf"
        assert "不存在" in checks.pdf_font_check()[0].msg
    finally:
        pdf._find_face.cache_clear()


@needs_font
def test_configured_font_and_collection_face(settings):
    face = pdf.find_font()
    assert face is not None
    settings.MINQING_PDF_FONT = face.path
    assert pdf.find_font() == face  # the Simplified Chinese face is found by its name
    if face.path.endswith("NotoSerifCJK-Regular.ttc"):
        assert face.index == 2  # Noto Serif CJK SC
    settings.MINQING_PDF_FONT = f"{face.path}#0"
    assert pdf.find_font() == pdf.FontFace(face.path, 0)
    assert checks.pdf_font_check() == []


@needs_font
def test_compact_font_is_used_when_it_covers_the_document_else_the_full_font(
    tree, people, settings, tmp_path
):
    settings.MINQING_PDF_FONT_CACHE_DIR = str(tmp_path)
    face = pdf.find_font()
    assert face is not None
    p = accepted(people, tree)
    letter = documents.build_letter(p, DocumentKind.ACCEPTANCE)
    # A small compact font for the test (the real one holds GB2312 and takes ~40 s to build).
    chars = set(letter.text() + "0123456789{}") | set("堌阳镇")
    target = pdf.build_compact_font(face, chars=chars - {"堌"})
    assert target == pdf.compact_path(face) and target.parent == Path(tmp_path)
    assert pdf.choose_font(letter.text()) == (str(target), 0)
    started = time.perf_counter()
    content = documents.render(p, DocumentKind.ACCEPTANCE)
    elapsed = time.perf_counter() - started
    assert "已于" in pdf_text(content) and elapsed < 2
    # A character outside the compact set (堌 is not in GB2312) switches to the full font, and prints.
    assert pdf.choose_font(letter.text() + "堌") == (face.path, face.index)
    other = register(people.outsider, tree.other_village, category=category("tudi-compensation"))
    other = services.petition_accept(actor=people.outsider, petition=other, version=other.version)
    assert "堌阳镇人民政府" in pdf_text(documents.render(other, DocumentKind.ACCEPTANCE))


def test_compact_charset_covers_gb2312_and_punctuation():
    chars = pdf.compact_charset()
    assert len(chars) > 7000
    assert {"张", "庄", "镇", "：", "“", "”", "（", "）", "\u3000", "A", "7"} <= chars
    assert "堌" not in chars


# --------------------------------------------------------------------------------------------------
# The download view


@needs_font
@pytest.mark.urls(__name__)
def test_download_is_a_pdf_attachment_with_a_chinese_file_name_and_is_audited(client, tree, people):
    p = accepted(people, tree)
    client.force_login(people.officer)
    url = reverse("petitions:document", args=[p.pk, "acceptance"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    name = quote(f"受理告知书-{p.tracking_code}.pdf", safe="")
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"acceptance-{p.tracking_code}.pdf\"; filename*=UTF-8''{name}"
    )
    text = pdf_text(response.content)
    assert "http://testserver/p/track/" in text
    entry = AuditEntry.objects.get(action=Action.EXPORT, object_id=str(p.pk))
    assert entry.actor == people.officer and entry.note == "打印受理告知书"
    assert entry.object_type == "petitions.petition"


@pytest.mark.urls(__name__)
def test_outsider_gets_404_and_anonymous_is_sent_to_login(client, tree, people):
    p = accepted(people, tree)
    url = reverse("petitions:document", args=[p.pk, "acceptance"])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(people.outsider)
    assert client.get(url).status_code == 404
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


@pytest.mark.urls(__name__)
def test_document_that_does_not_apply_redirects_to_the_petition_with_the_reason(client, tree, people):
    p = register(people.officer, tree.zhangzhuang)
    client.force_login(people.officer)
    response = client.get(reverse("petitions:document", args=[p.pk, "acceptance"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:detail", args=[p.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "该诉求尚未受理（当前状态：待受理），不能打印受理告知书。"
    ]
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def test_wrap_keeps_closing_punctuation_off_the_line_start_and_latin_words_whole():
    def width(s: str) -> float:
        return float(len(s))

    lines = pdf.wrap("甲乙丙丁，戊己", 4, width)
    assert lines == ["甲乙丙", "丁，戊己"]  # "，" may not start a line: 丁 moves down with it
    lines = pdf.wrap("甲乙丙“丁戊”", 4, width)
    assert lines == ["甲乙丙", "“丁戊”"]  # an opening quote does not end a line
    assert pdf.wrap("查询码 ABCDEFGH 查询", 10, width) == ["查询码", "ABCDEFGH 查", "询"]
    long_url = "https://example.cn/" + "x" * 20
    assert pdf.wrap(long_url, 10, width) == [long_url[i : i + 10] for i in range(0, len(long_url), 10)]
    lines = pdf.wrap("甲乙", 10, width, indent="\u3000\u3000")
    assert lines == ["\u3000\u3000甲乙"]
