"""Positional encodings on an image grid: 1-D sin/cos over raster order vs 2-D sin/cos (MAE).

A ViT cuts an image into a rows x cols grid of patches and flattens it row by row. A 1-D
encoding then sees patch (r, c) at position r * cols + c, so the last patch of one row and the
first of the next are "neighbours" (offset 1), while the patch just below is cols positions
away. MAE's `get_2d_sincos_pos_embed` instead gives half the dimensions to the row index and
half to the column index (CONCEPTS.md section 8).
"""

from __future__ import annotations

import numpy as np

from core.labs.arrays import cosine_similarity
from core.positional import frequencies


def sincos_1d(positions: np.ndarray, d: int) -> np.ndarray:
    """MAE's `get_1d_sincos_pos_embed_from_grid`: [len(positions), d] = [sin(p w) | cos(p w)],
    w_i = 10000^(-i/(d/2)). Same Gram matrix as the paper's interleaved layout."""
    if d % 2:
        raise ValueError(f"d must be even, got {d}")
    omega = frequencies(d).numpy()  # w_i = 10000^(-2i/d)
    angles = np.outer(np.asarray(positions, dtype=np.float64), omega)
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1)


def grid_encodings(rows: int = 14, cols: int = 14, d_model: int = 768) -> dict[str, np.ndarray]:
    """{"1-D": [rows*cols, d] over raster order, "2-D": [rows*cols, d] = [rows half | cols half]}."""
    if d_model % 4:
        raise ValueError(f"d_model must be divisible by 4 for the 2-D encoding, got {d_model}")
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    return {"1-D": sincos_1d(np.arange(rows * cols), d_model),
            "2-D": np.concatenate([sincos_1d(r.ravel(), d_model // 2),
                                   sincos_1d(c.ravel(), d_model // 2)], axis=1)}


def similarity_map(pe: np.ndarray, rows: int, cols: int, anchor: tuple[int, int]) -> np.ndarray:
    """Cosine similarity of patch `anchor` (row, col) to every patch: [rows, cols]."""
    i = anchor[0] * cols + anchor[1]
    return cosine_similarity(pe, pe[i:i + 1])[:, 0].reshape(rows, cols)


def neighbour_similarities(rows: int = 14, cols: int = 14, d_model: int = 768,
                           anchor: tuple[int, int] = (5, 5)) -> dict[str, dict[str, float]]:
    """Cosine similarity to the right neighbour, the patch below, and across the row wrap
    (last patch of row anchor_row, first of the next): for d=768 on 14x14,
    1-D 0.973 / 0.657 / 0.973 and 2-D 0.986 / 0.986 / 0.817 (CONCEPTS.md section 8)."""
    out = {}
    r0, c0 = anchor
    for name, pe in grid_encodings(rows, cols, d_model).items():
        def cos(a: tuple[int, int], b: tuple[int, int], pe=pe) -> float:
            return float(cosine_similarity(pe[[a[0] * cols + a[1]]], pe[[b[0] * cols + b[1]]])[0, 0])

        out[name] = {"right": cos((r0, c0), (r0, c0 + 1)), "below": cos((r0, c0), (r0 + 1, c0)),
                     "row wrap": cos((r0, cols - 1), (r0 + 1, 0))}
    return out
