"""Figures for the positional-encoding lab: arrays in, plotly Figures out.

No Streamlit, no model calls. Matrices put positions (queries) top to bottom
(yaxis autorange reversed); signed values use a diverging scale centred at 0, unsigned ones a
sequential scale (both colour-blind-safe, from viz.theme).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.labs.arrays import as_numpy, cosine_similarity
from core.positional import frequencies
from viz.theme import CATEGORICAL, DIVERGING, SEQUENTIAL, base_layout

OK_COLOUR, FAIL_COLOUR, NA_COLOUR = "#cfe3f3", "#f6d3a8", "#e8e8e8"  # blue / orange / grey
INFO_COLOUR = "#ffffff"  # a number to read, not a pass/fail
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star")


def _arr(x: Any) -> np.ndarray:
    return as_numpy(x, np.float64)


def _heatmap(z: np.ndarray, signed: bool | None = None, **kwargs) -> go.Heatmap:
    """Diverging (zmid 0) for signed data, sequential otherwise."""
    signed = bool(np.nanmin(z) < 0) if signed is None else signed
    if signed:
        return go.Heatmap(z=z, colorscale=DIVERGING, zmid=0, **kwargs)
    return go.Heatmap(z=z, colorscale=SEQUENTIAL, **kwargs)


def _colour(i: int) -> str:
    return CATEGORICAL[i % len(CATEGORICAL)]


# --------------------------------------------------------------------------- encodings

def encoding_matrix(pe: Any, title: str = "Positional encoding") -> go.Figure:
    """Position x dimension heatmap of PE [N, d]: positions top to bottom."""
    z = _arr(pe)
    fig = go.Figure(_heatmap(z, hovertemplate="position %{y}<br>dim %{x}<br>value %{z:.4g}<extra></extra>",
                             colorbar=dict(title="value")))
    fig.update_yaxes(title="position", autorange="reversed")
    fig.update_xaxes(title="dimension")
    return base_layout(fig, title, height=420)


def dims_vs_position(pe: Any, dims: Sequence[int] = (4, 5, 6, 7),
                     title: str = "Chosen dimensions against position") -> go.Figure:
    """Line per chosen dimension of PE [N, d] against position (the Annotated Transformer's dims 4-7)."""
    z = _arr(pe)
    fig = go.Figure()
    for i, d in enumerate(x for x in dims if 0 <= x < z.shape[1]):
        fig.add_scatter(x=np.arange(len(z)), y=z[:, d], mode="lines", name=f"dim {d}",
                        line=dict(color=_colour(i)))
    fig.update_xaxes(title="position")
    fig.update_yaxes(title="value")
    fig.update_layout(legend=dict(orientation="h", y=-0.25, yanchor="top", x=0))
    return base_layout(fig, title, height=400)


def spectrum(pe: Any, dims: Sequence[int] | None = None,
             title: str = "Spectrum per dimension (FFT)") -> go.Figure:
    """|FFT| over position of chosen columns of PE [N, d], on a log-frequency axis.

    A sinusoidal column 2i is a pure tone at w_i / 2pi cycles per token: one peak per column,
    geometrically spaced (equally spaced on the log axis), as long as its period fits in the N
    positions: a slower column peaks at the lowest frequency bin, wherever its true tone is.
    layout.meta["unresolved"] lists those columns. Default dims: 6 even columns spread over the
    width. The DC bin is dropped (log axis)."""
    z = _arr(pe)
    n, d = z.shape
    if dims is None:
        dims = sorted({2 * int(i) for i in np.linspace(0, max(d // 2 - 1, 0), 6)})
    window = np.hanning(n)
    freqs = np.fft.rfftfreq(n)[1:]
    fig = go.Figure()
    unresolved = []
    for i, col in enumerate(x for x in dims if 0 <= x < d):
        signal = (z[:, col] - z[:, col].mean()) * window
        mag = np.abs(np.fft.rfft(signal))[1:]
        if mag.size and int(np.argmax(mag)) == 0 and mag.max() > 0:
            unresolved.append(int(col))
        fig.add_scatter(x=freqs, y=mag, mode="lines", name=f"dim {col}", line=dict(color=_colour(i)))
    fig.update_layout(meta={"unresolved": unresolved, "n_positions": int(n)})
    fig.update_xaxes(title="frequency (cycles per token, log)", type="log", dtick=1, exponentformat="power")
    fig.update_yaxes(title="|FFT| (Hann window)")
    fig.update_layout(legend=dict(orientation="h", y=-0.25, yanchor="top", x=0))
    return base_layout(fig, title, height=400)


def similarity_matrix(pe: Any, cosine: bool = True, title: str | None = None) -> go.Figure:
    """PE . PE^T (cosine similarity by default) for PE [N, d], positions top to bottom."""
    z = _arr(pe)
    gram = cosine_similarity(z) if cosine else z @ z.T
    label = "cosine similarity" if cosine else "PE(p)·PE(q)"
    fig = go.Figure(_heatmap(gram, colorbar=dict(title=label.split()[0]),
                             hovertemplate="p %{y}, q %{x}<br>" + label + " %{z:.4g}<extra></extra>"))
    fig.update_yaxes(title="position p", autorange="reversed")
    fig.update_xaxes(title="position q")
    default = "Cosine similarity matrix" if cosine else "Dot-product matrix"
    return base_layout(fig, title or default, height=420)


def similarity_by_offset(pe: Any, anchor: int | None = None, max_offset: int | None = None,
                         title: str | None = None) -> go.Figure:
    """Cosine similarity of PE(anchor) with PE(anchor + k) and PE(anchor - k) against k >= 0.

    The two curves coincide for sinusoidal PE: the dot product cannot tell before from after.
    Default anchor: the middle position."""
    z = _arr(pe)
    n = len(z)
    anchor = n // 2 if anchor is None else int(np.clip(anchor, 0, n - 1))
    cos = cosine_similarity(z, z[anchor:anchor + 1])[:, 0]
    fig = go.Figure()
    k_plus = np.arange(0, (n - anchor) if max_offset is None else min(n - anchor, max_offset + 1))
    k_minus = np.arange(0, (anchor + 1) if max_offset is None else min(anchor + 1, max_offset + 1))
    fig.add_scatter(x=k_plus, y=cos[anchor + k_plus], mode="lines", name=f"+k (after {anchor})",
                    line=dict(color=_colour(0), width=3))
    fig.add_scatter(x=k_minus, y=cos[anchor - k_minus], mode="lines", name=f"−k (before {anchor})",
                    line=dict(color=_colour(1), dash="dash", width=2))
    fig.update_xaxes(title="offset k")
    fig.update_yaxes(title="cosine similarity")
    fig.update_layout(legend=dict(orientation="h", y=-0.25, yanchor="top", x=0))
    return base_layout(fig, title or f"Similarity to position {anchor} by offset", height=400)


def clock_hands(d_model: int, position: int, n_dials: int = 8, base: float = 10000.0,
                title: str | None = None) -> go.Figure:
    """One dial per chosen frequency w_i = base^(-2i/d): the hand points at (cos w_i p, sin w_i p).

    Fast dials (left) spin quickly; slow dials (right) barely move: together they spell the
    position the way the hands of a clock spell the time. Dials: n_dials pairs i spread over
    0..d/2-1."""
    pairs = sorted({int(i) for i in np.linspace(0, d_model // 2 - 1, n_dials)})
    freqs = frequencies(d_model, base).numpy()
    fig = go.Figure()
    theta = np.linspace(0, 2 * np.pi, 97)
    for j, i in enumerate(pairs):
        w = float(freqs[i])
        cx = 2.6 * j
        angle = w * position
        fig.add_scatter(x=cx + np.cos(theta), y=np.sin(theta), mode="lines", hoverinfo="skip",
                        line=dict(color="#999999", width=1), showlegend=False)
        fig.add_scatter(x=[cx, cx + np.cos(angle)], y=[0, np.sin(angle)], mode="lines+markers",
                        line=dict(color=_colour(j), width=4), marker=dict(size=[4, 10]), showlegend=False,
                        hovertemplate=(f"pair i={i}, dims {2 * i},{2 * i + 1}<br>wavelength "
                                       f"{2 * np.pi / w:.4g} tokens<br>angle {angle % (2 * np.pi):.3f} rad"
                                       "<extra></extra>"))
        fig.add_annotation(x=cx, y=-1.12, yanchor="top", text=f"i={i}<br>λ={_short(2 * np.pi / w)}",
                           showarrow=False)
    fig.update_xaxes(visible=False, scaleanchor="y", scaleratio=1)
    fig.update_yaxes(visible=False, range=[-2.1, 1.15])
    return base_layout(fig, title or f"Clock hands at position {position}", height=300)


def _short(x: float) -> str:
    """A wavelength in few characters: 6.28, 62.8, 838, 3.5k, 47k."""
    return f"{x:.3g}" if x < 1000 else f"{x / 1000:.2g}k"


def pca_3d(encodings: Mapping[str, Any], title: str = "Position vectors, 3-D PCA") -> go.Figure:
    """Each PE [N, d] projected on its own first 3 principal components, drawn as a path
    through positions 0..N-1 in the encoding's legend colour (position 0 is the big dot; the
    hover gives every position). Rank < 3 pads with zeros (a broadcast scalar
    encoding is a line: positions fold onto each other)."""
    fig = go.Figure()
    for i, (name, pe) in enumerate(encodings.items()):
        z = _arr(pe)
        centred = z - z.mean(axis=0)
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        coords = np.zeros((len(z), 3))
        k = min(3, int((s > 1e-12 * max(s.max(initial=0), 1e-300)).sum()))
        coords[:, :k] = u[:, :k] * s[:k]
        fig.add_scatter3d(x=coords[:, 0], y=coords[:, 1], z=coords[:, 2], mode="lines+markers", name=name,
                          marker=dict(size=[7] + [2.5] * (len(z) - 1), color=_colour(i)),
                          line=dict(color=_colour(i), width=3),
                          text=[f"{name}: position {p}" for p in range(len(z))], hoverinfo="text")
    axis = dict(nticks=4, tickfont=dict(size=11))  # fixed: projector-size ticks pile up in 3-D
    fig.update_layout(scene=dict(xaxis=dict(title="PC1", **axis), yaxis=dict(title="PC2", **axis),
                                 zaxis=dict(title="PC3", **axis)))
    return base_layout(fig, title, height=480)


# --------------------------------------------------------------------------- failure demos

def level_line(values: Any, level: float, eps: float, title: str | None = None) -> go.Figure:
    """A single sine pe(p) (values [N]) with a horizontal line at `level`: every position whose
    value lies within eps of the line is highlighted: those positions cannot be told apart."""
    v = _arr(values)
    p = np.arange(len(v))
    hit = np.abs(v - level) <= eps
    fig = go.Figure()
    fig.add_scatter(x=p, y=v, mode="lines+markers", name="pe(p)", line=dict(color="#999999", width=1),
                    marker=dict(size=4, color=_colour(0)))
    fig.add_scatter(x=p[hit], y=v[hit], mode="markers", name=f"within {eps:g} of the line",
                    marker=dict(size=11, color=_colour(1), symbol="diamond", line=dict(width=1)))
    fig.add_hline(y=level, line=dict(color=_colour(5), dash="dash"))
    fig.update_xaxes(title="position p")
    fig.update_yaxes(title="pe(p)")
    return base_layout(fig, title or f"{int(hit.sum())} positions share the value {level:.3f} ± {eps:g}",
                       height=360)


def stretched_band(values: Any, embedding_std: float, zoom: tuple[int, int] = (0, 10),
                   title: str | None = None) -> go.Figure:
    """A stretched sine pe(p) (values [N]) inside a ±1σ band of token-embedding values.

    Left: all positions; right: a zoom on positions zoom[0]..zoom[1]: the position steps
    (~1e-4) vanish inside the spread of the word embeddings (σ)."""
    v = _arr(values)
    p = np.arange(len(v))
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4],
                        subplot_titles=("all positions", f"zoom: positions {zoom[0]}–{zoom[1]}"))
    lo, hi = zoom[0], min(zoom[1], len(v) - 1)
    for col, sl in ((1, slice(None)), (2, slice(lo, hi + 1))):
        x, y = p[sl], v[sl]
        fig.add_scatter(x=np.r_[x, x[::-1]], y=np.r_[y + embedding_std, (y - embedding_std)[::-1]],
                        fill="toself", fillcolor="rgba(0,114,178,0.18)", line=dict(width=0),
                        name=f"±1σ of token embeddings (σ={embedding_std:.3g})", showlegend=col == 1,
                        hoverinfo="skip", row=1, col=col)
        fig.add_scatter(x=x, y=y, mode="lines+markers" if col == 2 else "lines", name="pe(p)",
                        line=dict(color=_colour(5), width=2), showlegend=col == 1, row=1, col=col)
    fig.update_xaxes(title="position p")
    fig.update_yaxes(title="value", col=1)
    return base_layout(fig, title or "Stretched sine against the spread of token embeddings", height=380)


def sigmoid_saturation(values32: Any, values64: Any, title: str | None = None) -> go.Figure:
    """σ(p) for p = 0..N-1 (values32 float32, values64 float64 [N]): left linear, right 1 − σ(p)
    on a log axis. Markers (x) where float32 rounds σ(p) to exactly 1.0 (p >= 17): from there
    every position gets the same encoding."""
    v32, v64 = np.asarray(values32), _arr(values64)
    p = np.arange(len(v64))
    ones = v32 == 1.0
    fig = make_subplots(rows=1, cols=2, subplot_titles=("σ(p), linear", "1 − σ(p), log scale"))
    fig.add_scatter(x=p, y=v64, mode="lines+markers", name="σ(p)", line=dict(color=_colour(0)),
                    marker=dict(size=4), row=1, col=1)
    fig.add_scatter(x=p[ones], y=v32[ones], mode="markers", name="float32 σ(p) == 1.0",
                    marker=dict(symbol="x", size=8, color=_colour(5)), row=1, col=1)
    gap = 1.0 - v64
    fig.add_scatter(x=p, y=np.where(gap > 0, gap, np.nan), mode="lines", name="1 − σ(p), float64",
                    line=dict(color=_colour(0)), row=1, col=2)
    gap32 = (1.0 - v32.astype(np.float64))
    fig.add_scatter(x=p[~ones], y=gap32[~ones], mode="markers", name="1 − σ(p), float32",
                    marker=dict(size=5, color=_colour(1)), row=1, col=2)
    if ones.any():
        first = int(p[ones][0])
        fig.add_vline(x=first, line=dict(dash="dash", color=_colour(5)), row=1, col=2)
        fig.add_annotation(x=first, y=0.02, yref="y2 domain", xref="x2", text=f"float32: 1.0 from p={first}",
                           showarrow=False, xanchor="left")
    fig.add_hrect(y0=1 - 1e-2, y1=1.0, fillcolor="rgba(230,159,0,0.15)", line_width=0, row=1, col=1)
    fig.update_yaxes(type="log", title="1 − σ(p)", row=1, col=2)
    fig.update_yaxes(title="σ(p)", row=1, col=1)
    fig.update_xaxes(title="position p")
    return base_layout(fig, title or "Sigmoid saturates: late positions all look like 1", height=380)


def normalized_index(lengths: Sequence[int] = (5, 10, 20), position: int = 2,
                     title: str | None = None) -> go.Figure:
    """p / (N − 1) against p for several lengths N; position `position` is marked on each:
    the same position gets a different value when the sequence grows."""
    fig = go.Figure()
    for i, n in enumerate(lengths):
        p = np.arange(n)
        fig.add_scatter(x=p, y=p / max(n - 1, 1), mode="lines+markers", name=f"N = {n}",
                        line=dict(color=_colour(i)), marker=dict(size=5))
        if position < n:
            fig.add_scatter(x=[position], y=[position / max(n - 1, 1)], mode="markers+text",
                            text=[f"{position / max(n - 1, 1):.3f}"], textposition="top left",
                            marker=dict(size=13, color=_colour(i), symbol="star"), showlegend=False)
    fig.update_xaxes(title="position p")
    fig.update_yaxes(title="p / (N − 1)")
    return base_layout(fig, title or f"Normalized index: position {position} changes with N", height=340)


def raw_index(n_positions: int = 512, embedding_std: float = 0.02, title: str | None = None) -> go.Figure:
    """pe(p) = p against p, with the band [−1, 1] and ±1σ of token embeddings for scale."""
    p = np.arange(n_positions)
    fig = go.Figure()
    fig.add_hrect(y0=-1, y1=1, fillcolor="rgba(0,158,115,0.25)", line_width=0,
                  annotation_text="bounded range [−1, 1]", annotation_position="top left")
    fig.add_scatter(x=p, y=p, mode="lines", name="pe(p) = p", line=dict(color=_colour(5), width=3))
    fig.update_xaxes(title="position p")
    fig.update_yaxes(title="value")  # linear: on a log axis the band [−1, 1] and p = 0 cannot be drawn
    ratio = (n_positions - 1) / embedding_std
    fig.update_layout(meta={"last": n_positions - 1, "ratio": ratio})
    return base_layout(fig, title or f"Raw index grows without bound: {n_positions - 1} at the end "
                       f"({ratio:,.0f}× the embedding σ)", height=340)


# --------------------------------------------------------------------------- scorecard table

def _cell(entry: Mapping[str, Any]) -> str:
    """'✓ value', '✗ value', 'n/a', 'uninformative (value)' or, for information rows, the value."""
    value = entry.get("value")
    if value is None:
        return "n/a"
    if entry.get("info"):
        return f"{value:.3g}σ ({entry['scaled']:.2g}σ·√d)"
    if entry.get("informative") is False:
        return f"uninformative ({value:.2g})"
    if isinstance(value, tuple):
        shown = f"[{value[0]:.3g}, {value[1]:.3g}]"
    else:
        shown = f"{value:.3g}"
    if "pair" in entry:
        shown += f" at {entry['pair']}"
    if "relative" in entry:
        shown += f" ({entry['relative']:.2g}σ)"
    return ("✓ " if entry.get("ok") else "✗ ") + shown


def scorecard_table(cards: Sequence[Mapping[str, Any]], measures: Mapping[str, Mapping[str, str]],
                    title: str = "Requirement scorecard") -> go.Figure:
    """A table: one row per measure, one column per encoding; ✓ (blue) meets the requirement,
    ✗ (orange) fails, n/a or uninformative (grey) does not apply, white: a number to read."""
    names = list(measures)
    header = ["requirement", *[c["kind"] for c in cards]]
    cols = [[measures[m]["requirement"] for m in names]]
    fills = [["white"] * len(names)]
    for c in cards:
        cols.append([_cell(c[m]) for m in names])
        fills.append([INFO_COLOUR if c[m].get("info") else NA_COLOUR if c[m].get("ok") is None
                      else OK_COLOUR if c[m]["ok"] else FAIL_COLOUR for m in names])
    fig = go.Figure(go.Table(header=dict(values=header, fill_color="#f0f0f0", align="left"),
                             cells=dict(values=cols, fill_color=fills, align="left", height=28)))
    return base_layout(fig, title, height=110 + 32 * len(names))


# --------------------------------------------------------------------------- order matters

def order_matters_figure(words_a: Sequence[str], words_b: Sequence[str], weights_a: Any, weights_b: Any,
                  output_diff_per_word: Any, title: str | None = None) -> go.Figure:
    """Sentence A's attention weights [words, words], sentence B's aligned to A's word order,
    their difference (diverging, centred at 0) and the per-word output difference [words]."""
    wa, wb, od = _arr(weights_a), _arr(weights_b), _arr(output_diff_per_word)
    diff = wa - wb
    labels = [f"{w} ({i})" for i, w in enumerate(words_a)]
    fig = make_subplots(rows=1, cols=4, column_widths=[0.27, 0.27, 0.27, 0.19], horizontal_spacing=0.06,
                        subplot_titles=("sentence A", "B, aligned to A's words", "A − B",
                                        "output |A − B|"))
    for col, z in ((1, wa), (2, wb)):
        fig.add_trace(go.Heatmap(z=z, x=labels, y=labels, colorscale=SEQUENTIAL, zmin=0, zmax=1,
                                 showscale=col == 1,
                                 colorbar=dict(orientation="h", x=0.27, y=-0.32, len=0.4, title="weight"),
                                 hovertemplate="query %{y}<br>key %{x}<br>weight %{z:.4f}<extra></extra>"),
                      row=1, col=col)
    # fixed floors: float64 rounding (~1e-16 for `none`) must read as zero, not fill the scale
    bound = float(max(np.abs(diff).max(), 0.05))
    fig.add_trace(go.Heatmap(z=diff, x=labels, y=labels, colorscale=DIVERGING, zmid=0, zmin=-bound,
                             zmax=bound,
                             colorbar=dict(orientation="h", x=0.72, y=-0.32, len=0.4, title="A − B"),
                             hovertemplate="query %{y}<br>key %{x}<br>A − B %{z:.3g}<extra></extra>"),
                  row=1, col=3)
    fig.add_bar(x=od, y=labels, orientation="h", marker_color=_colour(5), showlegend=False,
                hovertemplate="%{y}: %{x:.3g}<extra></extra>", row=1, col=4)
    fig.update_xaxes(range=[0, 1.1 * float(max(od.max(initial=0.0), 0.05))], row=1, col=4)
    for col in (1, 2, 3, 4):
        fig.update_yaxes(autorange="reversed", row=1, col=col)
    fig.update_yaxes(showticklabels=False, row=1, col=2)
    fig.update_yaxes(showticklabels=False, row=1, col=3)
    fig.update_yaxes(showticklabels=False, row=1, col=4)
    title = title or f"A: “{' '.join(words_a)}”   B: “{' '.join(words_b)}”"
    return base_layout(fig, title, height=460)


# --------------------------------------------------------------------------- trained comparison

def accuracy_bars(accuracy: Mapping[str, float], chance: float, train_length: int,
                  title: str | None = None) -> go.Figure:
    """Held-out accuracy per encoding at the training length, with the order-blind chance line."""
    kinds = list(accuracy)
    fig = go.Figure(go.Bar(x=kinds, y=[accuracy[k] for k in kinds],
                           marker_color=[_colour(i) for i in range(len(kinds))],
                           text=[f"{accuracy[k]:.2f}" for k in kinds], textposition="outside"))
    fig.add_hline(y=chance, line=dict(dash="dash", color="#555555"))
    fig.add_annotation(x=1, xref="paper", xanchor="right", y=1.0, yref="paper", yanchor="bottom",
                       showarrow=False,
                       text=f"dashed line: chance for an order-blind model, 1/(N−1) = {chance:.3f}",
                       font=dict(size=12, color="#555555"))
    fig.update_yaxes(title="accuracy", range=[0, 1.15])
    fig = base_layout(fig, title or f"Previous-token accuracy at N = {train_length}",
                      height=380)
    fig.update_layout(margin=dict(t=80))  # the chance note sits between the title and the bars
    return fig


def accuracy_vs_length(curves: Mapping[str, Mapping[int, float | None]], train_length: int,
                       chance: Mapping[int, float] | None = None, title: str | None = None) -> go.Figure:
    """Accuracy against evaluation length per encoding ({kind: {length: acc or None}}); a line at
    the training length. None (a learned table has no rows there) leaves a gap."""
    fig = go.Figure()
    for i, (kind, curve) in enumerate(curves.items()):
        xs = sorted(int(n) for n in curve)
        ys = [curve[n] if n in curve else curve[str(n)] for n in xs]
        # equal curves (several kinds at 1.0) would hide each other: own dash, symbol and size
        fig.add_scatter(x=xs, y=[np.nan if y is None else y for y in ys], mode="lines+markers", name=kind,
                        line=dict(color=_colour(i), dash=DASHES[i % len(DASHES)], width=2 + (i % 3)),
                        marker=dict(symbol=SYMBOLS[i % len(SYMBOLS)], size=12 - 2 * (i % 3)))
    if chance:
        xs = sorted(int(n) for n in chance)
        fig.add_scatter(x=xs, y=[chance[n] for n in xs], mode="lines", name="chance 1/(N−1)",
                        line=dict(dash="dot", color="#555555"))
    fig.add_vline(x=train_length, line=dict(dash="dash", color="#555555"))
    # the label sits above the plot area, where no curve can run through it
    fig.add_annotation(x=train_length, xref="x", y=1.0, yref="paper", yanchor="bottom", showarrow=False,
                       text=f"trained at N = {train_length}", font=dict(color="#555555"))
    fig.update_xaxes(title="sequence length N")
    fig.update_yaxes(title="accuracy", range=[0, 1.05])
    fig = base_layout(fig, title or "Accuracy beyond the training length", height=420)
    fig.update_layout(margin=dict(t=80))  # room for the label between the title and the plot
    return fig


def similarity_side_by_side(tables: Mapping[str, Any], title: str = "Cosine similarity of position vectors"
                            ) -> go.Figure:
    """Cosine-similarity matrices of several PE tables [N, d] side by side (shared colour scale
    −1..1, positions top to bottom): e.g. a trained learned table beside the sinusoidal one."""
    names = list(tables)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, horizontal_spacing=0.05)
    for i, name in enumerate(names):
        cos = cosine_similarity(tables[name])
        fig.add_trace(go.Heatmap(z=cos, colorscale=DIVERGING, zmid=0, zmin=-1, zmax=1, showscale=i == 0,
                                 hovertemplate="p %{y}, q %{x}<br>cos %{z:.3f}<extra></extra>"),
                      row=1, col=i + 1)
        fig.update_yaxes(autorange="reversed", row=1, col=i + 1)
    return base_layout(fig, title, height=400)


def head_maps(maps: Any, labels: Sequence[str] | None = None, signed: bool = False,
              title: str = "Per head") -> go.Figure:
    """Heatmaps of [heads, q, k] side by side (ALiBi bias per head, attention weights per head),
    queries top to bottom. signed=True: diverging centred at 0, shared range."""
    z = _arr(maps)
    heads = len(z)
    labels = list(labels) if labels is not None else [f"head {h}" for h in range(heads)]
    fig = make_subplots(rows=1, cols=heads, subplot_titles=labels, horizontal_spacing=0.03)
    bound = float(np.abs(z).max()) or 1.0
    for h in range(heads):
        kw = dict(colorscale=DIVERGING, zmid=0, zmin=-bound, zmax=bound) if signed else dict(
            colorscale=SEQUENTIAL, zmin=0, zmax=float(z.max()) if z.max() > 0 else 1)
        fig.add_trace(go.Heatmap(z=z[h], showscale=h == heads - 1, **kw,
                                 hovertemplate="query %{y}, key %{x}<br>%{z:.3g}<extra></extra>"),
                      row=1, col=h + 1)
        fig.update_yaxes(autorange="reversed", showticklabels=h == 0, row=1, col=h + 1)
    return base_layout(fig, title, height=300)


def rope_scores_figure(scores: Any,
                       title: str = "RoPE: q·k of one fixed q and k at positions m, n") -> go.Figure:
    """The score q_m·k_n [N, N] of one fixed q and k rotated by RoPE: constant along diagonals
    (Toeplitz), because it depends only on n − m. Diverging, centred at 0."""
    z = _arr(scores)
    fig = go.Figure(_heatmap(z, signed=True, hovertemplate="m %{y}, n %{x}<br>score %{z:.4g}<extra></extra>"))
    fig.update_yaxes(title="query position m", autorange="reversed")
    fig.update_xaxes(title="key position n")
    return base_layout(fig, title, height=380)


# --------------------------------------------------------------------------- images card

def images_card(sim_1d: Any, sim_2d: Any, numbers: Mapping[str, Mapping[str, float]], anchor: tuple[int, int],
                title: str = "Flattened 1-D sin/cos vs 2-D sin/cos on an image grid") -> go.Figure:
    """Cosine similarity of patch `anchor` to every patch of a grid, for 1-D (raster order) and
    2-D encodings (sim_1d, sim_2d [rows, cols]), plus grouped bars of the neighbour similarities
    ({"1-D": {"right": .., "below": .., "row wrap": ..}, "2-D": {...}})."""
    a, b = _arr(sim_1d), _arr(sim_2d)
    fig = make_subplots(rows=1, cols=3, column_widths=[0.32, 0.32, 0.36], horizontal_spacing=0.07,
                        subplot_titles=("1-D sin/cos (raster order)", "2-D sin/cos (MAE)",
                                        "similarity to neighbours"))
    for col, z in ((1, a), (2, b)):
        fig.add_trace(go.Heatmap(z=z, colorscale=SEQUENTIAL, zmin=float(min(a.min(), b.min())), zmax=1,
                                 showscale=col == 2,
                                 colorbar=dict(orientation="h", x=0.32, y=-0.3, len=0.6, title="cos"),
                                 hovertemplate="row %{y}, col %{x}<br>cos %{z:.3f}<extra></extra>"),
                      row=1, col=col)
        fig.add_scatter(x=[anchor[1]], y=[anchor[0]], mode="markers", marker=dict(symbol="x", size=12,
                        color="white", line=dict(width=2)), showlegend=False, row=1, col=col)
        fig.update_yaxes(autorange="reversed", title="row" if col == 1 else None, row=1, col=col)
    for i, (name, vals) in enumerate(numbers.items()):
        keys = list(vals)
        fig.add_bar(x=keys, y=[vals[k] for k in keys], name=name, marker_color=_colour(i),
                    text=[f"{vals[k]:.3f}" for k in keys], textposition="outside", row=1, col=3)
    fig.update_yaxes(range=[0, 1.1], row=1, col=3)
    fig.update_layout(barmode="group")
    return base_layout(fig, title, height=460)
