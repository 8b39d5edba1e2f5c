"""One head, from scores to weights to vectors: heatmaps on shared token axes, the breakdown of
one query row, and the temperature what-if.

Our words (one definition each): **scores** S = q·kᵀ/√d_head (+ positional bias), before the
mask; **weights** A = softmax(S) over allowed keys; **vectors** Z = A·V, the per-head attention
vectors before the output projection. Every function takes a `Capture` (or arrays) and returns a
`plotly.graph_objects.Figure`; nothing here runs a model or imports Streamlit.

Overview, lines, compare and aggregate figures live in viz/attention_overview.py,
viz/attention_lines.py and viz/attention_compare.py; they share the helpers below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.analysis import as_numpy, row_entropy
from core.capture import Capture
from viz.theme import DIVERGING, MASKED, SEQUENTIAL, base_layout, head_label, token_axis, token_label

HOVER_TEXT_CELLS = 128 * 128  # above this many cells, hover shows positions instead of tokens


# --------------------------------------------------------------------------- capture access

def default_stack(cap: Capture) -> str:
    """'encoder' when the capture has encoder blocks, else 'decoder'."""
    return "encoder" if cap.blocks("encoder") else "decoder"


def block_choices(cap: Capture) -> list[tuple[str, str]]:
    """The (stack, block) pairs present, e.g. [('encoder', 'self_attn'), ('decoder', 'cross_attn')]."""
    seen: list[tuple[str, str]] = []
    for stack, _, block in cap.blocks():
        if (stack, block) not in seen:
            seen.append((stack, block))
    return seen


def block_tokens(cap: Capture, stack: str, block: str = "self_attn") -> tuple[list[str], list[str]]:
    """(query tokens, key tokens) of a block: the decoder side of an encoder-decoder reads
    `target_tokens`; cross-attention's keys are the source `tokens`."""
    side = cap.target_tokens if (stack == "decoder" and cap.target_tokens is not None) else cap.tokens
    keys = cap.tokens if block == "cross_attn" else side
    return list(side), list(keys)


def mask_matrix(cap: Capture, name: str, shape: tuple[int, int]) -> np.ndarray:
    """The bool mask [q_pos, k_pos] of a block (True = allowed); all True if none was captured."""
    try:
        mask = as_numpy(cap[name], bool)
    except KeyError:
        return np.ones(shape, dtype=bool)
    while mask.ndim > 2:
        mask = mask[0]
    return np.broadcast_to(mask, shape).copy()


@dataclass
class HeadData:
    """One head's tensors as numpy: scores, weights, mask [q, k]; q [q, d]; k, v [k, d]; vectors [q, d]."""

    layer: int
    head: int
    stack: str
    block: str
    scores: np.ndarray
    weights: np.ndarray
    mask: np.ndarray
    q: np.ndarray | None
    k: np.ndarray | None
    v: np.ndarray | None
    vectors: np.ndarray | None
    q_tokens: list[str]
    k_tokens: list[str]

    @property
    def label(self) -> str:
        plain = (self.stack, self.block) == ("encoder", "self_attn")
        where = "" if plain else f" ({self.stack} {self.block})"
        return head_label(self.layer, self.head) + where


def head_data(cap: Capture, layer: int, head: int, stack: str | None = None,
              block: str = "self_attn") -> HeadData:
    """Gather one head of a capture. Raises KeyError (from the capture) if scores/weights are missing."""
    stack = stack or default_stack(cap)
    prefix = f"{stack}.{layer}.{block}"
    weights = as_numpy(cap[f"{prefix}.weights"][0, head])
    scores = as_numpy(cap[f"{prefix}.scores"][0, head])

    def optional(quantity: str) -> np.ndarray | None:
        name = f"{prefix}.{quantity}"
        return as_numpy(cap[name][0, head]) if name in cap else None

    q_tokens, k_tokens = block_tokens(cap, stack, block)
    return HeadData(layer, head, stack, block, scores, weights,
                    mask_matrix(cap, f"{prefix}.mask", weights.shape), optional("q"), optional("k"),
                    optional("v"), optional("vectors"), q_tokens, k_tokens)


# --------------------------------------------------------------------------- heatmap pieces

def hover_text(q_tokens: Sequence[str], k_tokens: Sequence[str]) -> list[list[str]] | None:
    """'query → key' strings per cell for small matrices (None when too large to ship)."""
    if len(q_tokens) * len(k_tokens) > HOVER_TEXT_CELLS:
        return None
    qs = [f"{token_label(t)} ({i})" for i, t in enumerate(q_tokens)]
    ks = [f"{token_label(t)} ({j})" for j, t in enumerate(k_tokens)]
    return [[f"{q} → {k}" for k in ks] for q in qs]


def matrix_heatmap(z: np.ndarray, q_tokens: Sequence[str], k_tokens: Sequence[str], kind: str,
                   mask: np.ndarray | None = None, zmax: float | None = None,
                   name: str | None = None) -> list[go.Heatmap]:
    """Traces for a [q, k] matrix on token axes.

    kind: "weights" (0..1 sequential), "scores" / "difference" (diverging, centred at 0).
    Masked cells (mask False) are drawn as their own grey layer and left empty (NaN) in the
    value trace, so a disallowed cell never shows as a number.
    """
    z = np.array(z, dtype=np.float32)
    traces: list[go.Heatmap] = []
    if mask is not None and not mask.all():
        z[~mask] = np.nan
        grey = np.where(mask, np.nan, 1.0).astype(np.float32)
        traces.append(go.Heatmap(z=grey, colorscale=[[0, MASKED], [1, MASKED]], showscale=False,
                                 name="masked", hovertemplate="masked: not allowed (−∞ before "
                                 "softmax, weight exactly 0)<extra></extra>"))
    text = hover_text(q_tokens, k_tokens)
    where = "%{text}" if text is not None else "query %{y} → key %{x}"
    label = {"weights": "weight", "scores": "score", "difference": "A − B"}.get(kind, kind)
    style: dict = {}
    if kind == "weights":
        style = dict(colorscale=SEQUENTIAL, zmin=0.0, zmax=1.0 if zmax is None else zmax)
    else:
        finite = np.abs(z[np.isfinite(z)])
        limit = zmax if zmax is not None else (float(finite.max()) if finite.size else 1.0) or 1.0
        style = dict(colorscale=DIVERGING, zmid=0.0, zmin=-limit, zmax=limit)
    traces.append(go.Heatmap(z=z, text=text, name=name or kind,
                             hovertemplate=f"{where}<br>{label} %{{z:.3f}}<extra></extra>", **style))
    return traces


def _colorbar_below(fig: go.Figure, trace: go.Heatmap, col: int, title: str, y: float = -0.3) -> None:
    """A slim horizontal colour bar under subplot `col` (row 1), below its tick labels, so
    narrow pages never put a colour bar on top of the next panel's labels."""
    domain = fig.get_subplot(1, col).xaxis.domain
    trace.colorbar = dict(orientation="h", x=(domain[0] + domain[1]) / 2, xanchor="center",
                          len=domain[1] - domain[0], lenmode="fraction", y=y, yanchor="top",
                          thickness=10, title=dict(text=title, side="top"),
                          tickfont=dict(size=10))


def masked_softmax(scores: np.ndarray, mask: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """softmax(scores / T) over allowed keys: [q, k] -> [q, k]; a fully masked row gives zeros."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    s = np.where(mask, scores.astype(np.float64) / temperature, -np.inf)
    top = np.max(s, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.where(mask, np.exp(s - top), 0.0)
    total = e.sum(-1, keepdims=True)
    return (e / np.where(total > 0, total, 1.0)).astype(np.float32)


# --------------------------------------------------------------------------- (a) head view

def head_view(data: HeadData | Capture, layer: int = 0, head: int = 0, stack: str | None = None,
              block: str = "self_attn") -> go.Figure:
    """Scores | weights | V | vectors for one head, on the same token axes (query tokens top to
    bottom). scores [q, k] diverging at 0 with masked cells grey; weights [q, k] on 0..1 with each
    row's sum printed at its right; V [k, d_head] and vectors Z = A·V [q, d_head] on one shared
    diverging scale, so each row of Z is visibly a blend of V's rows."""
    d = data if isinstance(data, HeadData) else head_data(data, layer, head, stack, block)
    has_v = d.v is not None and d.vectors is not None
    titles = ["<b>scores</b> S = q·kᵀ/√d", "<b>weights</b> A = softmax(S)"]
    if has_v:
        titles += ["<b>V</b> (one row per key)", "<b>vectors</b> Z = A·V"]
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, horizontal_spacing=0.07,
                        column_widths=[1, 1.12, 0.8, 0.8][:len(titles)])
    n_q, n_k = d.weights.shape
    height, top, bottom = max(520, min(950, 300 + 14 * n_q)), 60, 150
    below = -(12 + 7.5 * min(max(map(len, d.k_tokens)), 14)) / (height - top - bottom)  # under the labels
    show_mask = d.mask if not d.mask.all() else None
    for col, (z, kind) in enumerate(((d.scores, "scores"), (d.weights, "weights")), start=1):
        traces = matrix_heatmap(z, d.q_tokens, d.k_tokens, kind, mask=show_mask)
        _colorbar_below(fig, traces[-1], col, kind, below)
        for trace in traces:
            fig.add_trace(trace, row=1, col=col)
        fig.update_xaxes(token_axis(d.k_tokens), tickangle=-60, row=1, col=col)
        fig.update_yaxes(token_axis(d.q_tokens, vertical=True), row=1, col=col)
    fig.update_yaxes(title_text="query", row=1, col=1)
    if n_q <= 48:  # row sums: a column of text just right of the weights
        sums = d.weights.sum(-1)
        fig.add_trace(go.Scatter(x=[n_k - 0.1] * n_q, y=list(range(n_q)), mode="text",
                                 text=[f"Σ {s:.2f}" for s in sums], textposition="middle right",
                                 textfont=dict(size=10), hoverinfo="skip", showlegend=False,
                                 cliponaxis=False), row=1, col=2)
        fig.update_xaxes(range=[-0.5, n_k + 1.6], row=1, col=2)
    if has_v:
        limit = float(np.abs(d.v).max()) or 1.0
        for col, (z, tokens, name) in enumerate(((d.v, d.k_tokens, "V"), (d.vectors, d.q_tokens, "vectors")),
                                                 start=3):
            hm = go.Heatmap(z=z.astype(np.float32), colorscale=DIVERGING, zmid=0, zmin=-limit,
                            zmax=limit, name=name, showscale=(col == 4),
                            hovertemplate=f"{name} row %{{y}}, dim %{{x}}<br>%{{z:.3f}}<extra></extra>")
            if col == 4:
                _colorbar_below(fig, hm, 4, "V and vectors (one scale)", below)
            fig.add_trace(hm, row=1, col=col)
            fig.update_yaxes(token_axis(tokens, vertical=True), row=1, col=col)
            fig.update_xaxes(showgrid=False, row=1, col=col)
    base_layout(fig, f"{d.label}: scores → weights → vectors", height=height)
    fig.update_layout(margin=dict(t=top, b=bottom))
    return fig


# --------------------------------------------------------------------------- (b) one query row

def query_breakdown(data: HeadData | Capture, query: int, layer: int = 0, head: int = 0,
                    stack: str | None = None, block: str = "self_attn") -> go.Figure:
    """One query's row as three bar charts over the keys: its scores, its weights (sum 1), and
    each key's contribution ‖α·v‖ to the vector Z[query] = Σ_k α_k v_k. Masked keys are grey."""
    d = data if isinstance(data, HeadData) else head_data(data, layer, head, stack, block)
    n_q, n_k = d.weights.shape
    if not 0 <= query < n_q:
        raise ValueError(f"query must be in 0..{n_q - 1}, got {query}")
    keys = list(range(n_k))
    allowed = d.mask[query]
    scores, weights = d.scores[query], d.weights[query]
    rows = 3 if d.v is not None else 2
    titles = ["scores (before softmax)", "weights = softmax(scores): sum 1",
              "contribution ‖α·v‖ of each key to the vector"][:rows]
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, subplot_titles=titles,
                        vertical_spacing=0.09)
    labels = [token_label(t) for t in d.k_tokens]
    score_colors = ["#b2182b" if s >= 0 else "#2166ac" for s in scores]
    score_colors = [c if a else MASKED for c, a in zip(score_colors, allowed)]
    fig.add_trace(go.Bar(x=keys, y=np.where(allowed, scores, 0).astype(np.float32),
                         marker_color=score_colors, customdata=labels, name="scores",
                         text=["" if a else "masked" for a in allowed], textposition="outside",
                         hovertemplate="key %{customdata}<br>score %{y:.3f}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=keys, y=weights.astype(np.float32), name="weights", customdata=labels,
                         marker=dict(color=weights.astype(np.float32), colorscale=SEQUENTIAL, cmin=0, cmax=1),
                         hovertemplate="key %{customdata}<br>weight %{y:.3f}<extra></extra>"), row=2, col=1)
    if rows == 3:
        contrib = np.linalg.norm(weights[:, None] * d.v, axis=-1).astype(np.float32)
        vnorm = np.linalg.norm(d.v, axis=-1).astype(np.float32)
        fig.add_trace(go.Bar(x=keys, y=contrib, name="‖α·v‖", marker_color="#009E73",
                             customdata=np.stack([np.array(labels, dtype=object), vnorm], -1),
                             hovertemplate="key %{customdata[0]}<br>‖α·v‖ %{y:.3f}"
                             "<br>‖v‖ %{customdata[1]:.3f}<extra></extra>"), row=3, col=1)
    fig.update_xaxes(token_axis(d.k_tokens), row=rows, col=1, tickangle=-60, title_text="key")
    fig.update_yaxes(range=[0, 1.05], row=2, col=1)
    base_layout(fig, f"{d.label}, query “{token_label(d.q_tokens[query])}” ({query}): "
                f"scores → weights → contributions", height=620)
    fig.update_layout(showlegend=False, bargap=0.15)
    return fig


# --------------------------------------------------------------------------- (c) temperature what-if

def temperature_whatif(data: HeadData | Capture, temperature: float, layer: int = 0, head: int = 0,
                       stack: str | None = None, block: str = "self_attn") -> go.Figure:
    """The model's weights next to the what-if softmax(scores / T), same mask, same 0..1 scale.

    T > 1 flattens each row (entropy rises towards log n); T < 1 sharpens it towards the argmax,
    which never changes. This is **not** what the model computes (it uses T = 1)."""
    d = data if isinstance(data, HeadData) else head_data(data, layer, head, stack, block)
    what_if = masked_softmax(d.scores, d.mask, temperature)
    h_model = float(row_entropy(d.weights).mean())
    h_what = float(row_entropy(what_if).mean())
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08, subplot_titles=[
        f"model's weights (T = 1), mean entropy {h_model:.2f} nats",
        f"<i>what if</i> softmax(scores / {temperature:g}), mean entropy {h_what:.2f} nats"])
    show_mask = d.mask if not d.mask.all() else None
    for col, z in ((1, d.weights), (2, what_if)):
        for trace in matrix_heatmap(z, d.q_tokens, d.k_tokens, "weights", mask=show_mask):
            trace.showscale = col == 2 if trace.name != "masked" else False
            fig.add_trace(trace, row=1, col=col)
        fig.update_xaxes(token_axis(d.k_tokens), tickangle=-60, title_text="key", row=1, col=col)
        fig.update_yaxes(token_axis(d.q_tokens, vertical=True), row=1, col=col)
    base_layout(fig, f"What if: temperature T = {temperature:g} for {d.label} "
                "(a what-if, not the model)", height=max(420, min(800, 200 + 12 * len(d.q_tokens))))
    return fig
