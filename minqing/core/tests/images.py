"""Helpers (no tests here): real images whose canvas is huge while their file is small, built from a few KB of
deflate so that neither the file nor its pixels are ever held in memory by the test."""

import struct
import zlib

_CHUNK = bytes(1024 * 1024)


def _zeros_zlib(count: int) -> bytes:
    """A zlib stream of `count` zero bytes. A full flush leaves the compressor as it started, so every full
    chunk compresses to the same bytes: one is made and repeated."""
    compressor = zlib.compressobj(9)
    head = compressor.compress(b"")
    chunk = compressor.compress(_CHUNK) + compressor.flush(zlib.Z_FULL_FLUSH)
    whole, rest = divmod(count, len(_CHUNK))
    adler = 1
    for _ in range(whole):
        adler = zlib.adler32(_CHUNK, adler)
    adler = zlib.adler32(bytes(rest), adler)
    tail_compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = tail_compressor.compress(bytes(rest)) + tail_compressor.flush()
    return head + chunk * whole + tail + struct.pack(">I", adler)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int, height: int) -> bytes:
    """A complete, valid black 1-bit PNG of width × height pixels (30,000 × 30,000 is about 110 KB)."""
    row = 1 + (width + 7) // 8  # the filter byte (0: none) and the packed pixels, all zero
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", _zeros_zlib(row * height))
        + _png_chunk(b"IEND", b"")
    )
