"""Figures of embedding space: a word's vector, its neighbours, a 2-D PCA map and a sentence
similarity matrix (arrays from core/labs/embeddings.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz.theme import CATEGORICAL, DIVERGING, base_layout, token_label


def vector_values(word: str, vector: np.ndarray, n: int = 16) -> go.Figure:
    """The first n values of a word's vector, as the card writes them ('dog' → [0.22, 0.73, …])."""
    v = np.asarray(vector, dtype=np.float64)[:n]
    fig = go.Figure(go.Bar(x=list(range(len(v))), y=v, text=[f"{x:.2f}" for x in v], textposition="outside",
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


def pca_map(words: Sequence[str], coords: np.ndarray, explained: np.ndarray,
            averaged: Sequence[bool] | None = None) -> go.Figure:
    """2-D PCA scatter of word vectors; words averaged over sub-word pieces are drawn as diamonds."""
    averaged = list(averaged) if averaged is not None else [False] * len(words)
    fig = go.Figure(go.Scatter(
        x=coords[:, 0], y=coords[:, 1] if coords.shape[1] > 1 else np.zeros(len(words)),
        mode="markers+text", text=[token_label(w) for w in words], textposition="top center",
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
    return base_layout(fig, title, height=max(320, 48 * len(labels) + 120))
