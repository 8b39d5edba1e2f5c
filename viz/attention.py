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
import torch

from core.attention import masked_softmax
from core.capture import Capture
from core.labs.arrays import as_numpy
from core.labs.attention_stats import row_entropy
from viz import grid
from viz.head_pooling import (
    MAX_CELLS,
    PooledHead,
    category_axis,
    display_factor,
    pool_head,
    pool_scores,
    pool_weights,
)
from viz.switch import Variant
from viz.theme import (
    COLORBAR_ROOM,
    DIVERGING,
    MASKED,
    SEQUENTIAL,
    base_look,
    colorbar_below,
    head_label,
    tick_room,
    ticks_that_fit,
    token_axis,
    token_label,
)

HOVER_TEXT_CELLS = 128 * 128  # above this many cells, hover shows positions instead of tokens
FIGURE_WIDTH = 1200  # pixels a wide-layout figure gets on a laptop (to size tick labels)


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

def hover_text(q_tokens: Sequence[str], k_tokens: Sequence[str]) -> np.ndarray | None:
    """'query (i) → key (j)' strings per cell [q, k] for small matrices (None when too large to
    ship). A numpy string array, built and validated by plotly in bulk (a list of lists of
    16,384 strings at 128 tokens cost most of a One head rerun)."""
    if len(q_tokens) * len(k_tokens) > HOVER_TEXT_CELLS:
        return None
    qs = np.array([f"{token_label(t)} ({i}) → " for i, t in enumerate(q_tokens)])
    ks = np.array([f"{token_label(t)} ({j})" for j, t in enumerate(k_tokens)])
    return np.char.add(qs[:, None], ks[None, :])


def matrix_heatmap(z: np.ndarray, q_tokens: Sequence[str], k_tokens: Sequence[str], kind: str,
                   mask: np.ndarray | None = None, zmax: float | None = None,
                   name: str | None = None, cells: tuple[list[str], list[str]] | None = None
                   ) -> list[go.Heatmap]:
    """Traces for a [q, k] matrix on token axes.

    cells: (row labels, column labels), one per row / column (or block of a pooled matrix; see
    viz/head_pooling.range_labels): the traces sit on category axes, the hover names each cell's
    tokens from those labels (no string per cell); masked cells are left
    empty with no grey layer (head_view greys the panel behind them: a grey layer is as large as
    the matrix itself).

    kind: "weights" (0..1 sequential), "scores" / "difference" (diverging, centred at 0).
    Masked cells (mask False) are drawn as their own grey layer and left empty (NaN) in the
    value trace, so a disallowed cell never shows as a number.
    """
    z = np.array(z, dtype=np.float32)
    traces: list[go.Heatmap] = []
    at = {} if cells is None else dict(y=cells[0], x=cells[1])
    if mask is not None and not mask.all():
        z[~mask] = np.nan
    if mask is not None and not mask.all() and cells is None:
        grey = np.where(mask, np.nan, 1.0).astype(np.float32)
        traces.append(go.Heatmap(z=grey, colorscale=[[0, MASKED], [1, MASKED]], showscale=False, **at,
                                 name="masked", hovertemplate="masked: not allowed (−∞ before "
                                 "softmax, weight exactly 0)<extra></extra>"))
    text = hover_text(q_tokens, k_tokens) if cells is None else None
    where = "%{text}" if text is not None else "query %{y} → key %{x}"
    label = {"weights": "weight", "scores": "score", "difference": "A − B"}.get(kind, kind)
    style: dict = {}
    if kind == "weights":
        style = dict(colorscale=SEQUENTIAL, zmin=0.0, zmax=1.0 if zmax is None else zmax)
    else:
        finite = np.abs(z[np.isfinite(z)])
        limit = zmax if zmax is not None else (float(finite.max()) if finite.size else 1.0) or 1.0
        style = dict(colorscale=DIVERGING, zmid=0.0, zmin=-limit, zmax=limit)
    if cells is not None:
        at["hoverongaps"] = False
    traces.append(go.Heatmap(z=z, text=text, name=name or kind, **at,
                             hovertemplate=f"{where}<br>{label} %{{z:.3f}}<extra></extra>", **style))
    return traces


def place_colorbar(fig: go.Figure, trace: go.Heatmap, cols: tuple[int, int], title: str) -> None:
    """A slim horizontal colour bar under subplots cols[0]..cols[1] (row 1), pinned to the bottom
    of the figure: it never covers the next panel or the tick labels (see theme.colorbar_below)."""
    x0 = fig.get_subplot(1, cols[0]).xaxis.domain[0]
    x1 = fig.get_subplot(1, cols[1]).xaxis.domain[1]
    trace.colorbar = colorbar_below(x0, x1, title)
    trace.showscale = True


def set_columns(fig: go.Figure, widths: Sequence[float], gaps: Sequence[float]) -> None:
    """Give the row-1 subplots of a make_subplots figure explicit x domains (grid.column_domains)
    and centre each subplot title over its panel again."""
    domains = grid.column_domains(widths, gaps)
    for col, domain in enumerate(domains, start=1):
        fig.get_subplot(1, col).xaxis.domain = domain
    for note, (x0, x1) in zip(fig.layout.annotations, domains):  # make_subplots' titles come first
        note.x = (x0 + x1) / 2


def weights_at_temperature(scores: np.ndarray, mask: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """softmax(scores / T) over allowed keys: [q, k] -> [q, k] float32; a fully masked row gives
    zeros. The what-if runs the model's own `core.attention.masked_softmax` (in float64)."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    scaled = torch.from_numpy(np.asarray(scores, dtype=np.float64) / temperature)
    weights = masked_softmax(scaled, torch.from_numpy(np.array(mask, dtype=bool)))
    return weights.numpy().astype(np.float32)


# --------------------------------------------------------------------------- (a) head view

WEIGHT_SCALES = ("absolute", "per row", "log")
LOG_FLOOR = 1e-4  # the log scale shows weights from 1e-4 to 1


def scaled_weights(weights: np.ndarray, scale: str) -> tuple[np.ndarray, str, float, float]:
    """Weights [q, k] for colouring: (z, colour-bar title, zmin, zmax).

    absolute: 0..1; per row: each row divided by its maximum (a long row's few-percent peak
    shows); log: log10 of the weight from 1e-4 to 1 (a flat row of 1/371 still has texture)."""
    if scale == "absolute":
        return weights, "weights", 0.0, 1.0
    if scale == "per row":
        top = weights.max(axis=-1, keepdims=True)
        return weights / np.where(top > 0, top, 1.0), "weight / row max", 0.0, 1.0
    if scale == "log":
        return np.log10(np.maximum(weights, LOG_FLOOR)), "log₁₀ weight", float(np.log10(LOG_FLOOR)), 0.0
    raise ValueError(f"scale must be one of {WEIGHT_SCALES}, got {scale!r}")


def pooled_token_axis(tokens: Sequence[str], labels: list[str] | None, factor: int, pixels: int | None = None,
                      vertical: bool = False) -> dict:
    """token_axis when there are no labels; else a category axis over the labels (one per block
    of `factor` tokens, see head_pooling.range_labels) that prints the first token of every k-th
    block that fits."""
    if labels is None:
        return token_axis(list(tokens), vertical=vertical, pixels=pixels)
    firsts = [token_label(tokens[i]) for i in range(0, len(tokens), factor)]
    return category_axis(labels, firsts, vertical=vertical, max_ticks=ticks_that_fit(len(labels), pixels))


def head_values(d: HeadData, scale: str = "absolute", max_cells: int = MAX_CELLS) -> Variant:
    """What head_view draws that changes from head to head (viz/switch.py): per trace of
    head_view, in its order, the properties that carry numbers (z float32 [rows, cols] with masked
    cells NaN, zmin/zmax, customdata, text), and the title. head_view draws from it, and
    viz/head_switch ships it for every head so the browser switches heads by swapping these."""
    return _head_values(d, pool_head(d.scores, d.weights, d.mask, d.v, d.vectors, d.q_tokens,
                                     d.k_tokens, max_cells), scale)


def _head_values(d: HeadData, p: PooledHead, scale: str) -> Variant:
    show_mask = p.mask if not p.mask.all() else None
    sums = p.weights.shape[0] <= 48
    values: list[dict] = []
    for kind, z in (("scores", p.scores), ("weights", p.weights)):
        z = np.array(z, dtype=np.float32)
        if show_mask is not None:
            z[~show_mask] = np.nan
            if sums:  # cells=None: matrix_heatmap draws masked cells as a grey layer of their own
                values.append(dict(z=np.where(show_mask, np.nan, 1.0).astype(np.float32)))
        if kind == "scores":
            finite = np.abs(z[np.isfinite(z)])
            limit = (float(finite.max()) if finite.size else 1.0) or 1.0
            values.append(dict(z=z, zmin=-limit, zmax=limit))
        elif scale == "absolute":
            values.append(dict(z=z, zmin=0.0, zmax=1.0))
        else:
            shown, _, lo, hi = scaled_weights(p.weights, scale)
            shown = np.array(shown, dtype=np.float32)
            if show_mask is not None:
                shown[~p.mask] = np.nan
            values.append(dict(z=shown, zmin=lo, zmax=hi, customdata=p.weights.astype(np.float32)))
    if sums:
        values.append(dict(text=[f"Σ {s:.2f}" for s in d.weights.sum(-1)]))
    if p.v is not None and p.vectors is not None:
        limit = float(np.abs(p.v).max()) or 1.0
        values += [dict(z=p.v.astype(np.float32), zmin=-limit, zmax=limit),
                   dict(z=p.vectors.astype(np.float32), zmin=-limit, zmax=limit)]
    pooled_note = f" (pooled {p.factor}×{p.factor}: hover shows token ranges)" if p.factor > 1 else ""
    return Variant(values, {"title.text": f"{d.label}: scores → weights → vectors{pooled_note}"})


def head_view(data: HeadData | Capture, layer: int = 0, head: int = 0, stack: str | None = None,
              block: str = "self_attn", scale: str = "absolute", max_cells: int = MAX_CELLS) -> go.Figure:
    """Scores | weights | V | vectors for one head, on the same token axes (query tokens top to
    bottom). scores [q, k] diverging at 0 with masked cells grey; weights [q, k] on 0..1 with each
    row's sum printed at its right; V [k, d_head] and vectors Z = A·V [q, d_head] on one shared
    diverging scale, so each row of Z is visibly a blend of V's rows.

    Query labels are printed once, left of the scores (weights and vectors share those rows; V
    too when its keys are the same tokens); each colour scale is a horizontal bar at the bottom.
    Long inputs print only the labels that fit the panel (the hover names every token: past 48
    rows the axes are categories named by position and token).
    Inputs longer than max_cells tokens are pooled in blocks of f × f (viz/head_pooling.py says
    exactly what a pooled cell is; weights rows still sum to 1); the title says "pooled f×f"
    and the hover gives each cell's token ranges.
    scale: how the weights are coloured (see scaled_weights); the hover gives the weight."""
    d = data if isinstance(data, HeadData) else head_data(data, layer, head, stack, block)
    p = pool_head(d.scores, d.weights, d.mask, d.v, d.vectors, d.q_tokens, d.k_tokens, max_cells)
    pooled = p.factor > 1
    sums = p.weights.shape[0] <= 48
    # Past 48 rows the axes are categories named "12 ‘fox’" (or "12–15 ‘fox’…‘dog’" when pooled):
    # the hover names a cell's tokens from two short label arrays, not a string per cell (at 128
    # tokens those strings were most of the figure's build time and JSON).
    cells = None if sums else (p.q_labels, p.k_labels)
    has_v = p.v is not None and p.vectors is not None
    titles = ["<b>scores</b><br>S = q·kᵀ/√d", "<b>weights</b><br>A = softmax(S)"]
    if pooled:
        titles = ["<b>scores</b><br>block mean of S", "<b>weights</b><br>Σ over key block, mean over queries"]
    if has_v:
        titles += ["<b>V</b><br>row = key", "<b>vectors</b><br>Z = A·V"]
    n_q, n_k = p.weights.shape
    v_labels = has_v and list(d.k_tokens) != list(d.q_tokens)  # cross-attention: V rows are other tokens
    gaps = [0.03, 0.1 if v_labels else (0.075 if sums else 0.035), 0.035][:len(titles) - 1]
    domains = grid.column_domains([1, 1.12 if sums else 1, 0.75, 0.75][:len(titles)], gaps)
    layout = grid.row_layout(domains, titles)
    data: list = []
    height, top = max(540, min(950, 320 + 14 * n_q)), 92
    bottom = tick_room([token_label(t) for t in d.k_tokens]) + COLORBAR_ROOM
    show_mask = p.mask if not p.mask.all() else None
    rows_px = height - top - bottom

    def axis(tokens: list[str], labels: list[str], pixels: int, vertical: bool = False) -> dict:
        return pooled_token_axis(tokens, labels if cells else None, p.factor, pixels, vertical)

    variant = _head_values(d, p, scale)  # the numbers and the title; this function draws the rest
    values = iter(variant.traces)
    for col, (z, kind) in enumerate(((p.scores, "scores"), (p.weights, "weights")), start=1):
        traces = matrix_heatmap(z, d.q_tokens, d.k_tokens, kind, mask=show_mask, cells=cells)
        for trace in traces:
            trace.update(next(values))
        bar_title = kind if not pooled else f"{kind} (pooled)"
        if kind == "weights" and scale != "absolute":
            bar_title = scaled_weights(p.weights[:1, :1], scale)[1]
            traces[-1].update(hovertemplate=traces[-1].hovertemplate.replace("%{z:.3f}", "%{customdata:.4f}"))
        traces[-1].update(colorbar=colorbar_below(*domains[col - 1], bar_title), showscale=True)
        data += [trace.update(grid.on(col)) for trace in traces]
        if cells and show_mask is not None:  # masked cells are empty cells over a grey panel
            layout.setdefault("shapes", []).append(grid.grey_behind(col, MASKED))
        cols_px = int(FIGURE_WIDTH * (domains[col - 1][1] - domains[col - 1][0]))
        grid.xaxis(layout, col).update(axis(d.k_tokens, p.k_labels, cols_px), tickangle=-60)
        grid.yaxis(layout, col).update(axis(d.q_tokens, p.q_labels, rows_px, vertical=True),
                                       showticklabels=col == 1)
    grid.yaxis(layout, 1)["title"] = dict(text="query")
    if sums:  # row sums: a column of text just right of the weights
        data.append(go.Scatter(x=[n_k - 0.5] * n_q, y=list(range(n_q)), mode="text",
                               **next(values), textposition="middle right",
                               textfont=dict(size=10, color="#555555"), hoverinfo="skip", showlegend=False,
                               cliponaxis=False, **grid.on(2)))
        grid.xaxis(layout, 2)["range"] = [-0.5, n_k - 0.5]
    if has_v:
        panels = ((d.k_tokens, p.k_labels, "V"), (d.q_tokens, p.q_labels, "vectors"))
        for col, (tokens, labels, name) in enumerate(panels, start=3):
            value = "block mean %{z:.3f}" if pooled else "%{z:.3f}"
            rows = dict(hovertemplate=f"{name} row %{{y}}, dim %{{x}}<br>{value}<extra></extra>")
            if cells:
                rows["y"] = labels
            hm = go.Heatmap(**next(values), colorscale=DIVERGING, zmid=0, name=name, showscale=False,
                            **rows, **grid.on(col))
            if col == 4:
                hm.update(colorbar=colorbar_below(domains[2][0], domains[3][1], "V and vectors (one scale)"),
                          showscale=True)
            data.append(hm)
            grid.yaxis(layout, col).update(axis(tokens, labels, rows_px, vertical=True),
                                           showticklabels=col == 3 and v_labels)
            grid.xaxis(layout, col).update(showgrid=False, title=dict(text="dimension", standoff=4))
    layout.update(base_look(variant.texts["title.text"], height=height),
                  margin=dict(t=top, b=bottom, l=10, r=10))
    return grid.figure(data, grid.fixed_margins(layout, bottom_extra=COLORBAR_ROOM))


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
    # at most PRESENT_LINE characters: the projector theme would wrap them into the panel above
    titles = ["scores (before softmax)", "weights = softmax(scores): Σ 1",
              "‖α·v‖: each key's contribution"][:rows]
    layout = grid.column_layout(rows, 0.09, titles, shared_x=True)
    labels = [token_label(t) for t in d.k_tokens]
    score_colors = ["#b2182b" if s >= 0 else "#2166ac" for s in scores]
    score_colors = [c if a else MASKED for c, a in zip(score_colors, allowed)]
    data = [go.Bar(x=keys, y=np.where(allowed, scores, 0).astype(np.float32),
                   marker_color=score_colors, customdata=labels, name="scores",
                   # "masked" over each masked key (no text at all without one: plotly.js lays out
                   # every bar's text, even empty, which was a third of this figure's drawing)
                   text=None if allowed.all() else ["" if a else "masked" for a in allowed],
                   textposition="outside",
                   hovertemplate="key %{customdata}<br>score %{y:.3f}<extra></extra>", **grid.on(1)),
            go.Bar(x=keys, y=weights.astype(np.float32), name="weights", customdata=labels,
                   marker=dict(color=weights.astype(np.float32), colorscale=SEQUENTIAL, cmin=0, cmax=1),
                   hovertemplate="key %{customdata}<br>weight %{y:.3f}<extra></extra>", **grid.on(2))]
    if rows == 3:
        contrib = np.linalg.norm(weights[:, None] * d.v, axis=-1).astype(np.float32)
        vnorm = np.linalg.norm(d.v, axis=-1).astype(np.float32)
        data.append(go.Bar(x=keys, y=contrib, name="‖α·v‖", marker_color="#009E73",
                           customdata=np.stack([np.array(labels, dtype=object), vnorm], -1),
                           hovertemplate="key %{customdata[0]}<br>‖α·v‖ %{y:.3f}"
                           "<br>‖v‖ %{customdata[1]:.3f}<extra></extra>", **grid.on(3)))
    grid.xaxis(layout, rows).update(token_axis(d.k_tokens), tickangle=-60, title=dict(text="key"))
    grid.yaxis(layout, 2)["range"] = [0, 1.05]
    layout.update(base_look(f"{d.label}, query “{token_label(d.q_tokens[query])}” ({query}): "
                            f"scores → weights → contributions", height=620), showlegend=False, bargap=0.15)
    return grid.figure(data, grid.fixed_margins(layout))


# --------------------------------------------------------------------------- (c) temperature what-if

def temperature_values(d: HeadData, temperature: float, max_cells: int = MAX_CELLS) -> Variant:
    """What temperature_whatif draws that changes with T (viz/switch.py): the what-if panel's
    weights (float32, pooled like the model's, masked cells NaN), the title and its subplot title
    with the mean entropy. temperature_whatif draws from it; the page ships it for every T."""
    what_if = weights_at_temperature(d.scores, d.mask, temperature)
    h_what = float(row_entropy(what_if).mean())  # entropies of the full rows, never pooled
    f = display_factor(len(d.q_tokens), len(d.k_tokens), max_cells)
    allowed = np.asarray(d.mask, dtype=bool) if f == 1 else pool_scores(d.scores, d.mask, f)[1]
    z = np.array(pool_weights(what_if, f), dtype=np.float32)
    grey = not allowed.all() and allowed.shape[0] <= 48  # matrix_heatmap's grey layer per panel
    if not allowed.all():
        z[~allowed] = np.nan
    traces: list[dict] = [{}] * (3 if grey else 1) + [dict(z=z)]
    pooled_note = f", pooled {f}×{f}" if f > 1 else ""
    return Variant(traces, {
        "title.text": f"What if: temperature T = {temperature:g} for {d.label} "
                      f"(a what-if, not the model{pooled_note})",
        "annotations.1.text": f"<b><i>what if</i></b> softmax(scores / {temperature:g})<br>"
                              f"mean entropy {h_what:.2f} nats"})


def temperature_whatif(data: HeadData | Capture, temperature: float, layer: int = 0, head: int = 0,
                       stack: str | None = None, block: str = "self_attn",
                       max_cells: int = MAX_CELLS) -> go.Figure:
    """The model's weights next to the what-if softmax(scores / T), same mask, same 0..1 scale.

    T > 1 flattens each row (entropy rises towards log n); T < 1 sharpens it towards the argmax,
    which never changes. This is **not** what the model computes (it uses T = 1). Inputs longer
    than max_cells are pooled like head_view's weights (rows still sum to 1)."""
    d = data if isinstance(data, HeadData) else head_data(data, layer, head, stack, block)
    variant = temperature_values(d, temperature, max_cells)
    h_model = float(row_entropy(d.weights).mean())  # entropies of the full rows, never pooled
    p = pool_head(d.scores, d.weights, d.mask, None, None, d.q_tokens, d.k_tokens, max_cells)
    cells = None if p.weights.shape[0] <= 48 else (p.q_labels, p.k_labels)  # as in head_view
    domains = grid.even_domains(2, 0.04)
    layout = grid.row_layout(domains, [f"<b>model's weights</b> (T = 1)<br>mean entropy {h_model:.2f} nats",
                                       variant.texts["annotations.1.text"]])
    data: list = []
    show_mask = p.mask if not p.mask.all() else None
    for col, z in ((1, p.weights), (2, variant.traces[-1]["z"])):
        if cells and show_mask is not None:  # masked cells are empty cells over a grey panel
            layout.setdefault("shapes", []).append(grid.grey_behind(col, MASKED))
        for trace in matrix_heatmap(z, d.q_tokens, d.k_tokens, "weights", mask=show_mask, cells=cells):
            if trace.name != "masked":
                trace.showscale = False
                if col == 2:
                    both = colorbar_below(domains[0][0], domains[1][1], "weight (both panels)")
                    trace.update(colorbar=both, showscale=True)
            data.append(trace.update(grid.on(col)))
        grid.xaxis(layout, col).update(pooled_token_axis(d.k_tokens, cells and cells[1], p.factor),
                                       tickangle=-60, title=dict(text="key"))
        rows = pooled_token_axis(d.q_tokens, cells and cells[0], p.factor, vertical=True)
        grid.yaxis(layout, col).update(rows, showticklabels=col == 1)
    grid.yaxis(layout, 1)["title"] = dict(text="query")
    bottom = tick_room([token_label(t) for t in d.k_tokens]) + 24 + COLORBAR_ROOM  # + axis title
    layout.update(base_look(variant.texts["title.text"],
                            height=max(460, min(850, 260 + 12 * len(d.q_tokens)))))
    layout["margin"].update(t=90, b=bottom)
    return grid.figure(data, grid.fixed_margins(layout, bottom_extra=COLORBAR_ROOM))
