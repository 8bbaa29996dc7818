"""Helpers (no tests here): real zip bombs, built in memory from a few KB of deflate so that nothing large is
kept on disk or held while the test builds them."""

import io
import struct
import zipfile
import zlib

MB = 1024 * 1024
_ZEROS = bytes(MB)


def _zero_stream(megabytes: int) -> tuple[bytes, int]:
    """A raw deflate stream of `megabytes` MB of zeros and its CRC-32. A full flush after a chunk leaves the
    compressor as it started, so every chunk compresses to the same bytes: one is made and repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = compressor.compress(_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(_ZEROS, crc)
    return chunk * megabytes + compressor.flush(), crc


def _entry(name: str, data: bytes) -> tuple[str, bytes, int, int]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return name, compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


def _write(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of deflated entries (name, compressed bytes, CRC-32, unpacked size), as any zip tool writes it."""
    out = io.BytesIO()
    directory = io.BytesIO()
    for name, compressed, crc, size in entries:
        encoded = name.encode()
        offset = out.tell()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(compressed), size, len(encoded), 0
            )
        )
        out.write(encoded + compressed)
        # Central directory header: versions, flags, method, time, date, CRC, sizes, name length, no extra,
        # comment, disk or attributes, then where the local header is.
        fields = (0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(compressed), size, len(encoded), 0, 0, 0, 0, 0)
        directory.write(struct.pack("<IHHHHHHIIIHHHHHII", *fields, offset) + encoded)
    start = out.tell()
    out.write(directory.getvalue())
    count = len(entries)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory.getvalue()), start, 0))
    return out.getvalue()


def workbook_bomb(workbook: bytes, megabytes: int, sheet: str = "xl/worksheets/sheet1.xml") -> bytes:
    """`workbook` (a real .xlsx) with its sheet `sheet` replaced by `megabytes` MB that deflate to about a
    thousandth of that: the shape of the 1.5 MB workbook that unpacks to 1.5 GB."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        entries = [
            _entry(info.filename, archive.read(info)) for info in archive.infolist() if info.filename != sheet
        ]
    stream, crc = _zero_stream(megabytes)
    return _write([*entries, (sheet, stream, crc, megabytes * MB)])


def many_entries(count: int) -> bytes:
    """A small zip of `count` empty entries."""
    return _write([_entry(f"xl/part{i}.xml", b"") for i in range(count)])
