"""The shared upload checks: zip archives are judged by their central directory before anything unpacks them,
and images by their bytes, with a clear message whatever the image reader makes of them."""

import io
import zipfile

import openpyxl
import pytest
from PIL import Image

from minqing.core import uploads
from minqing.core.errors import ServiceError
from minqing.core.uploads import ArchiveError, check_archive, check_upload

from .images import huge_png
from .zips import MB, many_entries, workbook_bomb


def _real_workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["户编号", "姓名"])
    book.active.append(["新1", "张三"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_bomb_built_for_these_tests_is_a_real_zip_whose_sheet_unpacks_in_full():
    bomb = workbook_bomb(_real_workbook(), 3)
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert archive.read("xl/worksheets/sheet1.xml") == bytes(3 * MB)  # CRC checked by zipfile
        assert archive.testzip() is None


def test_an_ordinary_workbook_passes():
    check_archive(_real_workbook(), "户.xlsx")


def test_a_workbook_of_one_and_a_half_mb_that_unpacks_to_one_and_a_half_gb_is_refused_by_its_size():
    bomb = workbook_bomb(_real_workbook(), 1500)
    assert len(bomb) < 2 * MB
    with pytest.raises(ArchiveError) as caught:
        check_archive(bomb, "户.xlsx")
    assert not caught.value.damaged
    assert "“户.xlsx”解压后有 1500 MB" in caught.value.message and "512 MB" in caught.value.message


def test_a_bomb_below_the_size_limit_is_refused_by_its_compression_ratio():
    with pytest.raises(ArchiveError) as caught:
        check_archive(workbook_bomb(_real_workbook(), 200), "户.xlsx")
    assert "压缩比异常" in caught.value.message


def test_the_limits_are_settings(settings):
    settings.MINQING_ARCHIVE_MAX_UNPACKED_BYTES = 2 * MB
    with pytest.raises(ArchiveError, match="超过 2 MB"):
        check_archive(workbook_bomb(_real_workbook(), 3, sheet="xl/styles.xml"), "a.xlsx")
    settings.MINQING_ARCHIVE_MAX_UNPACKED_BYTES = 512 * MB
    settings.MINQING_ARCHIVE_MAX_RATIO = 10_000
    check_archive(workbook_bomb(_real_workbook(), 200), "a.xlsx")


def test_a_directory_of_too_many_entries_is_refused_before_a_zip_reader_builds_it(settings):
    settings.MINQING_ARCHIVE_MAX_ENTRIES = 100
    with pytest.raises(ArchiveError, match="内含 101 个部件"):
        check_archive(many_entries(101), "a.xlsx")
    check_archive(many_entries(100), "a.xlsx")


@pytest.mark.parametrize(
    "content",
    [b"", b"PK\x03\x04 not a zip", b"\x00" * 100, b"PK\x05\x06"],
    ids=["empty", "head", "zeros", "cut"],
)
def test_what_is_not_a_zip_is_refused_as_damaged(content):
    with pytest.raises(ArchiveError) as caught:
        check_archive(content, "a.xlsx")
    assert caught.value.damaged and "已损坏" in caught.value.message


# --------------------------------------------------------------------------------------------------
# Images


def _png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_png_of_thirty_thousand_pixels_square_is_refused_with_a_clear_message():
    content = huge_png(30_000, 30_000)
    assert len(content) < 200 * 1024
    with pytest.raises(ServiceError) as caught:
        check_upload("现场.png", io.BytesIO(content), len(content))
    assert caught.value.message == "附件“现场.png”图片尺寸过大（超过 80 百万像素），请缩小后再上传。"


def test_a_canvas_that_pillow_only_warns_about_is_refused_too():
    content = huge_png(10_000, 9_000)  # 90 million pixels: above Pillow's warning, below its error
    with pytest.raises(ServiceError, match="图片尺寸过大"):
        check_upload("a.png", io.BytesIO(content), len(content))


def test_the_pixel_limit_is_explicit_and_a_setting(settings):
    content = _png(40, 30)
    assert check_upload("a.png", io.BytesIO(content), len(content)).content_type == "image/png"
    settings.MINQING_IMAGE_MAX_PIXELS = 40 * 30 - 1
    with pytest.raises(ServiceError, match="图片尺寸过大"):
        check_upload("a.png", io.BytesIO(content), len(content))


def test_any_exception_of_the_image_reader_becomes_the_damaged_image_message(monkeypatch):
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("decoder crashed")

    monkeypatch.setattr(uploads.Image, "open", broken)
    content = _png()
    with pytest.raises(ServiceError, match=r"“a\.png”图片已损坏"):
        check_upload("a.png", io.BytesIO(content), len(content))
