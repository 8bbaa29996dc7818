"""The 人民调解协议书 PDF: its customary parts, read back with pypdf."""

import datetime
import io
from pathlib import Path

import pypdf
import pytest
from django.urls import reverse

from minqing.audit.models import Action, AuditEntry
from minqing.mediation import documents, services
from minqing.mediation.models import AgreementForm
from minqing.printing import pdf as letters

from .helpers import agreement_data, effective_agreement, mediating

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(letters.find_font() is None, reason="no CJK font installed"),
]
TODAY = datetime.date.today()


@pytest.fixture(scope="session")
def compact_font_dir(tmp_path_factory) -> Path | None:
    """A compact font holding the characters these documents print, so renders take the fast path."""
    face = letters.find_font()
    if face is None:
        return None
    folder = tmp_path_factory.mktemp("mediation-fonts")
    here = Path(__file__).parent
    sources = [here / "test_documents.py", here / "helpers.py", here.parent / "documents.py"]
    chars = {chr(c) for c in range(0x20, 0x7F)} | set(letters.INDENT) | set("（）：，。、；")
    chars |= {ch for source in sources for ch in source.read_text(encoding="utf-8") if ord(ch) > 0x7F}
    chars |= set("王建军李德胜张庄村一组号东坝头镇人民调解委员会宅基地两户因界址发生争执男女出生住")
    letters.build_compact_font(face, chars=chars, target=folder / letters.compact_path(face).name)
    return folder


@pytest.fixture(autouse=True)
def _fonts(monkeypatch, settings, compact_font_dir):
    monkeypatch.setattr(letters, "AUTO_BUILD_COMPACT", False)
    if compact_font_dir is not None:
        settings.MINQING_PDF_FONT_CACHE_DIR = str(compact_font_dir)


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "".join("".join(page.extract_text().replace("\x00", "").split()) for page in reader.pages)


def test_the_agreement_pdf_has_the_customary_parts(tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    a = services.agreement_record(actor=people.mediator, dispute=d, data=agreement_data(TODAY))
    doc, content = documents.render(a)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    for part in (
        "人民调解协议书",
        f"编号：{a.number}",
        "当事人（甲方）：王建军",
        "当事人（乙方）：李德胜",
        "纠纷主要事实、争议事项",
        "王家翻建院墙时越过原界址约半米",
        "院墙位置及占地补偿",
        "经调解，自愿达成如下协议",
        "1.王家将院墙后移至原界址",
        "2.王家向李家赔偿损失人民币贰仟元",
        "履行方式、时限",
        "王家自行拆除重建院墙",
        letters.cn_date(a.performance_deadline),
        "本协议一式3份",
        "当事人（甲方）签名（指印）",
        "当事人（乙方）签名（指印）",
        "人民调解员（签名）",
        "人民调解委员会（印）",
        letters.cn_date(TODAY),
    ):
        assert part in text, part
    assert doc.filename.endswith(f"{d.code}.pdf")


def test_the_pdf_download_is_audited_and_an_oral_agreement_has_none(client, tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    effective_agreement(people.mediator, d)
    client.force_login(people.cadre)
    r = client.get(reverse("mediation:agreement_pdf", args=[d.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert "人民调解协议书" in pdf_text(r.content)
    assert AuditEntry.objects.filter(action=Action.EXPORT, object_id=str(d.pk)).exists()

    oral = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    services.agreement_record(
        actor=people.mediator,
        dispute=oral,
        data=agreement_data(
            form=AgreementForm.ORAL, issues="", performance_manner="", performance_deadline=None
        ),
    )
    r = client.get(reverse("mediation:agreement_pdf", args=[oral.pk]))
    assert r.status_code == 302  # back to the page with the reason, never a 500
    assert "口头协议不制作协议书" in client.get(r["Location"]).content.decode()
