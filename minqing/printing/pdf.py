"""The CJK PDF engine every printed document uses: font discovery, a compact font cache, Chinese line breaking
(避头尾), justified lines and the A4 page of a Chinese official document.

Fonts. A CJK font is embedded (settings.MINQING_PDF_FONT, "path" or "path#face-index", else the first installed
candidate). A full CJK font (Noto CJK: 65,000 CFF glyphs) costs ~0.6 s to parse and fpdf2 then subsets it *in
place* on output (~0.5 s, running every used glyph's charstring), so a parsed font cannot be shared between
documents: ~1.1 s a document. Instead a *compact* copy (ASCII, GB2312 and common punctuation, ~7,500 glyphs,
converted to TrueType outlines, which fpdf2 subsets without running charstrings) is built once per machine
into a cache directory (MINQING_PDF_FONT_CACHE_DIR, default VAR_DIR/cache/fonts); with it a document renders in
~0.1–0.3 s. A document with a character outside the compact set (a rare character in a name) uses the full
font. The compact copy is built in a background thread the first time a document is rendered (about a minute
of CPU, once), or ahead of time with `build_compact_font()` (`minqing pdf_font_cache`).

The practices write their documents' words (petitions/documents.py, mediation/documents.py); this module only
lays them out. It imports no app.
"""

import datetime
import hashlib
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from minqing.core.errors import ServiceError

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------------
# Fonts


@dataclass(frozen=True)
class FontFace:
    path: str
    index: int = 0  # the face in a .ttc/.otc collection

    @property
    def is_collection(self) -> bool:
        return self.path.lower().endswith((".ttc", ".otc"))


# Debian/Ubuntu packages first (fonts-noto-cjk, fonts-wqy-*, fonts-arphic-*), then other distributions, Windows
# and macOS. For collections the Simplified Chinese face is looked up by name (Noto CJK: index 2, "... SC").
FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-serif-cjk-fonts/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "C:\\Windows\\Fonts\\simsun.ttc",
    "C:\\Windows\\Fonts\\simhei.ttf",
    "C:\\Windows\\Fonts\\msyh.ttc",
    "/System/Library/Fonts/Supplemental/Songti.ttc",
    "/Library/Fonts/Songti.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)

FONT_EXTENSIONS = (".ttf", ".otf", ".ttc", ".otc")


def _simplified_face(path: str) -> int:
    """The index of the Simplified Chinese face of a collection: a name with SC/GB/简, else one supporting the
    GB2312 code page, else the first."""
    from fontTools.ttLib import TTCollection  # type: ignore[import-untyped]

    try:
        collection = TTCollection(path, lazy=True)
    except Exception:  # a damaged file: let fpdf2 report it when used
        return 0
    try:
        names: list[tuple[int, str, int]] = []
        for index, face in enumerate(collection.fonts):
            name = face["name"].getDebugName(4) or ""
            os2 = face.get("OS/2", None)
            pages = getattr(os2, "ulCodePageRange1", 0) or 0
            names.append((index, name, pages))
        for index, name, _pages in names:
            if any(tag in f" {name} " for tag in (" SC ", " GB ", "简", "SimSun")):
                return index
        for index, _name, pages in names:
            if pages & (1 << 18) and not pages & (1 << 17) and not pages & (1 << 20):
                return index  # GB2312 without Japanese/Big5: a Simplified face
        return 0
    finally:
        collection.close()


def _configured_face(value: str) -> FontFace | None:
    """settings.MINQING_PDF_FONT: a path, optionally "path#index" for a face of a collection."""
    path, _sep, index = value.partition("#")
    if not os.path.isfile(path) or not path.lower().endswith(FONT_EXTENSIONS):
        return None
    if index.strip().isdigit():
        return FontFace(path, int(index))
    face = FontFace(path)
    return FontFace(path, _simplified_face(path)) if face.is_collection else face


@cache
def _find_face(configured: str) -> FontFace | None:
    if configured:
        return _configured_face(configured)
    for path in FONT_CANDIDATES:
        if os.path.isfile(path):
            face = FontFace(path)
            return FontFace(path, _simplified_face(path)) if face.is_collection else face
    return None


def find_font() -> FontFace | None:
    """The CJK font documents use, or None when none is installed (cached per process and setting)."""
    return _find_face(getattr(settings, "MINQING_PDF_FONT", "") or "")


def font_problem() -> str:
    """Why no document can be printed, or "" when a font is available (for the system check)."""
    configured = getattr(settings, "MINQING_PDF_FONT", "") or ""
    if configured and not configured.partition("#")[0].lower().endswith(FONT_EXTENSIONS):
        return _("MINQING_PDF_FONT 应为 .ttf、.otf、.ttc 或 .otc 字体文件。")
    if configured and find_font() is None:
        return _("MINQING_PDF_FONT 指定的字体文件“%(path)s”不存在或无法读取。") % {"path": configured}
    if find_font() is None:
        return _(
            "未找到中文字体，无法生成告知书等 PDF 文书。请安装 fonts-noto-cjk（或文泉驿字体），"
            "或设置 MINQING_PDF_FONT 为中文字体文件的路径。"
        )
    return ""


def _require_font() -> FontFace:
    face = find_font()
    if face is None:
        raise ServiceError(
            _(
                "未找到中文字体，无法生成 PDF 文书。请管理员安装 fonts-noto-cjk（或文泉驿字体），"
                "或设置 MINQING_PDF_FONT 为中文字体文件的路径。"
            )
        )
    return face


# The compact face: what almost every document needs. GB2312 (6,763 characters and its symbols) covers
# place names and most personal names; anything else falls back to the full font.
COMPACT_VERSION = "2"
COMPACT_EXTRA = "　、。〈〉《》「」『』【】〔〕（），．：；？！“”‘’…—～·％＋－＝／×÷℃№①②③④⑤⑥⑦⑧⑨⑩"
# Building it takes about a minute of CPU. Servers build it once ahead of time (`minqing pdf_font_cache`, run by
# `make run`); a long-lived server may also build it in the background on first use (MINQING_PDF_FONT_AUTO_BUILD).
AUTO_BUILD_COMPACT = os.environ.get("MINQING_PDF_FONT_AUTO_BUILD", "") == "1"


def compact_charset() -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)} | set(COMPACT_EXTRA)
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                chars.add(bytes((first, second)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def _cache_dir() -> Path:
    configured = getattr(settings, "MINQING_PDF_FONT_CACHE_DIR", "")
    if configured:
        return Path(configured)
    var = getattr(settings, "VAR_DIR", None)
    return Path(var) / "cache" / "fonts" if var else Path(tempfile.gettempdir()) / "minqing-fonts"


def compact_path(face: FontFace) -> Path:
    """Where the compact copy of `face` lives: named after the source file's identity, so a font update (or a
    new compact charset) gives a new file."""
    stat = os.stat(face.path)
    key = f"{face.path}|{face.index}|{stat.st_size}|{int(stat.st_mtime)}|{COMPACT_VERSION}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return _cache_dir() / f"cjk-{digest}.ttf"


def build_compact_font(
    face: FontFace | None = None, *, chars: set[str] | None = None, target: Path | None = None
) -> Path:
    """Write the compact copy of the font (atomically) and return its path. About 40 s for Noto CJK."""
    from fontTools import subset as ftsubset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont

    face = face or _require_font()
    target = target or compact_path(face)
    target.parent.mkdir(parents=True, exist_ok=True)
    font = TTFont(face.path, fontNumber=face.index, lazy=True, recalcTimestamp=False)
    options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "DSIG"]
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in (chars if chars is not None else compact_charset())])
    subsetter.subset(font)
    if "CFF " in font:
        _cff_to_truetype(font)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            font.save(out)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        font.close()
    _compact_cmap.cache_clear()
    return target


def _cff_to_truetype(font: Any) -> None:
    """Replace CFF outlines by TrueType (quadratic) ones, in place. fpdf2 subsets a CFF font by running every
    glyph's charstring (subroutines, bounds): ~3 ms a glyph, 0.8 s for a notice; TrueType glyphs are copied as
    they are (0.1–0.2 s)."""
    from fontTools.pens.cu2quPen import Cu2QuPen  # type: ignore[import-untyped]
    from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"


@cache
def _compact_cmap(path: str, mtime: float) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def compact_coverage(path: Path) -> frozenset[int] | None:
    try:
        return _compact_cmap(str(path), path.stat().st_mtime)
    except Exception:  # missing or unreadable: use the full font
        return None


_build_lock = threading.Lock()
_build_started: set[str] = set()


def _build_in_background(face: FontFace, target: Path) -> None:
    """Start building the compact font once per process; a lock file keeps other processes from doing the
    same work at the same time."""
    with _build_lock:
        if str(target) in _build_started:
            return
        _build_started.add(str(target))

    def run() -> None:
        lock = target.with_suffix(".lock")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if time.time() - lock.stat().st_mtime < 600:
                    return  # another process is building it
                lock.unlink(missing_ok=True)
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            os.close(fd)
            try:
                started = time.perf_counter()
                build_compact_font(face, target=target)
                logger.info("PDF font cache built in %.1f s: %s", time.perf_counter() - started, target)
            finally:
                lock.unlink(missing_ok=True)
        except Exception:
            logger.exception("Could not build the compact PDF font %s", target)

    threading.Thread(target=run, name="minqing-pdf-font", daemon=True).start()


def choose_font(text: str) -> tuple[str, int]:
    """(font file, face index) for a document whose words are `text`: the compact copy when it has every
    character, else the full font."""
    face = _require_font()
    try:
        target = compact_path(face)
    except OSError:
        return face.path, face.index
    coverage = compact_coverage(target)
    if coverage is None:
        if AUTO_BUILD_COMPACT:
            _build_in_background(face, target)
        return face.path, face.index
    needed = {ord(c) for c in text if ord(c) >= 0x20}
    if needed <= coverage:
        return str(target), 0
    return face.path, face.index


# --------------------------------------------------------------------------------------------------
# Layout (GB/T 9704 in spirit: A4, title 二号, body 三号, margins 37/28/35/26 mm)

TITLE_PT = 22
BODY_PT = 16
SMALL_PT = 10
LINE_MM = 9.5
MARGIN_TOP, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_BOTTOM = 37.0, 28.0, 26.0, 35.0
INDENT = "\u3000\u3000"  # two full-width spaces: the 2-character first-line indent


# Chinese line breaking (避头尾): these never start a line, those never end one.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…—～·%,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")
_TOKEN = re.compile(r"[A-Za-z0-9_./:\-%?=&#@+]+|.", re.DOTALL)


def wrap(text: str, max_width: float, width_of: Callable[[str], float], indent: str = "") -> list[str]:
    """Break `text` into lines no wider than `max_width`: between any two Chinese characters, never inside a
    Latin word or number (unless it alone is too wide), and never with closing punctuation at the start of a
    line or opening punctuation at its end (the character before moves down with it)."""
    tokens = _TOKEN.findall(text)
    lines: list[str] = []
    current: list[str] = [indent] if indent else []
    used = width_of(indent) if indent else 0.0

    def line_width(parts: list[str]) -> float:
        return sum(width_of(t) for t in parts)

    for token in tokens:
        w = width_of(token)
        if w > max_width and len(token) > 1:  # a very long Latin run (a URL): break it by characters
            for ch in token:
                if used + width_of(ch) > max_width and current:
                    lines.append("".join(current))
                    current, used = [], 0.0
                current.append(ch)
                used += width_of(ch)
            continue
        if used + w > max_width + 1e-6 and current and "".join(current).strip():
            carry: list[str] = []
            if token[0] in NO_LINE_START:
                while len(current) > 1 and (not carry or carry[0][0] in NO_LINE_START):
                    carry.insert(0, current.pop())
            while len(current) > 1 and current[-1] and current[-1][-1] in NO_LINE_END:
                carry.insert(0, current.pop())
            lines.append("".join(current).rstrip())
            while carry and not carry[0].strip():
                carry.pop(0)
            current = carry
            used = line_width(current)
            if not token.strip() and not current:
                continue  # no space at the start of a line
        current.append(token)
        used += w
    if current:
        lines.append("".join(current).rstrip())
    return lines or [""]


def cn_date(d: datetime.date) -> str:
    """A date as official documents write it: 2026年12月7日."""
    return _("%(y)d年%(m)d月%(d)d日") % {"y": d.year, "m": d.month, "d": d.day}


def document_class(footer: Callable[[Any], str], *, grey_footer: bool = False) -> type:
    """An A4 document class whose pages end with `footer(document)` (e.g. "第 1 页 / 共 {nb} 页") in small type."""
    from fpdf import FPDF

    class CjkDocument(FPDF):
        def footer(self) -> None:
            self.set_y(-20)
            self.set_font("cjk", size=SMALL_PT)
            self.set_char_spacing(0)
            if grey_footer:
                self.set_text_color(90, 90, 90)
            self.cell(0, 6, footer(self), align="C")
            if grey_footer:
                self.set_text_color(0, 0, 0)

    return CjkDocument


def page_footer(document: Any) -> str:
    """The plain footer: page N of {nb} (fpdf2 fills in the page count)."""
    return _("第 %(page)s 页 / 共 %(pages)s 页") % {"page": document.page_no(), "pages": "{nb}"}


def write_lines(pdf: Any, lines: list[str], height: float, align: str, justify: bool) -> None:
    """One cell per line (fpdf2 breaks the page before a line that does not fit). Full lines of a paragraph
    are justified by spreading the leftover space between the characters, as Chinese typesetting does."""
    from fpdf.enums import XPos, YPos

    width = pdf.epw
    for number, line in enumerate(lines):
        spacing = 0.0
        if justify and number < len(lines) - 1 and len(line) > 1:
            extra = width - pdf.get_string_width(line)
            per_char = extra * pdf.k / (len(line) - 1)  # points
            if 0 < per_char < pdf.font_size_pt * 0.35:
                spacing = per_char
        pdf.set_char_spacing(spacing)
        pdf.cell(width, height, line, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_char_spacing(0)


def add_cjk_font(pdf: Any, font_path: str, font_index: int = 0) -> None:
    """Register the CJK font as "cjk" on a document; a damaged or unsupported font file is a clear error."""
    try:
        pdf.add_font("cjk", fname=font_path, collection_font_number=font_index)
    except Exception as exc:
        logger.exception("Cannot load the PDF font %s", font_path)
        raise ServiceError(
            _("中文字体文件“%(path)s”无法读取，请管理员检查 MINQING_PDF_FONT 或重新安装字体。")
            % {"path": font_path}
        ) from exc
