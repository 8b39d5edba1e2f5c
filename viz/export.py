"""Export a figure or a capture to files: PNG, SVG (kaleido + Chromium), offline HTML, npz + JSON."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio


def to_image(fig: go.Figure, fmt: str = "png", scale: float = 2.0) -> bytes:
    """PNG or SVG bytes of exactly this figure (kaleido drives the system Chromium).

    Raises RuntimeError with a fix when no Chromium is installed."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"fmt must be 'png' or 'svg', got {fmt!r}")
    width = fig.layout.width or 1100
    height = fig.layout.height or 500
    try:
        return pio.to_image(fig, format=fmt, width=width, height=height, scale=scale if fmt == "png" else 1)
    except Exception as exc:  # kaleido reports a missing browser in several ways
        raise RuntimeError(
            f"{fmt.upper()} export needs Chromium (run `bash setup.sh`, which installs Debian's "
            f"chromium): {exc}") from exc


def to_html(fig: go.Figure) -> bytes:
    """A standalone HTML page with plotly.js embedded: opens offline, no CDN."""
    return pio.to_html(fig, include_plotlyjs=True, full_html=True).encode()


def capture_to_npz(capture, names: list[str] | None = None) -> bytes:
    """A zip holding `tensors.npz` (float32 / bool arrays by capture name, plus `grad:` names)
    and `tokens.json` (tokens, target_tokens, meta)."""
    arrays = {}
    for name in names or list(capture):
        arrays[name] = capture[name].numpy()
    for name, grad in capture.grads.items():
        if names is None or name in names:
            arrays[f"grad:{name}"] = grad.numpy()
    tensors = io.BytesIO()
    np.savez_compressed(tensors, **arrays)
    info = {"tokens": capture.tokens, "target_tokens": capture.target_tokens,
            "meta": {k: v for k, v in capture.meta.items() if _jsonable(v)}}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("tensors.npz", tensors.getvalue())
        zf.writestr("tokens.json", json.dumps(info, indent=1, ensure_ascii=False))
    return out.getvalue()


def _jsonable(value) -> bool:
    try:
        json.dumps(value)
        return True
    except TypeError:
        return False
