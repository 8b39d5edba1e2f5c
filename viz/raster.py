"""Matrices as PNG images for Plotly layout images: colour lookup tables and a tiny PNG encoder.

Why: in Streamlit 1.67 a chart that holds any heatmap (or image) trace returns no points when
clicked, so a clickable overview draws its pixels as a layout image (not a trace) under
invisible click targets. No Pillow needed: PNG is zlib-compressed rows plus three chunks.
"""

from __future__ import annotations

import base64
import struct
import zlib
from functools import lru_cache

import numpy as np
from plotly.colors import get_colorscale, sample_colorscale, unlabel_rgb


@lru_cache(maxsize=16)
def colormap_lut(scale: str, n: int = 256) -> np.ndarray:
    """A named Plotly colour scale sampled at n points: uint8 [n, 3] (index 0 = low end)."""
    colors = sample_colorscale(get_colorscale(scale), list(np.linspace(0.0, 1.0, n)), colortype="rgb")
    return np.array([unlabel_rgb(c) for c in colors], dtype=np.float64).round().astype(np.uint8)


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode uint8 [height, width, 3] as a PNG file."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must be [height, width, 3], got {rgb.shape}")
    height, width = rgb.shape[:2]
    rows = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, width * 3)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b""))


def png_data_uri(rgb: np.ndarray) -> str:
    """'data:image/png;base64,...' for a Plotly layout image source."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgb)).decode()


def decode_png(data: bytes) -> np.ndarray:
    """Inverse of png_bytes for the files it writes (filter 0 rows): uint8 [height, width, 3].
    For tests and for reading a figure's pixels back."""
    if data.startswith(b"data:"):
        data = base64.b64decode(data.split(b",", 1)[1])
    pos, width, height, raw = 8, 0, 0, b""
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            raw += body
        pos += 12 + length
    rows = np.frombuffer(zlib.decompress(raw), np.uint8).reshape(height, width * 3 + 1)
    return rows[:, 1:].reshape(height, width, 3)
