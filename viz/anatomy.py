"""Figures of one layer's anatomy (core/labs/anatomy.py BlockWalk arrays in, go.Figure out)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.theme import CATEGORICAL, SEQUENTIAL, base_layout, token_axis, token_label

PART_COLOURS = {"embedding": CATEGORICAL[4], "input": CATEGORICAL[8], "norm": CATEGORICAL[2],
                "attention": CATEGORICAL[0], "residual": CATEGORICAL[1], "feed-forward": CATEGORICAL[5]}


def step_norms(names: Sequence[str], shapes: Sequence[str], tokens: Sequence[str], norms: np.ndarray,
               title: str = "Every step of the block: each token's vector norm") -> go.Figure:
    """Heatmap: steps (top to bottom, in the order the model runs them) x tokens; colour = ‖x‖.

    norms [steps, tokens]; shapes: a label per step such as '11 × 384'."""
    norms = np.asarray(norms, dtype=np.float32)
    labels = [f"{i}. {n}  [{s}]" for i, (n, s) in enumerate(zip(names, shapes))]
    fig = go.Figure(go.Heatmap(z=norms, colorscale=SEQUENTIAL, colorbar=dict(title="‖x‖", thickness=12),
                               text=np.round(norms, 1), texttemplate="%{text}", textfont=dict(size=10),
                               hovertemplate="%{y}<br>token %{x}: ‖x‖ = %{z:.3f}<extra></extra>"))
    fig.update_xaxes(**token_axis(list(tokens)), side="top")
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(labels))), ticktext=labels,
                     autorange="reversed")
    return base_layout(fig, title, height=max(320, 34 * len(names) + 120))


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
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=list(names), tickangle=35, row=2, col=1)
    return base_layout(fig, f"Following “{token_label(token)}” through the block", height=560)


def heads_to_output(heads: np.ndarray, out: np.ndarray, token: str) -> go.Figure:
    """For one token: each head's attention vector (weights @ v), side by side = the concatenation,
    then the output projection W_O of that concatenation. heads [heads, d_head]; out [d_model]."""
    n_heads, d_head = heads.shape
    concat = heads.reshape(-1)
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.18,
                        subplot_titles=(f"{n_heads} head vectors of {d_head} values, concatenated",
                                        "after the output projection W_O (what is added to the residual)"))
    for h in range(n_heads):
        xs = np.arange(h * d_head, (h + 1) * d_head)
        fig.add_trace(go.Bar(x=xs, y=concat[xs], marker_color=CATEGORICAL[h % len(CATEGORICAL)],
                             hovertemplate=f"head {h}, dim %{{x}}: %{{y:.3f}}<extra></extra>",
                             showlegend=False), 1, 1)
    fig.add_trace(go.Bar(x=np.arange(out.shape[0]), y=out, marker_color=CATEGORICAL[8], showlegend=False,
                         hovertemplate="dim %{x}: %{y:.3f}<extra></extra>"), 2, 1)
    fig.update_layout(bargap=0)
    return base_layout(fig, f"Attention vectors of “{token_label(token)}”: heads → concat → W_O", height=480)


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
