"""Tiny PNG encoder (NumPy + zlib) for heatmaps, sent inline as data: URIs (the CSP allows data: images)."""
from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

# a smooth 48 x 48 map: level 1 takes 40% of level 6's time for 6% more bytes (an update draws 8)
ZLIB_LEVEL = 1


def _chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_bytes(rgb: np.ndarray) -> bytes:
    """(height, width, 3) uint8 -> PNG file bytes (8-bit RGB, no filter)."""
    height, width, _channels = rgb.shape
    raw = np.zeros((height, 1 + width * 3), dtype=np.uint8)  # each row starts with filter byte 0
    raw[:, 1:] = rgb.reshape(height, width * 3)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw.tobytes(), ZLIB_LEVEL)) + _chunk(b"IEND", b"")


def png_data_uri(rgb: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgb)).decode("ascii")
