"""BertViz-style lines for one layer: query tokens on the left, key tokens on the right, one line
per (head, query, key) whose opacity and width grow with the weight; one colour per head.

Lines of a head are grouped into a few opacity bands (one trace each), so a layer costs
heads x bands traces, not heads x q x k. Click a legend entry to toggle a head; pass `token` to
keep only the lines of one token (from it as a query, or to it as a key).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from core.capture import Capture
from core.labs.arrays import as_numpy
from viz.attention import block_tokens, default_stack
from viz.theme import CATEGORICAL, LABEL_PX, base_layout, head_label, token_label

BANDS = (0.05, 0.1, 0.2, 0.4, 0.7, 1.01)  # weight band edges; below the first no line is drawn
MAX_LINES = 20_000  # beyond this many segments the weakest lines are dropped


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha:.2f})"


def lines_view(cap: Capture, layer: int, stack: str | None = None, block: str = "self_attn",
               heads: Sequence[int] | None = None, token: int | None = None,
               direction: str = "from", min_weight: float = BANDS[0]) -> go.Figure:
    """Token-to-token lines of one layer's weights [heads, q_pos, k_pos].

    heads: which heads to draw (default all; the rest are hidden but toggleable in the legend);
    token: keep only lines from this query position (direction="from") or to this key
    position (direction="to"); min_weight: weights below it draw no line.
    The left column is the query tokens, the right the key tokens (source tokens for
    cross-attention). Token markers carry customdata [side, position] so a click can pick one;
    on long inputs only the labels that fit are printed (the hover names every token).
    """
    stack = stack or default_stack(cap)
    if direction not in ("from", "to"):
        raise ValueError(f"direction must be 'from' or 'to', got {direction!r}")
    weights = as_numpy(cap[f"{stack}.{layer}.{block}.weights"][0])  # [H, q, k]
    n_heads, n_q, n_k = weights.shape
    q_tokens, k_tokens = block_tokens(cap, stack, block)
    keep = line_filter(n_q, n_k, token, direction)
    threshold, total = line_threshold(weights, keep, min_weight)
    y_q = -np.arange(n_q, dtype=np.float32) * (max(n_q, n_k) - 1) / max(n_q - 1, 1)
    y_k = -np.arange(n_k, dtype=np.float32) * (max(n_q, n_k) - 1) / max(n_k - 1, 1)
    shown = set(range(n_heads) if heads is None else heads)
    traces = [t for head in range(n_heads)
              for t in head_line_traces(weights[head], keep, threshold, y_q, y_k, layer, head, head in shown)]
    height = max(460, min(2400, 150 + 22 * max(n_q, n_k)))
    every = label_step(max(n_q, n_k), height - 150)
    traces += token_traces(q_tokens, k_tokens, y_q, y_k, token, direction, every)
    fig = go.Figure(traces, _validate=False)
    what = ""
    if token is not None:
        tokens = q_tokens if direction == "from" else k_tokens
        what = f", lines {direction} “{token_label(tokens[token])}” ({token})"
    where = "" if (stack, block) == ("encoder", "self_attn") else f" ({stack} {block})"
    lines_layout(fig, f"Layer {layer}{where}: weights as lines, one colour per head{what}", height,
                 n_heads, float(min(y_q.min(), y_k.min())))
    fig.update_layout(meta={"lines": int(min(total, MAX_LINES)), "label_every": every})
    return fig


def line_filter(n_q: int, n_k: int, token: int | None, direction: str) -> np.ndarray:
    """bool [q, k]: the cells whose lines may be drawn (all, or one token's row or column)."""
    keep = np.ones((n_q, n_k), dtype=bool)
    if token is not None:
        keep[:] = False
        if direction == "from":
            keep[token, :] = True
        else:
            keep[:, token] = True
    return keep


def line_threshold(weights: np.ndarray, keep: np.ndarray, min_weight: float) -> tuple[float, int]:
    """(lowest weight drawn, lines above min_weight): the weakest lines go beyond MAX_LINES."""
    threshold = max(min_weight, BANDS[0])
    total = int(((weights >= threshold) & keep).sum())
    if total > MAX_LINES:  # keep the strongest lines only
        threshold = float(np.sort(weights[:, keep].ravel())[-MAX_LINES])
    return threshold, total


def head_line_traces(w: np.ndarray, keep: np.ndarray, threshold: float, y_q: np.ndarray, y_k: np.ndarray,
                     layer: int, head: int, visible: bool) -> list[dict]:
    """One head's legend entry and its lines [q, k] grouped into opacity bands (one trace each)."""
    color = CATEGORICAL[head % len(CATEGORICAL)]
    shown = True if visible else "legendonly"
    # the legend entry: full colour, no data; the bands below share its group (toggle together)
    traces = [dict(type="scatter", x=[None], y=[None], mode="lines", name=head_label(layer, head),
                   legendgroup=f"h{head}", line=dict(color=color, width=4), visible=shown)]
    for lo, hi in zip(BANDS[:-1], BANDS[1:]):
        lo = max(lo, threshold)
        if lo >= hi:
            continue
        qi, ki = np.nonzero((w >= lo) & (w < hi) & keep)
        if qi.size == 0:
            continue
        xs = np.tile(np.array([0.0, 1.0, np.nan], dtype=np.float32), qi.size)
        ys = np.stack([y_q[qi], y_k[ki], np.full(qi.size, np.nan, np.float32)], -1).ravel()
        mid = (lo + hi) / 2
        traces.append(dict(
            type="scatter", x=xs, y=ys, mode="lines", name=head_label(layer, head),
            legendgroup=f"h{head}", showlegend=False, hoverinfo="skip", visible=shown,
            line=dict(color=_rgba(color, min(1.0, 0.15 + 0.85 * mid)), width=1 + 4 * mid)))
    return traces


def label_step(n: int, pixels: float) -> int:
    """Print every k-th token label so that printed labels are at least LABEL_PX apart."""
    return max(1, int(np.ceil(LABEL_PX * n / max(pixels, 1.0))))


def token_traces(q_tokens: Sequence[str], k_tokens: Sequence[str], y_q: np.ndarray, y_k: np.ndarray,
                 token: int | None, direction: str, every: int = 1) -> list[dict]:
    """The two clickable token columns (query left, key right); the picked token in orange.
    Only every `every`-th label is printed (and the picked one); the hover names every token."""
    traces = []
    for side, x, ys, tokens, anchor in (("query", 0.0, y_q, q_tokens, "middle left"),
                                        ("key", 1.0, y_k, k_tokens, "middle right")):
        labels = [token_label(t) for t in tokens]
        picked = [i == token and (side == "query") == (direction == "from") for i in range(len(tokens))]
        printed = [lab if (i % every == 0 or p) else "" for i, (lab, p) in enumerate(zip(labels, picked))]
        traces.append(dict(
            type="scatter", x=[x] * len(tokens), y=ys, mode="markers+text", text=printed,
            textposition=anchor, showlegend=False, name=f"{side} tokens",
            textfont=dict(color=["#D55E00" if p else "#222222" for p in picked]),
            marker=dict(size=9 if every == 1 else 5, color=["#D55E00" if p else "#bbbbbb" for p in picked]),
            customdata=[[side, i, lab] for i, lab in enumerate(labels)],
            hovertemplate=f"{side} %{{customdata[2]}} (%{{customdata[1]}})<extra>click to filter</extra>"))
    return traces


def lines_layout(fig: go.Figure, title: str, height: int, n_heads: int, lowest: float) -> None:
    """Axes hidden, the heads' legend as rows above the plot, 'query' / 'key' over the columns."""
    fig.update_xaxes(range=[-0.4, 1.4], visible=False, fixedrange=True)
    fig.update_yaxes(visible=False, range=[lowest - 0.7, 1.6])
    base_layout(fig, title, height=height)
    for text, x, anchor in (("query", 0, "right"), ("key", 1, "left")):
        fig.add_annotation(text=f"<b>{text}</b>", x=x, y=0.6, xanchor=anchor, yanchor="bottom",
                           showarrow=False, font=dict(color="#555555"))
    # the legend as a row of heads above the plot (a column at the right squeezes the lines);
    # the title sits above the legend rows, so the two never overlap
    legend_rows = -(-n_heads // 6)
    fig.update_layout(legend=dict(title=dict(text="<b>heads</b>", side="left"), orientation="h", x=0,
                                  xanchor="left", y=1.0, yanchor="bottom", itemclick="toggle",
                                  itemdoubleclick="toggleothers", itemwidth=30,
                                  entrywidthmode="fraction", entrywidth=1 / 6),  # 6 a row, as counted
                      hovermode="closest", margin=dict(t=64 + 24 * legend_rows, l=10, r=10),
                      # pinned to the top edge: plotly centres a title in the top margin by default,
                      # which put it on the legend rows once the margin grew to hold them
                      title=dict(yref="container", y=1.0, yanchor="top", pad=dict(t=12)))
