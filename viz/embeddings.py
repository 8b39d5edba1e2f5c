"""Figures of embedding space: a word's vector, its neighbours, a 2-D PCA map and a sentence
similarity matrix (arrays from core/labs/embeddings.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz.theme import CATEGORICAL, DIVERGING, base_layout, token_label

BAR_NUMBERS_UP_TO = 8


def vector_values(word: str, vector: np.ndarray, n: int = 16) -> go.Figure:
    """The first n values of a word's vector, as the card writes them ('dog' → [0.22, 0.73, …]);
    up to BAR_NUMBERS_UP_TO bars carry their value (the hover always does)."""
    v = np.asarray(vector, dtype=np.float64)[:n]
    printed = len(v) <= BAR_NUMBERS_UP_TO  # more numbers than this overlap in half a projector
    fig = go.Figure(go.Bar(x=list(range(len(v))), y=v, text=[f"{x:.2f}" for x in v] if printed else None,
                           textposition="outside",
                           marker_color=[CATEGORICAL[0] if x >= 0 else CATEGORICAL[5] for x in v],
                           hovertemplate="dimension %{x}: %{y:.4f}<extra></extra>"))
    fig.update_xaxes(title="dimension", dtick=1)
    pad = 0.25 * float(np.abs(v).max() or 1)
    fig.update_yaxes(range=[min(v.min(), 0) - pad, max(v.max(), 0) + pad])
    return base_layout(fig, f"“{token_label(word)}” → its first {len(v)} of {len(vector)} values", height=330)


def neighbours(word: str, pairs: Sequence[tuple[str, float]], title: str | None = None) -> go.Figure:
    """Horizontal bars: the nearest tokens by cosine, closest on top."""
    labels = [token_label(t) for t, _ in pairs]
    fig = go.Figure(go.Bar(y=labels, x=[c for _, c in pairs], orientation="h", marker_color=CATEGORICAL[2],
                           text=[f"{c:.3f}" for _, c in pairs], textposition="auto",
                           hovertemplate="%{y}: cosine %{x:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="cosine similarity", range=[0, 1])
    return base_layout(fig, title or f"Nearest tokens to “{token_label(word)}”",
                       height=max(300, 32 * len(pairs) + 90))


LABEL_SPOTS = ("top center", "bottom center", "middle right", "middle left", "top right", "top left",
               "bottom right", "bottom left")


def label_positions(x: np.ndarray, y: np.ndarray, labels: Sequence[str], width_px: float = 560,
                    height_px: float = 420, font_px: float = 14) -> list[str]:
    """A plotly textposition per point so that no label covers another label or a marker, where
    possible: each point takes the first of LABEL_SPOTS whose text box (estimated from the label's
    length at `font_px`, on a plot of width_px × height_px) is free; crowded points keep the least
    covered spot."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    span = lambda v: (float(v.max() - v.min()) or 1.0) if len(v) else 1.0
    px = (x - (x.min() if len(x) else 0)) / span(x) * width_px
    py = (y - (y.min() if len(y) else 0)) / span(y) * height_px
    marker = 7.0
    taken = [(a - marker, b - marker, a + marker, b + marker) for a, b in zip(px, py)]  # every marker

    def box(i: int, spot: str) -> tuple[float, float, float, float]:
        w, h = 0.6 * font_px * len(labels[i]), 1.2 * font_px
        vertical, horizontal = spot.split()
        cx = {"center": px[i], "right": px[i] + marker + w / 2, "left": px[i] - marker - w / 2}[horizontal]
        cy = {"middle": py[i], "top": py[i] + marker + h / 2, "bottom": py[i] - marker - h / 2}[vertical]
        return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2

    def covered(b: tuple[float, float, float, float], own: int) -> float:
        area = 0.0
        for k, t in enumerate(taken):
            if k == own:
                continue
            dx = min(b[2], t[2]) - max(b[0], t[0])
            dy = min(b[3], t[3]) - max(b[1], t[1])
            if dx > 0 and dy > 0:
                area += dx * dy
        return area

    out = []
    for i in range(len(labels)):
        best = min(LABEL_SPOTS, key=lambda spot: (covered(box(i, spot), i), LABEL_SPOTS.index(spot)))
        out.append(best)
        taken.append(box(i, best))
    return out


def pca_map(words: Sequence[str], coords: np.ndarray, explained: np.ndarray,
            averaged: Sequence[bool] | None = None) -> go.Figure:
    """2-D PCA scatter of word vectors; words averaged over sub-word pieces are drawn as diamonds.
    Each label sits where it covers no other label or marker (label_positions)."""
    averaged = list(averaged) if averaged is not None else [False] * len(words)
    labels = [token_label(w) for w in words]
    ys = coords[:, 1] if coords.shape[1] > 1 else np.zeros(len(words))
    fig = go.Figure(go.Scatter(
        x=coords[:, 0], y=ys, mode="markers+text", text=labels,
        textposition=label_positions(coords[:, 0], ys, list(words)),
        marker=dict(size=11, color=[CATEGORICAL[5] if a else CATEGORICAL[0] for a in averaged],
                    symbol=["diamond" if a else "circle" for a in averaged]),
        hovertemplate="%{text}<br>PC1 %{x:.3f}, PC2 %{y:.3f}<extra></extra>"))
    ex = list(explained) + [0.0, 0.0]
    fig.update_xaxes(title=f"PC1 ({ex[0]:.1%} of the variance)", zeroline=True)
    fig.update_yaxes(title=f"PC2 ({ex[1]:.1%})", zeroline=True)
    return base_layout(fig, "Word vectors projected on their two main directions (PCA)", height=520)


def similarity_matrix(labels: Sequence[str], sim: np.ndarray, title: str = "Sentence similarity (cosine)"
                      ) -> go.Figure:
    """Cosine similarity heatmap with values written in each cell (diverging, centred at 0)."""
    short = [token_label(s if len(s) <= 28 else s[:27] + "…") for s in labels]
    idx = list(range(len(labels)))
    fig = go.Figure(go.Heatmap(z=np.asarray(sim, dtype=np.float32), zmin=-1, zmax=1, zmid=0,
                               colorscale=DIVERGING,
                               text=np.round(sim, 2), texttemplate="%{text}", colorbar=dict(thickness=12),
                               hovertemplate="%{y} · %{x}: %{z:.3f}<extra></extra>"))
    fig.update_xaxes(tickmode="array", tickvals=idx, ticktext=[str(i + 1) for i in idx], side="top")
    fig.update_yaxes(tickmode="array", tickvals=idx, ticktext=[f"{i + 1}. {s}" for i, s in enumerate(short)],
                     autorange="reversed")
    base_layout(fig, title, height=max(320, 48 * len(labels) + 120))
    return fig.update_layout(margin=dict(t=80))  # the title, then the column numbers on top
