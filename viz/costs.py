"""Cost figures for self-attention vs recurrence vs convolution: AIAYN Table 1, operation counts
and measured wall times against n (log-log, with the n = d crossover), sequential steps, path
lengths and the one-layer connectivity graphs. Tables/arrays in, plotly Figures out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.theme import CATEGORICAL, base_layout

LAYER_COLOURS = {"self-attention": CATEGORICAL[1], "recurrent": CATEGORICAL[5],
                 "recurrent (RNN)": CATEGORICAL[5], "recurrent (LSTM)": CATEGORICAL[3],
                 "convolution": CATEGORICAL[0], "convolution (contiguous)": CATEGORICAL[0],
                 "convolution (dilated)": CATEGORICAL[4], "restricted self-attention": CATEGORICAL[2]}


def mark_x(fig: go.Figure, x: float, text: str, log_x: bool = False, **line) -> go.Figure:
    """A vertical line at data value x with a label at its top. Shapes use data units on a log
    axis but annotations use log10 units (plotly.js#1258), so the label is placed separately."""
    fig.add_vline(x=x, **{"line_color": "#333", "line_dash": "dash", **line})
    fig.add_annotation(x=float(np.log10(x)) if log_x else x, y=1, yref="paper", text=text,
                       showarrow=False, xanchor="left", yanchor="top", xshift=4,
                       font=dict(size=11, color="#333"))
    return fig


def table1_figure(rows: Sequence[Mapping[str, str]], caption: str | None = None) -> go.Figure:
    """Table 1 as a plotly table. rows: dicts with 'layer', 'complexity', 'sequential', 'path'."""
    header = ["Layer type", "Complexity per layer", "Sequential operations", "Maximum path length"]
    cols = [[r[k] for r in rows] for k in ("layer", "complexity", "sequential", "path")]
    fig = go.Figure(go.Table(
        header=dict(values=[f"<b>{h}</b>" for h in header], fill_color="#e8eef6", align="left",
                    font=dict(size=13)),
        cells=dict(values=cols, align="left", height=30, font=dict(size=13))))
    fig = base_layout(fig, "Attention Is All You Need, Table 1", height=250)
    if caption:  # below the table, wrapped by hand: plotly does not wrap annotation text
        words, lines, line = caption.split(), [], ""
        for w in words:
            if len(line) + len(w) > 80:  # still fits when projector fonts grow
                lines.append(line)
                line = ""
            line = f"{line} {w}".strip()
        lines.append(line)
        fig.add_annotation(text="<br>".join(lines), xref="paper", yref="paper", x=0, y=0,
                           showarrow=False, xanchor="left", yanchor="top", align="left",
                           font=dict(size=11, color="#555"))
        fig.update_layout(margin=dict(b=20 + 16 * len(lines)), height=250 + 16 * len(lines))
    return fig


def _line(name: str, x, y, dash: str | None = None, markers: bool = False) -> go.Scatter:
    return go.Scatter(x=x, y=y, name=name, mode="lines+markers" if markers else "lines",
                      line=dict(color=LAYER_COLOURS.get(name), width=3, dash=dash),
                      hovertemplate="n = %{x}: %{y:.3g}<extra>" + name + "</extra>")


def op_count_figure(n: np.ndarray, counts: Mapping[str, np.ndarray], d: int,
                    crossover: float | None = None) -> go.Figure:
    """Theoretical operations per layer [m] against n [m] on log-log axes, with a vertical line at
    the n^2 d = n d^2 crossover (n = d unless given)."""
    fig = go.Figure([_line(name, n, y) for name, y in counts.items()])
    mark_x(fig, d if crossover is None else crossover, f"n = d = {d}: attention cheaper to the left",
           log_x=True)
    fig.update_xaxes(type="log", dtick=1, title_text="sequence length n (tokens)")
    fig.update_yaxes(type="log", dtick=1, exponentformat="power", title_text="operations per layer")
    return base_layout(fig, f"Operation counts at d = {d} (Table 1)", height=380)


def timing_figure(table: Mapping[str, np.ndarray], d: int, crossover: float | None = None) -> go.Figure:
    """Measured wall time per forward pass (ms, log-log) against n, from core.labs.costs.measure_costs:
    table 'n' [m] plus one array [m] of seconds per layer. Marks n = d and the measured crossover."""
    n = table["n"]
    fig = go.Figure([_line(name, n, np.asarray(y) * 1e3, markers=True)
                     for name, y in table.items() if name != "n"])
    mark_x(fig, d, f"n = d = {d}", log_x=True)
    if crossover is not None:
        mark_x(fig, crossover, f"measured crossover ≈ {crossover:.0f}", log_x=True, line_dash="dot",
               line_color=LAYER_COLOURS["self-attention"])
        fig.layout.annotations[-1].update(y=0.9)
    fig.update_xaxes(type="log", dtick=1, title_text="sequence length n (tokens)")
    fig.update_yaxes(type="log", dtick=1, exponentformat="power", title_text="wall time per layer (ms)")
    return base_layout(fig, f"Measured here at d = {d} (one sequence, best run)",
                       height=380)


def sequential_steps_figure(n: np.ndarray, steps: Mapping[str, np.ndarray]) -> go.Figure:
    """Minimum sequential operations per layer [m] against n [m], log-log: n for recurrence (each
    step waits for the previous one), 1 for attention and convolution (all positions at once)."""
    fig = go.Figure([_line(name, n, y, dash="dot" if name == "convolution" else None)
                     for name, y in steps.items()])
    fig.update_xaxes(type="log", dtick=1, title_text="sequence length n (tokens)")
    fig.update_yaxes(type="log", dtick=1, exponentformat="power", title_text="sequential steps per layer")
    return base_layout(fig, "Steps that must wait for each other", height=340)


def path_length_figure(n: np.ndarray, lengths: Mapping[str, np.ndarray]) -> go.Figure:
    """Maximum path length between two positions [m] against n [m], log-log (Table 1's last column)."""
    fig = go.Figure([_line(name, n, y) for name, y in lengths.items()])
    fig.update_xaxes(type="log", dtick=1, title_text="sequence length n (tokens)")
    fig.update_yaxes(type="log", dtick=1, exponentformat="power", title_text="maximum path length (hops)")
    fig.update_layout(legend=dict(orientation="h", y=-0.25, yanchor="top", x=0))  # half-width column
    return base_layout(fig, "Hops from the first to the last token", height=460)


def _arcs(adjacency: np.ndarray) -> tuple[list[float | None], list[float | None]]:
    """Edges i<j as half-ellipse arcs above the positions, joined with None separators."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    t = np.linspace(0, np.pi, 24)
    for i, j in zip(*np.nonzero(np.triu(adjacency, 1))):
        mid, half = (i + j) / 2, (j - i) / 2
        xs += list(mid - half * np.cos(t)) + [None]
        ys += list(half * np.sin(t)) + [None]
    return xs, ys


def connectivity_figure(graphs: Mapping[str, np.ndarray], hops: Mapping[str, int] | None = None) -> go.Figure:
    """One panel per graph (name -> bool adjacency [n, n]): positions as dots on a line, every
    direct connection of one layer as an arc. hops: optional name -> longest path, in the title."""
    names = list(graphs)
    titles = [f"{name}" + (f": longest path {hops[name]} hop{'s' if hops[name] != 1 else ''}"
                           if hops and name in hops else "") for name in names]
    fig = make_subplots(rows=len(names), cols=1, subplot_titles=titles, vertical_spacing=0.1)
    for r, name in enumerate(names, start=1):
        adj = np.asarray(graphs[name], dtype=bool)
        n = adj.shape[0]
        xs, ys = _arcs(adj)
        colour = CATEGORICAL[(r - 1) % len(CATEGORICAL)]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=colour, width=1.5),
                                 hoverinfo="skip", showlegend=False, name=f"{name} edges"), row=r, col=1)
        fig.add_trace(go.Scatter(x=np.arange(n), y=np.zeros(n), mode="markers", showlegend=False,
                                 marker=dict(size=10, color="#222"), name=f"{name} positions",
                                 hovertemplate="position %{x}<extra></extra>"), row=r, col=1)
        fig.update_yaxes(visible=False, range=[-0.5, max(n / 2, 1) + 0.3], row=r, col=1)
        # numbers only under the last panel: between panels they crowded the next panel's title,
        # which then read as the caption of the panel above
        fig.update_xaxes(showgrid=False, zeroline=False, title_text="position" if r == len(names) else None,
                         showticklabels=r == len(names), ticks="", row=r, col=1)
    return base_layout(fig, "Who talks to whom in one layer", height=190 * len(names) + 60)
