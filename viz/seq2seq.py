"""Seq2seq lab figures: one decoding step, alignment vs ground truth, accuracy and gradient by
source length / position, context vectors, training curves.

Arrays and lists in, plotly Figures out; nothing here runs a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.theme import (
    CATEGORICAL,
    COLORBAR_ROOM,
    DIVERGING,
    SEQUENTIAL,
    base_layout,
    colorbar_below,
    tick_room,
    token_axis,
    token_label,
)

KIND_LABELS = {"context": "context (GRU, final state only)", "bicontext": "bicontext (BiGRU, both finals)",
               "attention": "attention (BiGRU + Bahdanau)", "transformer": "transformer (cross-attention)"}
KIND_COLOURS = {"context": CATEGORICAL[5], "bicontext": CATEGORICAL[1], "attention": CATEGORICAL[0],
                "transformer": CATEGORICAL[2]}
CHOSEN, OTHER, EOS_COLOUR = CATEGORICAL[0], "#9aa7b4", CATEGORICAL[5]


def _label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def next_word_figure(top: Sequence[tuple[str, float]], eos_prob: float, step: int,
                     chosen: str | None = None) -> go.Figure:
    """Top-k next-word probabilities at decoding step `step` (0-based) plus <eos>'s.

    top: (word, probability) pairs, descending; the chosen word's bar is highlighted."""
    words = [w for w, _ in top]
    probs = [p for _, p in top]
    if "<eos>" not in words:
        words, probs = words + ["<eos>"], probs + [eos_prob]
    chosen = chosen if chosen is not None else (words[0] if words else None)
    colours = [CHOSEN if w == chosen else (EOS_COLOUR if w == "<eos>" else OTHER) for w in words]
    fig = go.Figure(go.Bar(
        x=probs, y=[token_label(w) for w in words], orientation="h", marker_color=colours,
        text=[f"{p:.3f}" for p in probs], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: p = %{x:.4f}<extra></extra>"))
    fig.update_xaxes(range=[0, 1.18], title_text="probability", tickvals=[0, 0.25, 0.5, 0.75, 1])
    fig.update_yaxes(autorange="reversed")
    return base_layout(fig, f"Step {step + 1}: next-word probabilities", height=330)


# why a context-vector model has no row to draw (short lines: the chart is half a projector wide)
NO_SELF_ATTENTION = ("A GRU decoder has no self-attention:<br>what it wrote so far is folded<br>"
                     "into its one state.")
NO_CROSS_ATTENTION = ("No attention: this decoder's only<br>view of the source is the<br>"
                      "context vector it read.")


def attention_row_figure(weights: np.ndarray | None, labels: Sequence[str], title: str,
                         empty_note: str = "", highlight: Sequence[int] = ()) -> go.Figure:
    """One attention row (weights over `labels`, summing to 1) as bars; `highlight`: positions
    outlined (the grammar's true source words). weights None: the `empty_note` explains why."""
    fig = go.Figure()
    if weights is None:
        fig.add_annotation(text=empty_note, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                           font=dict(size=14))
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return base_layout(fig, title, height=250)
    w = np.asarray(weights, dtype=float)
    marks = set(highlight)
    fig.add_trace(go.Bar(
        x=list(range(len(w))), y=w, marker_color=[CHOSEN if i in marks else OTHER for i in range(len(w))],
        customdata=[token_label(t) for t in labels],
        hovertemplate="%{customdata} (%{x}): weight %{y:.3f}<extra></extra>"))
    fig.update_xaxes(token_axis(list(labels)), tickangle=-60)
    fig.update_yaxes(range=[0, 1], title_text="weight")
    fig = base_layout(fig, title, height=250 + tick_room([token_label(t) for t in labels]) // 2)
    fig.update_layout(margin=dict(b=tick_room([token_label(t) for t in labels])))
    return fig


def alignment_figure(weights: np.ndarray, truth: np.ndarray, source: Sequence[str], target: Sequence[str],
                     model_title: str = "model's cross-attention",
                     truth_title: str = "the grammar's true alignment") -> go.Figure:
    """Model attention [T, S] beside the true alignment [T, S] (0/1), target words top to bottom.

    The model's argmax per row is drawn on the truth panel as a ring, so agreement reads as
    rings on filled cells."""
    w, t = np.asarray(weights, dtype=float), np.asarray(truth, dtype=float)
    fig = make_subplots(rows=1, cols=2, subplot_titles=[model_title, truth_title], horizontal_spacing=0.08)
    hover = "%{y} ← %{x}"
    src_ax, tgt_ax = token_axis(list(source)), token_axis(list(target), vertical=True)
    fig.add_trace(go.Heatmap(z=w, colorscale=SEQUENTIAL, zmin=0, zmax=1,
                             colorbar=colorbar_below(0.0, 0.46, "weight"),
                             hovertemplate="target %{y} ← source %{x}: weight %{z:.3f}<extra></extra>"),
                  row=1, col=1)
    fig.add_trace(go.Heatmap(z=t, colorscale=[[0, "#f4f4f4"], [1, "#404040"]], zmin=0, zmax=1,
                             showscale=False, hovertemplate=hover + ": %{z:.0f}<extra>truth</extra>"),
                  row=1, col=2)
    arg = w.argmax(-1)
    agree = [bool(t[i, a]) for i, a in enumerate(arg)]
    fig.add_trace(go.Scatter(x=arg, y=list(range(len(arg))), mode="markers", name="model's argmax",
                             marker=dict(symbol="circle-open", size=12, line=dict(width=3),
                                         color=[CATEGORICAL[2] if a else CATEGORICAL[5] for a in agree]),
                             hovertemplate="argmax of row %{y}: source %{x}<extra></extra>"), row=1, col=2)
    for col in (1, 2):
        fig.update_xaxes(src_ax, tickangle=-60, row=1, col=col)
        fig.update_yaxes(tgt_ax, showticklabels=col == 1, row=1, col=col)  # same rows: labelled once
    fig.update_yaxes(title_text="target (French)", row=1, col=1)
    height = max(420, min(900, 200 + 22 * len(target)))
    fig = base_layout(fig, None, height=height)
    fig.update_layout(showlegend=False, margin=dict(t=40, b=tick_room(list(source)) + COLORBAR_ROOM))
    return fig


def accuracy_by_length_figure(scores: Mapping[str, Mapping[str, Mapping[str, float]]],
                              n_per_bucket: Mapping[str, int] | None = None) -> go.Figure:
    """Held-out accuracy against source length for every model: exact match (left) and token
    accuracy (right). scores: kind -> {'exact': {bucket: x}, 'token': {bucket: x}}."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=["exact match (greedy)", "token accuracy (teacher-forced)"])
    for kind, s in scores.items():
        for col, metric in ((1, "exact"), (2, "token")):
            buckets = list(s[metric])
            fig.add_trace(go.Scatter(
                x=buckets, y=[s[metric][b] for b in buckets], mode="lines+markers", name=_label(kind),
                legendgroup=kind, showlegend=col == 1, line=dict(color=KIND_COLOURS.get(kind), width=3),
                hovertemplate=f"{kind}, %{{x}} words: %{{y:.3f}}<extra>{metric}</extra>"), row=1, col=col)
    for col in (1, 2):
        fig.update_xaxes(title_text="source length (words)", type="category", row=1, col=col)
        fig.update_yaxes(range=[0, 1.02], row=1, col=col)
    fig = base_layout(fig, None, height=430)
    fig.update_layout(legend=dict(orientation="h", y=-0.28, x=0), margin=dict(t=40, b=120))
    return fig


def gradient_position_figure(profiles: Mapping[str, np.ndarray], n_words: int,
                             title: str = "First output word: gradient reaching each source word",
                             floor: float = 1e-12) -> go.Figure:
    """Mean ‖∂ loss(first output word) / ∂ source embedding‖ by source position, log y
    (values below `floor` are drawn at the floor)."""
    fig = go.Figure()
    for kind, y in profiles.items():
        y = np.maximum(np.asarray(y, dtype=float), floor)
        fig.add_trace(go.Scatter(x=np.arange(1, len(y) + 1), y=y, mode="lines+markers", name=_label(kind),
                                 line=dict(color=KIND_COLOURS.get(kind), width=3),
                                 hovertemplate=f"{kind}, word %{{x}}: %{{y:.3g}}<extra></extra>"))
    fig.update_xaxes(title_text=f"source position (sentences of {n_words} words)",
                     dtick=5 if n_words > 12 else 1)
    fig.update_yaxes(type="log", title_text="gradient norm", exponentformat="power")
    fig = base_layout(fig, title, height=430)
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0), margin=dict(b=110))
    return fig


def context_scatter_figure(points: np.ndarray, colour: Sequence, hover: Sequence[str], colour_title: str,
                           explained: Sequence[float], title: str) -> go.Figure:
    """Context vectors projected to 2-D (PCA). colour: numbers (sequential scale) or category names."""
    pts = np.asarray(points, dtype=float)
    fig = go.Figure()
    numeric = all(isinstance(c, (int, float, np.integer, np.floating)) for c in colour)
    text = [token_label(h) for h in hover]
    if numeric:
        fig.add_trace(go.Scatter(
            x=pts[:, 0], y=pts[:, 1], mode="markers", text=text, hovertemplate="%{text}<extra></extra>",
            marker=dict(color=list(colour), colorscale=SEQUENTIAL, size=8, showscale=True,
                        colorbar=dict(title=dict(text=colour_title), thickness=12))))
    else:
        for i, name in enumerate(dict.fromkeys(colour)):
            idx = [j for j, c in enumerate(colour) if c == name]
            fig.add_trace(go.Scatter(x=pts[idx, 0], y=pts[idx, 1], mode="markers", name=str(name),
                                     text=[text[j] for j in idx], hovertemplate="%{text}<extra></extra>",
                                     marker=dict(size=8, color=CATEGORICAL[i % len(CATEGORICAL)])))
    fig.update_xaxes(title_text=f"PC1 ({explained[0]:.0%} of variance)")
    fig.update_yaxes(title_text=f"PC2 ({explained[1]:.0%})")
    return base_layout(fig, title, height=440)


def context_halves_figure(vector: np.ndarray, halves: Sequence[str] = ("context vector",),
                          title: str = "What the decoder receives") -> go.Figure:
    """The context vector [hidden] as one strip of signed values, split into labelled halves
    (bicontext: forward final | backward final), diverging colours centred at 0."""
    v = np.asarray(vector, dtype=float).ravel()
    parts = np.array_split(v, len(halves))
    fig = make_subplots(rows=1, cols=len(parts), subplot_titles=list(halves), horizontal_spacing=0.04)
    limit = float(np.abs(v).max()) or 1.0
    for i, part in enumerate(parts, start=1):
        fig.add_trace(go.Heatmap(z=part[None], colorscale=DIVERGING, zmid=0, zmin=-limit, zmax=limit,
                                 showscale=i == 1, colorbar=colorbar_below(0.0, 1.0, "value"),
                                 hovertemplate="dim %{x}: %{z:.3f}<extra></extra>"), row=1, col=i)
        fig.update_yaxes(visible=False, row=1, col=i)
        fig.update_xaxes(showticklabels=False, row=1, col=i)  # the hover gives each dimension
    # 260 px: at 220 the colour bar's automargin leaves plotly.js 4 no plot area (it refuses to draw)
    fig = base_layout(fig, title, height=260)
    fig.update_layout(margin=dict(t=70, b=COLORBAR_ROOM + 10))
    return fig


def training_curves_figure(curves: Mapping[str, Sequence[float]], every: int) -> go.Figure:
    """Training loss (mean of each `every` steps) for every model, log y."""
    fig = go.Figure()
    for kind, c in curves.items():
        fig.add_trace(go.Scatter(x=np.arange(len(c)) * every + every, y=list(c), mode="lines",
                                 name=_label(kind), line=dict(color=KIND_COLOURS.get(kind), width=3)))
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(type="log", title_text="cross-entropy (nats)")
    fig = base_layout(fig, "Training curves (same batches, same number of updates)", height=380)
    fig.update_layout(legend=dict(orientation="h", y=-0.3, x=0), margin=dict(b=110))
    return fig


def cross_attention_figure(weights: np.ndarray, source: Sequence[str], target: Sequence[str],
                           title: str) -> go.Figure:
    """One cross-attention matrix [T, S] (0..1), target tokens top to bottom, source left to right."""
    w = np.asarray(weights, dtype=float)
    fig = go.Figure(go.Heatmap(z=w, colorscale=SEQUENTIAL, zmin=0, zmax=1,
                               colorbar=colorbar_below(0.0, 1.0, "weight"),
                               hovertemplate="target %{y} ← source %{x}: weight %{z:.3f}<extra></extra>"))
    fig.update_xaxes(token_axis(list(source)), tickangle=-60)
    fig.update_yaxes(token_axis(list(target), vertical=True))
    fig = base_layout(fig, title, height=max(380, min(900, 200 + 20 * len(target))))
    fig.update_layout(margin=dict(b=tick_room([token_label(t) for t in source]) + COLORBAR_ROOM))
    return fig
