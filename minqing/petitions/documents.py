"""Printable notices to the person (告知书/意见书) as PDF: A4, the layout of a Chinese official letter.

Three documents, each tied to a step of the handling:

- 受理告知书 after 受理 (the matter, the acceptance date, the conclusion deadline, who handles it, how to track it);
- 不予受理告知书 after 不予受理 (the reason and the person's other routes);
- 信访事项处理意见书 / 复查意见书 / 复核意见书 after 答复 (the answer, and the right to ask for 复查/复核 within the
  window, with the date it ends; after 复核, that the same facts and reasons are not accepted again, 条例第三十六条).

Fonts. A CJK font is embedded (settings.MINQING_PDF_FONT, "path" or "path#face-index", else the first installed
candidate). A full CJK font (Noto CJK: 65,000 CFF glyphs) costs ~0.6 s to parse and fpdf2 then subsets it *in
place* on output (~0.5 s, running every used glyph's charstring), so a parsed font cannot be shared between
documents: ~1.1 s a notice. Instead a *compact* copy (ASCII, GB2312 and common punctuation, ~7,500 glyphs,
converted to TrueType outlines, which fpdf2 subsets without running charstrings) is built once per machine
into a cache directory (MINQING_PDF_FONT_CACHE_DIR, default VAR_DIR/cache/fonts); with it a notice renders in
~0.1–0.3 s. A document with a character outside the compact set (a rare character in a name) uses the full
font. The compact copy is built in a background thread the first time a document is rendered (about a minute
of CPU, once), or ahead of time with `build_compact_font()`.
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
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minqing.core.errors import ServiceError
from minqing.regions.models import PATH_DIGITS, Region
from minqing.regions.models import Level as RegionLevel

from .models import DayUnit, DeadlineKind, HandlingLevel, Petition, Stage, Status

logger = logging.getLogger(__name__)

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
        parts = [self.title, self.addressee, *self.paragraphs, self.issuer, cn_date(self.date), INDENT]
        return "".join([*parts, footer_text(self.tracking_code, 1, 1)])


def cn_date(d: datetime.date) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": d.year, "m": d.month, "d": d.day}


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
    from .services import deadline_rules

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
    from .services import due_after

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


def _choose_font(text: str) -> tuple[str, int]:
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


def _pdf_class() -> type:
    from fpdf import FPDF

    class LetterPDF(FPDF):
        tracking_code = ""

        def footer(self) -> None:
            self.set_y(-20)
            self.set_font("cjk", size=SMALL_PT)
            self.set_char_spacing(0)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, footer_text(self.tracking_code, self.page_no(), "{nb}"), align="C")
            self.set_text_color(0, 0, 0)

    return LetterPDF


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


def layout(letter: Letter, font_path: str, font_index: int = 0) -> bytes:
    from fpdf.enums import XPos, YPos

    pdf = _pdf_class()(orientation="portrait", unit="mm", format="A4")
    pdf.tracking_code = letter.tracking_code
    pdf.set_title(letter.title)
    pdf.set_creator("minqing")
    pdf.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
    pdf.set_auto_page_break(True, margin=MARGIN_BOTTOM)
    pdf.alias_nb_pages("{nb}")
    pdf.c_margin = 0  # text starts exactly at the margins
    add_cjk_font(pdf, font_path, font_index)
    pdf.add_page()
    width = pdf.epw

    pdf.set_font("cjk", size=TITLE_PT)
    write_lines(pdf, wrap(letter.title, width, pdf.get_string_width), 12, "C", justify=False)
    pdf.ln(8)
    pdf.set_font("cjk", size=BODY_PT)
    write_lines(pdf, wrap(letter.addressee, width, pdf.get_string_width), LINE_MM, "L", justify=True)
    for paragraph in letter.paragraphs:
        lines = wrap(paragraph, width, pdf.get_string_width, indent=INDENT)
        write_lines(pdf, lines, LINE_MM, "L", justify=True)

    # Issuer and date on the right, the date under the issuer's centre, kept together on one page with room
    # above for the seal.
    issuer_width = min(
        width, max(pdf.get_string_width(letter.issuer), pdf.get_string_width(cn_date(letter.date)))
    )
    issuer_width += 2 * pdf.font_size  # two characters from the right margin
    if pdf.get_y() + LINE_MM * 3.5 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(LINE_MM * 1.5)
    x = pdf.l_margin + width - issuer_width
    for line in (letter.issuer, cn_date(letter.date)):
        pdf.set_x(x)
        pdf.cell(
            issuer_width - 2 * pdf.font_size, LINE_MM, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
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
        font_path, index = _choose_font(letter.text() + "0123456789{}")
        return letter, layout(letter, font_path, index)
