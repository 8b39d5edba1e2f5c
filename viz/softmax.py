"""Softmax Jacobian figures: probabilities, the Jacobian heatmap, its eigenvalues, ||J|| against
logit scale, and the sqrt(d_k) Monte Carlo. Arrays in, plotly Figures out (no model runs here)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.costs import mark_x
from viz.theme import CATEGORICAL, COLORBAR_ROOM, DIVERGING, base_layout, colorbar_below, token_label


def _labels(n: int, labels: Sequence[str] | None) -> list[str]:
    return [token_label(x) for x in labels] if labels is not None else [f"z{i}" for i in range(n)]


def probability_bars(probs: np.ndarray, labels: Sequence[str] | None = None) -> go.Figure:
    """Bar chart of the softmax output s [n] (a probability distribution, sums to 1)."""
    probs = np.asarray(probs, dtype=float)
    names = _labels(len(probs), labels)
    fig = go.Figure(go.Bar(x=names, y=probs, marker_color=CATEGORICAL[0], name="probability s_i",
                           text=[f"{p:.3f}" for p in probs], textposition="outside",
                           hovertemplate="%{x}: s = %{y:.4f}<extra></extra>"))
    fig.update_yaxes(title_text="probability s_i", range=[0, 1.1])
    fig.update_xaxes(title_text="logit (s = softmax(z / T))")
    return base_layout(fig, f"Probabilities s (sum {probs.sum():.3f})", height=320)


def jacobian_heatmap(jac: np.ndarray, labels: Sequence[str] | None = None) -> go.Figure:
    """The Jacobian J [n, n] (row i: derivatives of s_i with respect to each logit z_j) as a
    diverging heatmap centred at 0, rows top to bottom, each row's sum written at its right."""
    jac = np.asarray(jac, dtype=float)
    n = jac.shape[0]
    if jac.shape != (n, n):
        raise ValueError(f"jac must be square [n, n], got {jac.shape}")
    names = _labels(n, labels)
    span = float(np.abs(jac).max()) or 1.0
    text = [[f"{v:.3f}" for v in row] for row in jac] if n <= 12 else None
    fig = go.Figure(go.Heatmap(
        z=jac, x=names, y=[f"s({x})" for x in names], colorscale=DIVERGING, zmid=0, zmin=-span,
        zmax=span, text=text, texttemplate="%{text}" if text else None,
        colorbar=colorbar_below(0.1, 0.9, "∂s_i/∂z_j"),
        hovertemplate="∂s(%{y})/∂%{x} = %{z:.5f}<extra></extra>"))
    sums = jac.sum(axis=1)
    for i, s in enumerate(sums):
        fig.add_annotation(x=1.0, xref="paper", xanchor="left", y=f"s({names[i]})",
                           text=f"Σ = {s + 0.0:.1e}", showarrow=False, font=dict(size=11))
    fig.update_yaxes(autorange="reversed", title_text="output probability s_i")
    fig.update_xaxes(title_text="input logit z_j")
    fig = base_layout(fig, "Jacobian J = (diag(s) − s sᵀ) / T", height=460)
    fig.update_layout(margin=dict(r=95, b=COLORBAR_ROOM))  # room for the row sums; colour bar below
    return fig


def eigenvalue_bars(eigenvalues: np.ndarray) -> go.Figure:
    """Eigenvalues of J [n], sorted largest first, with the 1/2 ceiling drawn as a line."""
    ev = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    fig = go.Figure(go.Bar(x=[f"λ{i + 1}" for i in range(len(ev))], y=ev, marker_color=CATEGORICAL[2],
                           name="eigenvalue", hovertemplate="%{x} = %{y:.5f}<extra></extra>"))
    fig.add_hline(y=0.5, line_dash="dash", line_color="#555", annotation_text="ceiling ½ (T = 1)",
                  annotation_position="top right")
    fig.update_yaxes(title_text="eigenvalue", range=[0, 0.62])
    return base_layout(fig, "Eigenvalues of J (one is always 0)", height=320)


def jacobian_norm_curve(scale: np.ndarray, wrt_scaled: np.ndarray, wrt_logits: np.ndarray | None = None,
                        current: float | None = None) -> go.Figure:
    """||J||_2 [m] against logit scale 1/T [m] (log x): the norm with respect to the scaled
    logits (≤ 1/2) and optionally with respect to the raw logits (= scale × that)."""
    fig = go.Figure(go.Scatter(x=scale, y=wrt_scaled, mode="lines", name="‖∂s/∂(z/T)‖₂ (≤ ½)",
                               line=dict(color=CATEGORICAL[0], width=3)))
    if wrt_logits is not None:
        fig.add_trace(go.Scatter(x=scale, y=wrt_logits, mode="lines", name="‖∂s/∂z‖₂ = ‖·‖/T",
                                 line=dict(color=CATEGORICAL[1], dash="dot")))
    fig.add_hline(y=0.5, line_dash="dash", line_color="#555", annotation_text="½",
                  annotation_position="bottom right")
    if current is not None:
        mark_x(fig, current, "now", log_x=True, line_color="#999", line_dash="solid")
    fig.update_xaxes(type="log", dtick=1, title_text="logit scale 1/T (×z)")
    fig.update_yaxes(title_text="spectral norm ‖J‖₂", range=[0, 1.15 * max(0.5, float(np.nanmax(
        wrt_logits if wrt_logits is not None else wrt_scaled)))])
    return base_layout(fig, "‖J‖ peaks at a tie, vanishes when one-hot", height=340)


def variance_figure(d_k: np.ndarray, unscaled: np.ndarray, scaled: np.ndarray,
                    rel_se: np.ndarray | None = None) -> go.Figure:
    """Monte Carlo Var(q·k) [m] and Var(q·k/√d_k) [m] against d_k [m] (log-log), with the exact
    lines d_k and 1. rel_se [m]: relative standard errors, drawn as ±2 SE error bars."""
    d_k = np.asarray(d_k, dtype=float)

    def bars(y):
        if rel_se is None:
            return None
        return dict(type="data", array=2 * np.asarray(rel_se) * np.asarray(y), thickness=1.5, width=4)
    fig = go.Figure([
        go.Scatter(x=d_k, y=unscaled, mode="markers+lines", name="Var(q·k), measured",
                   marker=dict(size=9), line=dict(color=CATEGORICAL[5]), error_y=bars(unscaled)),
        go.Scatter(x=d_k, y=d_k, mode="lines", name="d_k (exact)", line=dict(color="#777", dash="dash")),
        go.Scatter(x=d_k, y=scaled, mode="markers+lines", name="Var(q·k/√d_k), measured",
                   marker=dict(size=9), line=dict(color=CATEGORICAL[0]), error_y=bars(scaled)),
        go.Scatter(x=d_k, y=np.ones_like(d_k), mode="lines", name="1 (exact)",
                   line=dict(color="#777", dash="dot")),
    ])
    fig.update_xaxes(type="log", title_text="d_k (query/key size)", tickvals=d_k,
                     ticktext=[f"{int(x)}" for x in d_k])
    fig.update_yaxes(type="log", title_text="variance of the score", dtick=1, exponentformat="power")
    fig = base_layout(fig, "Score variance: q·k vs q·k/√d_k", height=400)
    fig.update_layout(legend=dict(orientation="h", y=-0.25, yanchor="top", x=0, xanchor="left"))
    return fig


def saturation_figure(stats: dict[str, dict[str, float]]) -> go.Figure:
    """CONCEPTS.md section 1 table from `core.labs.softmax.saturation_stats`: three metrics, unscaled
    vs scaled, as grouped bars in three panels."""
    metrics = [("mean_max_weight", "mean max<br>weight"), ("median_jacobian_norm", "median<br>‖J‖₂"),
               ("frac_tiny_jacobian", "share with<br>‖J‖ < 1e-3")]
    fig = make_subplots(rows=1, cols=3, subplot_titles=[m[1] for m in metrics], horizontal_spacing=0.12)
    for col, (key, _) in enumerate(metrics, start=1):
        for i, variant in enumerate(("unscaled", "scaled")):
            v = stats[variant][key]
            fig.add_trace(go.Bar(x=["q·k" if variant == "unscaled" else "q·k/√d_k"], y=[v],
                                 name=variant, marker_color=CATEGORICAL[5 if i == 0 else 0],
                                 text=[f"{v:.3f}"], textposition="outside", showlegend=col == 1),
                          row=1, col=col)
        top = max(stats["unscaled"][key], stats["scaled"][key], 1e-3)
        # the bars carry their values: tick labels would only crowd the narrow panels
        fig.update_yaxes(range=[0, 1.3 * top], showticklabels=False, row=1, col=col)
    fig.update_annotations(font_size=12)
    fig = base_layout(fig, "Softmax saturation without √d_k", height=360)
    fig.update_layout(margin=dict(t=90), legend=dict(orientation="h", y=-0.15))
    return fig

