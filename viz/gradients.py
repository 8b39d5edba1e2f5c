"""Gradient-flow figures: gradient norm against distance (RNN / LSTM / GRU / Transformer), Pascanu's
loss cliff with clipped and unclipped descent, per-layer gradient norms per component during
training, and the loss gradient on the attention weights.
Arrays in, plotly Figures out; nothing here runs a model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.theme import CATEGORICAL, DIVERGING, SEQUENTIAL, base_layout, head_label, token_axis

KIND_LABELS = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU", "transformer": "Transformer (attention)"}
KIND_COLOURS = {"rnn": CATEGORICAL[5], "lstm": CATEGORICAL[0], "gru": CATEGORICAL[2],
                "transformer": CATEGORICAL[1]}
FLOOR = 1e-300  # zeros cannot be drawn on a log axis


def gradient_distance_figure(curves: Mapping[str, np.ndarray],
                             references: Mapping[str, np.ndarray] | None = None,
                             title: str | None = None) -> go.Figure:
    """Gradient norm against distance on a log y axis.

    curves: kind ('rnn', 'lstm', 'gru', 'transformer' or any label) -> [T], entry d =
    ||d output_last / d input_{last-d}||. references: label -> [T] drawn dashed (the λ^d line,
    Pascanu's bound, the LSTM forget-gate product). On a log axis an exponential is a straight
    line of slope log λ.
    """
    fig = go.Figure()
    shown = np.concatenate([np.asarray(y, dtype=float).ravel() for y in curves.values()] or [np.ones(1)])
    shown = shown[shown > 0]
    for kind, y in curves.items():
        y = np.maximum(np.asarray(y, dtype=float), FLOOR)
        label = KIND_LABELS.get(kind, kind)
        fig.add_trace(go.Scatter(
            x=np.arange(len(y)), y=y, mode="lines", name=label,
            line=dict(color=KIND_COLOURS.get(kind), width=3),
            hovertemplate="distance %{x}: ‖∂y/∂u‖ = %{y:.3g}<extra>" + label + "</extra>"))
    # the y range follows the measured curves: a reference line that shoots off (a loose bound)
    # must not squash them; it is capped at the top edge instead (an arrow marks where it leaves)
    y_range = None if len(shown) == 0 else [np.log10(shown.min()) - 1, np.log10(shown.max()) + 1]
    top = np.inf if y_range is None else 10 ** y_range[1]
    dashes = ["dash", "dot", "dashdot", "longdash"]
    for i, (label, y) in enumerate((references or {}).items()):
        y = np.maximum(np.asarray(y, dtype=float), FLOOR)
        x = np.arange(len(y), dtype=float)
        over = np.flatnonzero(y > top)
        if len(over):
            k = int(over[0])
            if k > 0:  # end exactly on the top edge (log-linear interpolation)
                f = (np.log10(top) - np.log10(y[k - 1])) / (np.log10(y[k]) - np.log10(y[k - 1]))
                x = np.r_[x[:k], x[k - 1] + f]
            else:
                x = x[:1]
            y = np.r_[y[:k], top][:len(x)]
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=label,
                                 line=dict(color="#555", dash=dashes[i % len(dashes)], width=2)))
        if len(over):
            fig.add_trace(go.Scatter(x=[x[-1]], y=[y[-1]], mode="markers", showlegend=False,
                                     name=f"{label}: off the chart",
                                     marker=dict(symbol="triangle-up", size=11, color="#555"),
                                     hovertemplate=f"{label}: off the chart from d = {int(over[0])}"
                                                   "<extra></extra>"))
    fig.update_xaxes(title_text="distance d (steps back from the last output)")
    fig.update_yaxes(type="log", exponentformat="power", range=y_range,
                     title_text="gradient norm ‖∂ output(T) / ∂ input(T−d)‖")
    fig.update_layout(legend=dict(orientation="h", y=-0.22))
    return base_layout(fig, title or "Gradient reaching back d steps",
                       height=480)


def cliff_figure(w: np.ndarray, loss: np.ndarray, unclipped: Mapping[str, np.ndarray],
                 clipped: Mapping[str, np.ndarray] | None = None, wall: float | None = None,
                 threshold: float | None = None, floor: float = 1e-6) -> go.Figure:
    """The loss L(w) [n] over the grid w [n] (log y, floored at `floor`) with gradient-descent
    iterates overlaid: unclipped / clipped each a mapping with 'w' and 'loss' [steps+1].

    An arrow marks each run's step from its steepest point (its 'grad' [steps], if given; else its
    largest step), labelled "unclipped step" / "clipped step"; the wall at `wall` is labelled
    "cliff". Traces: the loss curve, the unclipped run, then the clipped run.
    """
    fig = go.Figure(go.Scatter(x=w, y=np.maximum(loss, floor), mode="lines", name="loss L(w)",
                               line=dict(color="#555", width=2),
                               hovertemplate="w = %{x:.3f}: L = %{y:.3g}<extra></extra>"))
    runs = [("unclipped", unclipped, CATEGORICAL[5], "circle")]
    if clipped is not None:
        runs.append(("clipped", clipped, CATEGORICAL[2], "diamond"))
    for name, run, colour, symbol in runs:
        x, y = np.asarray(run["w"], dtype=float), np.maximum(np.asarray(run["loss"], dtype=float), floor)
        label = f"{name} descent" + (f" (‖g‖ ≤ {threshold:g})" if name == "clipped" and threshold else "")
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=label,
                                 line=dict(color=colour, width=1.5, dash="dot"),
                                 marker=dict(color=colour, size=9, symbol=symbol,
                                             line=dict(color="white", width=1)),
                                 customdata=np.arange(len(x)),
                                 hovertemplate="step %{customdata}: w = %{x:.3f}, L = %{y:.3g}"
                                               "<extra>" + name + "</extra>"))
        # the arrow: the step taken at the steepest point met (the wall), else the largest step
        k = int(np.argmax(np.abs(run["grad"] if "grad" in run else np.diff(x))))
        fig.add_annotation(x=x[k + 1], y=np.log10(y[k + 1]), ax=x[k], ay=np.log10(y[k]),
                           xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=3,
                           arrowsize=1.4, arrowwidth=2, arrowcolor=colour, text="")
        fig.add_annotation(x=(x[k] + x[k + 1]) / 2, y=np.log10(np.sqrt(y[k] * y[k + 1])),
                           text=f"{name} step: Δw = {x[k + 1] - x[k]:+.2f}", showarrow=False,
                           font=dict(color=colour, size=13), bgcolor="rgba(255,255,255,0.85)",
                           **(dict(yshift=16) if name == "unclipped" else dict(xanchor="right",
                                                                               xshift=-14)))
    if wall is not None:
        fig.add_vline(x=wall, line=dict(color="#999", dash="dash", width=1))
        fig.add_annotation(x=wall, y=0.5, yref="paper", text="cliff", showarrow=False, xanchor="left",
                           xshift=6, font=dict(size=14))
    fig.update_xaxes(title_text="recurrent weight w")
    fig.update_yaxes(type="log", exponentformat="power", title_text="loss L(w) = (x_T − target)²",
                     range=[np.log10(floor), np.log10(max(float(np.max(loss)), floor)) + 0.5])
    fig.update_layout(legend=dict(orientation="h", y=-0.2))
    return base_layout(fig, "The cliff of an exploding gradient", height=460)


def layer_gradient_figure(norms: Mapping[str, np.ndarray], title: str | None = None,
                          y_title: str = "‖∂loss/∂parameters‖") -> go.Figure:
    """Per-layer gradient norms per component as grouped bars, log y.

    norms: component -> [L] per layer (layers 0..L-1), e.g. 'attention' and 'MLP'; an
    'embeddings' entry [1] is drawn as its own bar group before layer 0.
    """
    fig = go.Figure()
    n_layers = max(len(v) for k, v in norms.items() if k != "embeddings")
    x_layers = [f"layer {i}" for i in range(n_layers)]
    colours = iter([CATEGORICAL[0], CATEGORICAL[1], CATEGORICAL[3], CATEGORICAL[4]])
    for name, y in norms.items():
        y = np.maximum(np.asarray(y, dtype=float), FLOOR)
        embed = name == "embeddings"
        fig.add_trace(go.Bar(x=["embeddings"] if embed else x_layers[:len(y)], y=y, name=name,
                             marker_color=CATEGORICAL[2] if embed else next(colours),
                             hovertemplate="%{x}: %{y:.3g}<extra>" + name + "</extra>"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="input side → output side", categoryorder="array",
                     categoryarray=["embeddings", *x_layers])
    values = np.concatenate([np.maximum(np.ravel(v), FLOOR) for v in norms.values()])
    hi = np.log10(values.max()) + 0.15
    lo = min(np.log10(values.min()) - 0.3, hi - 2.15)  # >= 2 decades: a short bar means a small norm
    fig.update_yaxes(type="log", dtick=1, exponentformat="power", title_text=y_title, range=[lo, hi])
    return base_layout(fig, title or "Gradient norm per layer and component", height=380)


def variant_comparison_figure(per_variant: Mapping[str, np.ndarray], component: str = "attention",
                              title: str | None = None) -> go.Figure:
    """One line per architecture variant: gradient norm [L] of `component` per layer, log y."""
    fig = go.Figure()
    for i, (variant, y) in enumerate(per_variant.items()):
        y = np.maximum(np.asarray(y, dtype=float), FLOOR)
        fig.add_trace(go.Scatter(x=[f"layer {j}" for j in range(len(y))], y=y, mode="lines+markers",
                                 name=variant, line=dict(color=CATEGORICAL[i % len(CATEGORICAL)], width=3)))
    fig.update_yaxes(type="log", exponentformat="power", title_text=f"‖∂loss/∂{component} parameters‖")
    fig.update_xaxes(title_text="input side → output side")
    return base_layout(fig, title or f"{component.capitalize()} gradient per layer and variant", height=360)


def loss_curves_figure(steps: np.ndarray, losses: Mapping[str, np.ndarray],
                       current: int | None = None, chance: float | None = None) -> go.Figure:
    """Training loss [S] per variant against step [S]; optional marker of the shown step and the
    chance-level loss (log of the vocabulary size)."""
    fig = go.Figure()
    for i, (variant, y) in enumerate(losses.items()):
        fig.add_trace(go.Scatter(x=steps, y=y, mode="lines", name=variant,
                                 line=dict(color=CATEGORICAL[i % len(CATEGORICAL)], width=2)))
    if chance is not None:
        fig.add_hline(y=chance, line_dash="dot", line_color="#777", annotation_text="chance")
    if current is not None:
        fig.add_vline(x=current, line_color="#999")
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(title_text="loss (cross-entropy)")
    return base_layout(fig, "Training loss on the toy copy task", height=300)


def attention_gradient_figure(weights: np.ndarray, grads: np.ndarray, tokens: Sequence[str],
                              layer: int = 0, heads: Sequence[int] | None = None) -> go.Figure:
    """Per head: the attention weights (top row, sequential 0..1) above the gradient of the loss
    with respect to those weights (bottom row, diverging, centred at 0, one symmetric range).

    weights, grads: [heads, q_pos, k_pos]; tokens: [k_pos] display strings (queries = keys).
    """
    weights, grads = np.asarray(weights, dtype=float), np.asarray(grads, dtype=float)
    if weights.shape != grads.shape or weights.ndim != 3:
        raise ValueError(f"weights and grads must both be [heads, q, k], got {weights.shape}, {grads.shape}")
    heads = list(range(weights.shape[0])) if heads is None else list(heads)
    cols = len(heads)
    titles = [f"{head_label(layer, h)} weights" for h in heads] + [f"{head_label(layer, h)} ∂loss/∂weight"
                                                                   for h in heads]
    fig = make_subplots(rows=2, cols=cols, subplot_titles=titles, horizontal_spacing=0.03,
                        vertical_spacing=0.12)
    span = float(np.abs(grads[heads]).max()) or 1.0
    for c, h in enumerate(heads, start=1):
        fig.add_trace(go.Heatmap(z=weights[h], colorscale=SEQUENTIAL, zmin=0, zmax=1,
                                 showscale=c == cols,
                                 colorbar=dict(title="weight", len=0.42, y=0.79),
                                 hovertemplate="query %{y} → key %{x}: weight %{z:.3f}<extra></extra>"),
                      row=1, col=c)
        fig.add_trace(go.Heatmap(z=grads[h], colorscale=DIVERGING, zmid=0, zmin=-span, zmax=span,
                                 showscale=c == cols, colorbar=dict(title="∂loss/∂w", len=0.42, y=0.21),
                                 hovertemplate="query %{y} → key %{x}: ∂loss/∂w %{z:.2e}<extra></extra>"),
                      row=2, col=c)
    for r in (1, 2):
        for c in range(1, cols + 1):
            fig.update_xaxes(token_axis(list(tokens)), row=r, col=c)
            axis = token_axis(list(tokens), vertical=True)
            if c > 1:
                axis["showticklabels"] = False
            fig.update_yaxes(axis, row=r, col=c)
    return base_layout(fig, f"Layer {layer}: attention weights (top) and the loss gradient on them "
                       "(bottom, red = raising this weight raises the loss)", height=560)
