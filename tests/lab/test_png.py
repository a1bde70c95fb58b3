"""The heatmap PNG encoder writes a valid RGB PNG that decodes back to the same pixels."""
import struct
import zlib

import numpy as np

from app.ui.png import png_bytes, png_data_uri


def test_png_round_trip():
    rgb = np.arange(4 * 3 * 3, dtype=np.uint8).reshape(4, 3, 3)
    data = png_bytes(rgb)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (width, height, depth, colour) == (3, 4, 8, 2)
    idat_length = struct.unpack(">I", data[33:37])[0]
    raw = zlib.decompress(data[41:41 + idat_length])
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(4, 1 + 9)
    assert (rows[:, 0] == 0).all()
    assert (rows[:, 1:].reshape(4, 3, 3) == rgb).all()
    assert png_data_uri(rgb).startswith("data:image/png;base64,iVBORw0KGgo")
