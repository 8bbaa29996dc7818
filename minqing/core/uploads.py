"""Checking an upload by its bytes, not by what its name or the browser claims: attachments (images, PDFs)
and the zip archives behind workbooks, whose unpacked size is bounded before any reader opens them."""

import hashlib
import io
import struct
import warnings
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

from minqing.core.errors import ServiceError


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str
    names: tuple[str, ...]  # file-name extensions that may carry this kind


KINDS = (
    Kind("image/jpeg", "jpg", ("jpg", "jpeg")),
    Kind("image/png", "png", ("png",)),
    Kind("image/gif", "gif", ("gif",)),
    Kind("image/webp", "webp", ("webp",)),
    Kind("application/pdf", "pdf", ("pdf",)),
)
ALLOWED_NAMES = tuple(name for kind in KINDS for name in kind.names)


def _sniff(head: bytes) -> Kind | None:
    if head.startswith(b"\xff\xd8\xff"):
        return KINDS[0]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS[1]
    if head.startswith((b"GIF87a", b"GIF89a")):
        return KINDS[2]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return KINDS[3]
    if head.startswith(b"%PDF-"):
        return KINDS[4]
    return None


_PILLOW_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")


def _too_many_pixels(display: str) -> ServiceError:
    return ServiceError(
        _("附件“%(name)s”图片尺寸过大（超过 %(mp)d 百万像素），请缩小后再上传。")
        % {"name": display, "mp": settings.MINQING_IMAGE_MAX_PIXELS // 1_000_000}
    )


def _check_image(data: bytes, display: str) -> None:
    """The image opens and its canvas is within the pixel limit. Fails closed: whatever the image reader
    raises or warns about becomes the user's message, never a 500. A few KB of PNG can announce a canvas of
    billions of pixels, which Pillow refuses with an exception of its own (DecompressionBombError) or only
    warns about, so the limit here is explicit, below Pillow's."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS) as image:
                width, height = image.size
                if width * height > settings.MINQING_IMAGE_MAX_PIXELS:
                    raise _too_many_pixels(display)
                image.verify()
    except ServiceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(display) from exc
    except Exception as exc:  # a damaged image makes Pillow raise many unrelated types
        raise ServiceError(_("附件“%(name)s”图片已损坏，无法打开。") % {"name": display}) from exc


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    extension: str
    size: int
    sha256: str
    data: bytes


def check_upload(name: str, stream: IO[bytes], size: int | None = None) -> CheckedFile:
    """Read and check one upload: an image (JPEG/PNG/GIF/WebP that really decodes) or a PDF, within the size
    limit, whose name's extension agrees with its content. Raises ServiceError naming the file otherwise."""
    limit = settings.MINQING_ATTACHMENT_MAX_BYTES
    display = (name or "").strip()[:200] or _("附件")
    if size is not None and size > limit:
        raise ServiceError(
            _("附件“%(name)s”超过 %(mb)d MB，请压缩后再上传。")
            % {"name": display, "mb": limit // (1024 * 1024)}
        )
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(
            _("附件“%(name)s”超过 %(mb)d MB，请压缩后再上传。")
            % {"name": display, "mb": limit // (1024 * 1024)}
        )
    if not data:
        raise ServiceError(_("附件“%(name)s”是空文件。") % {"name": display})
    kind = _sniff(data[:16])
    suffix = display.rsplit(".", 1)[-1].lower() if "." in display else ""
    if kind is None:
        raise ServiceError(
            _("附件“%(name)s”不是可接受的图片或 PDF 文件（只接受 JPG、PNG、GIF、WebP、PDF）。")
            % {"name": display}
        )
    if suffix and suffix not in kind.names:
        raise ServiceError(
            _("附件“%(name)s”的内容与文件名不符：文件名是 .%(suffix)s，内容却是 %(kind)s。")
            % {"name": display, "suffix": suffix, "kind": kind.extension.upper()}
        )
    if kind.content_type.startswith("image/"):
        _check_image(data, display)
    elif b"%%EOF" not in data[-2048:]:
        raise ServiceError(_("附件“%(name)s”PDF 文件不完整。") % {"name": display})
    if not suffix:
        display = f"{display}.{kind.extension}"
    return CheckedFile(
        name=display,
        content_type=kind.content_type,
        extension=kind.extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )


# --------------------------------------------------------------------------------------------------
# Zip archives (.xlsx workbooks)

_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
# Below this an entry's ratio says nothing: a few KB of XML may compress a hundredfold and cost nothing.
_RATIO_FLOOR = 1024 * 1024


class ArchiveError(ServiceError):
    """An archive refused before it was unpacked. `damaged`: it is not a readable zip at all (the caller may
    prefer its own words for that), rather than one too large to unpack."""

    def __init__(self, message: str, *, damaged: bool = False) -> None:
        super().__init__(message)
        self.damaged = damaged


def _declared_entries(content: bytes) -> int | None:
    """How many entries the end-of-central-directory record announces (zip64 included), read from the bytes
    themselves so that a directory of millions of entries is refused before a zip reader builds it."""
    at = content.rfind(_EOCD, max(0, len(content) - _EOCD_SIZE - 0xFFFF))
    if at < 0 or at + _EOCD_SIZE > len(content):
        return None
    total: int = struct.unpack_from("<H", content, at + 10)[0]
    locator = at - 20
    if total == 0xFFFF and locator >= 0 and content[locator : locator + 4] == _ZIP64_LOCATOR:
        offset: int = struct.unpack_from("<Q", content, locator + 8)[0]
        if content[offset : offset + 4] == _ZIP64_EOCD and offset + 56 <= len(content):
            total = struct.unpack_from("<Q", content, offset + 32)[0]
    return total


def check_archive(content: bytes, name: str = "") -> None:
    """Refuse a zip archive whose central directory announces more unpacked bytes, more entries or a higher
    compression ratio than a real upload has (a zip bomb), before any reader unpacks it. Raises ArchiveError.

    The declared sizes are enough: zipfile and calamine both stop with an error when an entry unpacks to more
    than its directory entry states, so an archive cannot lie its way past this check."""
    display = (name or "").strip()[:200] or _("上传的文件")
    entries = _declared_entries(content)
    if entries is None:
        raise ArchiveError(_("文件“%(name)s”已损坏，无法打开。") % {"name": display}, damaged=True)
    if entries > settings.MINQING_ARCHIVE_MAX_ENTRIES:
        raise ArchiveError(
            _("文件“%(name)s”内含 %(n)d 个部件，远超正常 Excel 文件，已拒收。")
            % {"name": display, "n": entries}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error) as exc:
        raise ArchiveError(_("文件“%(name)s”已损坏，无法打开。") % {"name": display}, damaged=True) from exc
    limit = settings.MINQING_ARCHIVE_MAX_UNPACKED_BYTES
    max_ratio = settings.MINQING_ARCHIVE_MAX_RATIO
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limit:
        raise ArchiveError(
            _("文件“%(name)s”解压后有 %(size)d MB，超过 %(limit)d MB 的上限，已拒收；请分成几个文件上传。")
            % {"name": display, "size": unpacked // 1024**2, "limit": limit // 1024**2}
        )
    for info in infos:
        if info.file_size > _RATIO_FLOOR and info.file_size > max_ratio * max(info.compress_size, 1):
            raise ArchiveError(
                _("文件“%(name)s”的压缩比异常（超过 %(ratio)d 倍），不像正常的 Excel 文件，已拒收。")
                % {"name": display, "ratio": max_ratio}
            )
