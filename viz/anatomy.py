"""Figures of one layer's anatomy (core/labs/anatomy.py BlockWalk arrays in, go.Figure out)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.theme import CATEGORICAL, SEQUENTIAL, base_layout, tick_room, token_axis, token_label

PART_COLOURS = {"embedding": CATEGORICAL[4], "input": CATEGORICAL[8], "norm": CATEGORICAL[2],
                "attention": CATEGORICAL[0], "residual": CATEGORICAL[1], "feed-forward": CATEGORICAL[5]}


NORM_TICKS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
CELL_NUMBERS_UP_TO = 14  # tokens; past this the numbers would not fit their cells (hover keeps them)


def short_number(x: float) -> str:
    """At most three characters for a cell: '0.8', '7.4', '12', '210' (precision in the hover)."""
    return f"{x:.1f}" if abs(round(x, 1)) < 10 else f"{x:.0f}"


def step_norms(names: Sequence[str], shapes: Sequence[str], tokens: Sequence[str], norms: np.ndarray,
               title: str = "Every step of the block: each token's vector norm") -> go.Figure:
    """Heatmap: steps (top to bottom, in the order the model runs them) x tokens; colour = ‖x‖ on a
    log scale (a feed-forward output of norm 200 would otherwise leave every other step one colour),
    the colour bar labelled in norms. Short inputs print each norm in its cell (three characters).

    norms [steps, tokens]; shapes: a label per step such as '11 × 384'."""
    norms = np.asarray(norms, dtype=np.float32)
    labels = [f"{i}. {n} [{s.replace(' ', '')}]" for i, (n, s) in enumerate(zip(names, shapes))]
    logs = np.log10(np.maximum(norms, 1e-6))
    lo, hi = float(logs.min()), float(logs.max())
    ticks = [t for t in NORM_TICKS if lo - 0.05 <= np.log10(t) <= hi + 0.05] or [float(10 ** lo)]
    cells = {}
    if len(tokens) <= CELL_NUMBERS_UP_TO:
        cells = dict(text=[[short_number(x) for x in row] for row in norms], texttemplate="%{text}",
                     textfont=dict(size=11))
    fig = go.Figure(go.Heatmap(
        z=logs, customdata=norms, colorscale=SEQUENTIAL, zmin=min(lo, hi - 1e-3), zmax=hi,
        colorbar=dict(title="‖x‖ (log)", thickness=12, tickvals=[float(np.log10(t)) for t in ticks],
                      ticktext=[f"{t:g}" for t in ticks]),
        hovertemplate="%{y}<br>token %{x}: ‖x‖ = %{customdata:.3f}<extra></extra>", **cells))
    fig.update_xaxes(**token_axis(list(tokens)), side="top")
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(labels))), ticktext=labels,
                     autorange="reversed")
    base_layout(fig, title, height=max(320, 34 * len(names) + 120))
    return fig.update_layout(margin=dict(t=60 + tick_room([token_label(t) for t in tokens])))


def follow_token(names: Sequence[str], parts: Sequence[str], norm: np.ndarray, cosine: np.ndarray,
                 token: str) -> go.Figure:
    """One token through the block: its norm (bars, coloured by kind of step) and its cosine to the
    block input (line) at every step."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("‖x‖ of this token", "cosine to the block input"))
    x = list(range(len(names)))
    fig.add_trace(go.Bar(x=x, y=norm, marker_color=[PART_COLOURS.get(p, CATEGORICAL[7]) for p in parts],
                         hovertext=list(names), hovertemplate="%{hovertext}: %{y:.3f}<extra></extra>",
                         showlegend=False), 1, 1)
    fig.add_trace(go.Scatter(x=x, y=cosine, mode="lines+markers", line=dict(color=CATEGORICAL[0]),
                             hovertext=list(names), hovertemplate="%{hovertext}: %{y:.3f}<extra></extra>",
                             showlegend=False), 2, 1)
    fig.update_yaxes(range=[-1.05, 1.05], row=2, col=1)
    # text ending at its tick, running down-left: a label running right of the last tick would be hidden
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=list(names), tickangle=-35, row=2, col=1)
    return base_layout(fig, f"Following “{token_label(token)}” through the block", height=560)


def heads_to_output(heads: np.ndarray, out: np.ndarray, token: str) -> go.Figure:
    """For one token: each head's attention vector (weights @ v), side by side = the concatenation,
    then the output projection W_O of that concatenation. heads [heads, d_head]; out [d_model]."""
    n_heads, d_head = heads.shape
    concat = heads.reshape(-1)
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.24,
                        subplot_titles=(f"concat of {n_heads} heads × {d_head} values",
                                        "× W_O: what is added to the residual"))
    for h in range(n_heads):
        xs = np.arange(h * d_head, (h + 1) * d_head)
        fig.add_trace(go.Bar(x=xs, y=concat[xs], marker_color=CATEGORICAL[h % len(CATEGORICAL)],
                             hovertemplate=f"head {h}, dim %{{x}}: %{{y:.3f}}<extra></extra>",
                             showlegend=False), 1, 1)
    fig.add_trace(go.Bar(x=np.arange(out.shape[0]), y=out, marker_color=CATEGORICAL[8], showlegend=False,
                         hovertemplate="dim %{x}: %{y:.3f}<extra></extra>"), 2, 1)
    fig.update_layout(bargap=0)
    return base_layout(fig, f"Attention vectors of “{token_label(token)}”: heads → concat → W_O", height=520)


def ffn_position_check(alone: np.ndarray, in_sentence: np.ndarray, tokens: Sequence[str]) -> go.Figure:
    """Scatter: FFN(x_i) computed on its own (x) against FFN row i of the whole sentence (y), for a
    few tokens. Position-wise weights put every point on the diagonal. alone, in_sentence [n, d]."""
    fig = go.Figure()
    lo = float(min(alone.min(), in_sentence.min()))
    hi = float(max(alone.max(), in_sentence.max()))
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", line=dict(color="#999", dash="dot"),
                             name="y = x", hoverinfo="skip"))
    for i, tok in enumerate(tokens):
        fig.add_trace(go.Scatter(x=alone[i], y=in_sentence[i], mode="markers", name=token_label(tok),
                                 marker=dict(size=5, color=CATEGORICAL[i % len(CATEGORICAL)])))
    fig.update_xaxes(title="FFN(x) for this token alone")
    fig.update_yaxes(title="FFN output in the sentence", scaleanchor="x")
    fig.update_layout(legend=dict(orientation="h", y=-0.2))
    return base_layout(fig, "Same weights at every position: each token alone = in the sentence", height=460)
