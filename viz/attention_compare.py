"""Two sentences side by side (A, B, A − B) with heads ranked by how much they change, and the
aggregate views: mean / max over heads, attention rollout, word-level weights."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.capture import Capture
from core.labs.attention_stats import (
    heads_max,
    heads_mean,
    js_per_head,
    rollout,
    tokens_align,
    word_labels,
    word_level,
)
from viz.attention import (
    block_tokens,
    default_stack,
    head_data,
    mask_matrix,
    matrix_heatmap,
    place_colorbar,
    set_columns,
)
from viz.attention_overview import head_ranking, head_stats_figure
from viz.theme import COLORBAR_ROOM, base_layout, head_label, tick_room, token_axis, token_label


def _place(fig: go.Figure, traces: list, col: int, q_tokens: Sequence[str], k_tokens: Sequence[str],
           row: int = 1) -> None:
    for trace in traces:
        fig.add_trace(trace, row=row, col=col)
    fig.update_xaxes(token_axis(list(k_tokens)), tickangle=-60, row=row, col=col)
    fig.update_yaxes(token_axis(list(q_tokens), vertical=True), row=row, col=col)


def weights_figure(z: np.ndarray, q_tokens: Sequence[str], k_tokens: Sequence[str], title: str,
                   mask: np.ndarray | None = None, zmax: float | None = None,
                   x_title: str = "key", y_title: str = "query") -> go.Figure:
    """One [q, k] weights-like matrix on token axes (0..zmax sequential, masked cells grey)."""
    fig = make_subplots(rows=1, cols=1)
    traces = matrix_heatmap(z, q_tokens, k_tokens, "weights", mask=mask, zmax=zmax)
    traces[-1].colorbar = dict(thickness=14, title=dict(text="weight", side="right"))
    _place(fig, traces, 1, q_tokens, k_tokens)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return base_layout(fig, title, height=max(420, min(900, 160 + 16 * len(q_tokens))))


# --------------------------------------------------------------------------- compare

def pair_labels(tokens_a: Sequence[str], tokens_b: Sequence[str]) -> list[str]:
    """Position labels for A − B: the token where both agree, 'a/b' where they differ."""
    return [a if a == b else f"{a}/{b}" for a, b in zip(tokens_a, tokens_b)]


def compare_view(cap_a: Capture, cap_b: Capture, layer: int, head: int, stack: str | None = None,
                 block: str = "self_attn") -> go.Figure:
    """Weights of one head for sentence A and B side by side, and A − B position by position
    where the token counts match (diverging scale centred at 0); use compare_words_view when B
    is A's words reordered. Without alignment only A and B are shown.

    A and B share one 0..1 colour bar under both; A − B has its own under it. Both sit at the
    bottom edge, below the tick labels; each panel keeps its own query labels (they differ)."""
    da = head_data(cap_a, layer, head, stack, block)
    db = head_data(cap_b, layer, head, stack, block)
    aligned = da.weights.shape == db.weights.shape
    titles = ["<b>A</b> weights", "<b>B</b> weights"]
    titles += ["<b>A − B</b><br>red: A attends more"] if aligned else []
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles)
    q_lab = pair_labels(da.q_tokens, db.q_tokens) if aligned else []
    k_lab = pair_labels(da.k_tokens, db.k_tokens) if aligned else []
    # the gap before a panel holds that panel's query labels: wide enough for the longest one
    gaps = [gap_for(db.q_tokens)] + ([gap_for(q_lab)] if aligned else [])
    set_columns(fig, [1] * len(titles), gaps)
    for col, d in ((1, da), (2, db)):
        traces = matrix_heatmap(d.weights, d.q_tokens, d.k_tokens, "weights",
                                mask=None if d.mask.all() else d.mask)
        traces[-1].showscale = False
        if col == 2:
            place_colorbar(fig, traces[-1], (1, 2), "weight (A and B)")
        _place(fig, traces, col, d.q_tokens, d.k_tokens)
    labels = [*da.k_tokens, *db.k_tokens]
    if aligned:
        diff = da.weights - db.weights
        both = da.mask & db.mask
        traces = matrix_heatmap(diff, q_lab, k_lab, "difference", mask=None if both.all() else both,
                                zmax=max(float(np.abs(diff).max()), 1e-6))
        place_colorbar(fig, traces[-1], (3, 3), "A − B")
        _place(fig, traces, 3, q_lab, k_lab)
        labels += k_lab
    n = max(len(da.q_tokens), len(db.q_tokens))
    base_layout(fig, f"{da.label}: A vs B, position by position"
                + ("" if aligned else " (different lengths: no A − B)"),
                height=max(440, min(900, 260 + 16 * n)))
    fig.update_layout(margin=dict(t=90, b=tick_room([token_label(t) for t in labels]) + COLORBAR_ROOM))
    return fig


def compare_words_view(words: Sequence[str], weights_a: np.ndarray, weights_b: np.ndarray,
                       title: str) -> go.Figure:
    """Word-aligned comparison of one head: A's word-level weights [W, W], B's re-ordered to A's
    words, and A − B (diverging, centred at 0, at least ±0.05 so float rounding reads as zero).
    Words label both axes of every panel; the hover gives the exact difference."""
    diff = weights_a - weights_b
    titles = ["<b>A</b> word weights", "<b>B</b>, aligned to A's words",
              "<b>A − B</b><br>red: A attends more"]
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles)
    labels = [f"{w}" for w in words]
    set_columns(fig, [1, 1, 1], [gap_for(labels)] * 2)
    for col, z, kind in ((1, weights_a, "weights"), (2, weights_b, "weights"), (3, diff, "difference")):
        bound = max(float(np.abs(diff).max()), 0.05) if kind == "difference" else None
        traces = matrix_heatmap(z, labels, labels, kind, zmax=bound)
        if col == 1:
            traces[-1].showscale = False
        else:
            place_colorbar(fig, traces[-1], (1, 2) if col == 2 else (3, 3),
                           "weight (A and B)" if col == 2 else "A − B")
        if kind == "difference":
            traces[-1].hovertemplate = "%{text}<br>A − B %{z:.3g}<extra></extra>"
        _place(fig, traces, col, labels, labels)
    base_layout(fig, title, height=max(440, min(900, 260 + 18 * len(words))))
    fig.update_layout(margin=dict(t=90, b=tick_room([token_label(t) for t in labels]) + COLORBAR_ROOM),
                      meta={"max_diff": float(np.abs(diff).max())})
    return fig


def gap_for(labels: Sequence[str]) -> float:
    """Paper-fraction gap before a panel that prints its own query labels (the longest must fit)."""
    return min(0.2, 0.03 + 0.013 * max((len(token_label(t)) for t in labels), default=1))


def compare_js(cap_a: Capture, cap_b: Capture, stack: str | None = None,
               block: str = "self_attn") -> np.ndarray | None:
    """Jensen-Shannon divergence per head [layers, heads] between A and B (None if tokens do not align)."""
    stack = stack or default_stack(cap_a)
    qa, ka = block_tokens(cap_a, stack, block)
    qb, kb = block_tokens(cap_b, stack, block)
    if not (tokens_align(qa, qb) and tokens_align(ka, kb)):
        return None
    return js_per_head(cap_a.stacked("weights", stack, block), cap_b.stacked("weights", stack, block))


def js_figures(js: np.ndarray, top: int = 10) -> tuple[go.Figure, go.Figure]:
    """The JS divergence of every head (heatmap) and the heads that change most (bars)."""
    stats = {"JS divergence": js}
    grid = head_stats_figure(stats, "JS divergence")
    grid.update_layout(title_text="JS divergence A → B")
    bars = head_ranking(stats, "JS divergence", top=top, descending=True)
    bars.update_layout(title_text="Top changes")
    return grid, bars


# --------------------------------------------------------------------------- aggregates

def heads_aggregate_view(cap: Capture, layer: int, stack: str | None = None,
                         block: str = "self_attn") -> go.Figure:
    """Mean over heads (still rows summing to 1) beside max over heads (what any head does)."""
    stack = stack or default_stack(cap)
    w = cap[f"{stack}.{layer}.{block}.weights"][0]  # [H, q, k]
    q_tokens, k_tokens = block_tokens(cap, stack, block)
    mask = mask_matrix(cap, f"{stack}.{layer}.{block}.mask", tuple(w.shape[-2:]))
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.03, subplot_titles=[
        "<b>mean</b> over heads<br>(rows sum to 1)", "<b>max</b> over heads<br>(strongest head per cell)"])
    for col, z in ((1, heads_mean(w)), (2, heads_max(w))):
        traces = matrix_heatmap(z, q_tokens, k_tokens, "weights", mask=None if mask.all() else mask)
        traces[-1].showscale = False
        if col == 2:
            place_colorbar(fig, traces[-1], (1, 2), "weight (both panels)")
        _place(fig, traces, col, q_tokens, k_tokens)
        fig.update_yaxes(showticklabels=col == 1, row=1, col=col)  # same query rows
    fig.update_xaxes(title_text="key")
    fig.update_yaxes(title_text="query", row=1, col=1)
    where = "" if (stack, block) == ("encoder", "self_attn") else f" ({stack} {block})"
    base_layout(fig, f"Layer {layer}{where}: all {w.shape[0]} heads combined",
                height=max(480, min(900, 260 + 14 * len(q_tokens))))
    fig.update_layout(margin=dict(t=90, b=tick_room([token_label(t) for t in k_tokens]) + 24 + COLORBAR_ROOM))
    return fig


def rollout_view(cap: Capture, layer: int | None = None, stack: str | None = None,
                 residual: float = 0.5) -> go.Figure:
    """Attention rollout (Abnar & Zuidema 2020) up to `layer` (default: the last): how much of
    each position's residual stream after that layer traces back to each input token."""
    stack = stack or default_stack(cap)
    roll = rollout(cap.stacked("weights", stack, "self_attn"), residual)
    layer = roll.shape[0] - 1 if layer is None else layer
    q_tokens, k_tokens = block_tokens(cap, stack, "self_attn")
    fig = weights_figure(roll[layer], q_tokens, k_tokens,
                         f"Rollout through layers 0–{layer} (residual {residual:g}·I + {1 - residual:g}·A, "
                         "mean over heads)", zmax=float(roll[layer].max()),
                         x_title="input token", y_title=f"position after layer {layer}")
    return fig


def capture_words(cap: Capture, stack: str, block: str) -> tuple[list[list[int]], list[list[int]]]:
    """Word groups (token index lists) for the query and key side of a block; positions that are
    not the source text (decoder side) are one word per token."""
    words = cap.meta.get("words") or [[i] for i in range(len(cap.tokens))]
    q_tokens, k_tokens = block_tokens(cap, stack, block)
    singletons = None if cap.target_tokens is None else [[i] for i in range(len(cap.target_tokens))]
    q_words = singletons if (stack == "decoder" and singletons is not None) else words
    k_words = words if block == "cross_attn" or singletons is None or stack == "encoder" else singletons
    return [list(w) for w in q_words], [list(w) for w in k_words]


def word_view(cap: Capture, layer: int, head: int | None = None, stack: str | None = None,
              block: str = "self_attn") -> go.Figure:
    """Word-to-word weights: sub-token weights summed over a word's key pieces and averaged over
    its query pieces (rows still sum to 1). head=None averages the heads first."""
    stack = stack or default_stack(cap)
    w = cap[f"{stack}.{layer}.{block}.weights"][0]
    w = heads_mean(w) if head is None else w[head].numpy()
    q_tokens, k_tokens = block_tokens(cap, stack, block)
    q_words, k_words = capture_words(cap, stack, block)
    z = word_level(w, q_words, k_words)
    q_labels, k_labels = word_labels(q_tokens, q_words), word_labels(k_tokens, k_words)
    who = "mean of heads" if head is None else head_label(layer, head)
    merged = sum(len(g) > 1 for g in q_words)
    return weights_figure(z, q_labels, k_labels, f"Layer {layer}, {who}: word-level weights "
                          f"({len(q_tokens)} tokens → {len(q_labels)} words, {merged} merged)",
                          x_title="key word", y_title="query word")

