"""One head of a long input, pooled for display: blocks of f × f token pairs become one cell, so
a 1024-token head is drawn as at most 256 × 256 cells (about 1 MB of figure JSON, not 29 MB).

What a pooled cell shows, exactly (f tokens per block; edge blocks hold fewer):
- **weights**: the weight a block of queries gives a block of keys, *summed over the block's keys
  and averaged over its queries*: P[I, J] = mean_{i∈I} Σ_{j∈J} A[i, j]. Every pooled row is
  itself a distribution over key blocks: it sums to 1, like a row of A.
- **scores**: the mean of the block's allowed (unmasked) scores; a block with no allowed cell is
  masked (grey).
- **V** and **vectors**: the mean of the block's rows (per dimension).
Axes are categories named by the token range of each block ("12–15 ‘the’…‘dog’"), so the hover
names the tokens of the cell with one short label per block instead of a string per cell.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.labs.attention_stats import pool_factor
from viz.theme import token_label

MAX_CELLS = 256  # cells per side of a drawn head matrix; longer inputs are pooled


@dataclass
class PooledHead:
    """A head's matrices pooled by `factor` (1 = not pooled): scores, weights [Q, K], mask [Q, K]
    (True = some cell of the block is allowed), v [K, d], vectors [Q, d] (None when absent);
    q_labels [Q], k_labels [K]: the token range of every block (axis categories)."""

    factor: int
    scores: np.ndarray
    weights: np.ndarray
    mask: np.ndarray
    v: np.ndarray | None
    vectors: np.ndarray | None
    q_labels: list[str]
    k_labels: list[str]


def _blocks(x: np.ndarray, f: int, axes: Sequence[int]) -> np.ndarray:
    """Zero-pad `axes` of x to multiples of f and split each into (blocks, f): a [n, m] array
    pooled on both axes becomes [N, f, M, f]."""
    pad = [(0, (-x.shape[a]) % f if a in axes else 0) for a in range(x.ndim)]
    x = np.pad(x, pad)
    shape: list[int] = []
    for a, n in enumerate(x.shape):
        shape += [n // f, f] if a in axes else [n]
    return x.reshape(shape)


def block_counts(n: int, f: int) -> np.ndarray:
    """How many of n positions each block of f holds: [ceil(n / f)] (the last may hold fewer)."""
    return np.minimum(f, n - np.arange(0, n, f))


def pool_weights(weights: np.ndarray, f: int) -> np.ndarray:
    """[q, k] -> [Q, K]: summed over each key block, averaged over each query block (rows sum to 1)."""
    w = np.asarray(weights, dtype=np.float64)
    sums = _blocks(w, f, (0, 1)).sum(axis=(1, 3))
    return sums / block_counts(w.shape[0], f)[:, None]


def pool_scores(scores: np.ndarray, mask: np.ndarray, f: int) -> tuple[np.ndarray, np.ndarray]:
    """[q, k] -> ([Q, K] mean of the allowed scores of each block (NaN where none is allowed),
    [Q, K] bool: the block has an allowed cell)."""
    allowed = np.asarray(mask, dtype=bool)
    s = np.where(allowed, np.asarray(scores, dtype=np.float64), 0.0)
    total = _blocks(s, f, (0, 1)).sum(axis=(1, 3))
    count = _blocks(allowed.astype(np.int64), f, (0, 1)).sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan), count > 0


def pool_rows(x: np.ndarray | None, f: int) -> np.ndarray | None:
    """[n, d] -> [N, d]: the mean of each block of f rows."""
    if x is None:
        return None
    x = np.asarray(x, dtype=np.float64)
    return _blocks(x, f, (0,)).sum(axis=1) / block_counts(x.shape[0], f)[:, None]


def range_labels(tokens: Sequence[str], f: int) -> list[str]:
    """One unique label per block: '12–15 ‘the’…‘dog’' (positions and first…last token), or
    '7 ‘the’' for a block of one token. Plotly-safe (token_label escapes HTML)."""
    out = []
    for start in range(0, len(tokens), f):
        end = min(start + f, len(tokens)) - 1
        first, last = token_label(tokens[start]), token_label(tokens[end])
        out.append(f"{start} ‘{first}’" if end == start else f"{start}–{end} ‘{first}’…‘{last}’")
    return out


def display_factor(n_q: int, n_k: int, max_cells: int = MAX_CELLS) -> int:
    """The block size f pool_head uses for a [n_q, n_k] head (1: drawn cell by cell)."""
    return pool_factor(max(n_q, n_k), max_cells)


def pool_head(scores: np.ndarray, weights: np.ndarray, mask: np.ndarray, v: np.ndarray | None,
              vectors: np.ndarray | None, q_tokens: Sequence[str], k_tokens: Sequence[str],
              max_cells: int = MAX_CELLS) -> PooledHead:
    """Pool one head so neither side has more than max_cells cells (one factor for both sides,
    cells stay square). factor 1 returns the arrays as they are."""
    f = display_factor(len(q_tokens), len(k_tokens), max_cells)
    labels = _labels(tuple(q_tokens), f), _labels(tuple(k_tokens), f)
    if f == 1:  # what the pooling functions return for blocks of one, without padding and copying
        allowed = np.asarray(mask, dtype=bool)
        rows = (None if x is None else np.asarray(x, dtype=np.float64) for x in (v, vectors))
        return PooledHead(1, np.where(allowed, np.asarray(scores, dtype=np.float64), np.nan),
                          np.asarray(weights, dtype=np.float64), allowed, *rows, *labels)
    pooled_scores, pooled_mask = pool_scores(scores, mask, f)
    return PooledHead(f, pooled_scores, pool_weights(weights, f), pooled_mask, pool_rows(v, f),
                      pool_rows(vectors, f), *labels)


@functools.lru_cache(maxsize=16)
def _labels(tokens: tuple[str, ...], f: int) -> list[str]:
    """range_labels, once per token list (every head of a capture shares them; callers only read)."""
    return range_labels(tokens, f)


def category_axis(labels: list[str], ticks: list[str], vertical: bool = False,
                  max_ticks: int = 12) -> dict:
    """A category axis over block labels that prints `ticks[i]` (a short token) for every k-th
    block only; the hover shows the full block label."""
    step = max(1, -(-len(labels) // max(1, max_ticks)))
    vals = labels[::step]
    axis = dict(type="category", tickmode="array", tickvals=vals, ticktext=ticks[::step],
                showgrid=False, zeroline=False, categoryorder="array", categoryarray=labels)
    if vertical:
        axis["autorange"] = "reversed"
    return axis
