"""Checking an uploaded attachment by its bytes, not by what its name or the browser claims."""

import hashlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

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
        import io

        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ServiceError(_("附件“%(name)s”图片已损坏，无法打开。") % {"name": display}) from exc
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
