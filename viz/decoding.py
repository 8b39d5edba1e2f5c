"""Figures of the decoder side: next-token distributions, the causal mask, and step-by-step
generation with what each new token attends to (arrays from core/labs/decoding.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz.theme import MASKED, SEQUENTIAL, base_layout, token_axis, token_label


def next_token_table(inputs: Sequence[str], top_tokens: Sequence[Sequence[str]], top_probs: np.ndarray,
                     targets: Sequence[str | None], target_probs: np.ndarray) -> go.Figure:
    """Rows: positions (input token, top to bottom); columns: rank 1..k; cell text: the predicted
    next token; colour: its probability (0..1). The real next token is named in the row label."""
    probs = np.asarray(top_probs, dtype=np.float32)
    k = probs.shape[1]
    rows = [f"{i}: {token_label(t)} → {token_label(n) if n is not None else '?'}"
            + (f" ({p:.0%})" if n is not None else "") for i, (t, n, p) in enumerate(zip(inputs, targets,
                                                                                           target_probs))]
    text = [[token_label(t) for t in row] for row in top_tokens]
    fig = go.Figure(go.Heatmap(z=probs, zmin=0, zmax=1, colorscale=SEQUENTIAL, text=text,
                               texttemplate="%{text}",
                               textfont=dict(size=11), colorbar=dict(title="p", thickness=12),
                               hovertemplate="%{y}<br>rank %{x}: %{text} p = %{z:.3f}<extra></extra>"))
    fig.update_xaxes(tickmode="array", tickvals=list(range(k)), ticktext=[str(i + 1) for i in range(k)],
                     title="rank of the predicted next token", side="top")
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(rows))), ticktext=rows, autorange="reversed")
    base_layout(fig, "Next-token distribution at every position (row label: input → real next token, "
                "its probability)", height=max(300, 30 * len(rows) + 130))
    # above the cells: the title pinned to the top edge, then the rank axis title and its numbers
    return fig.update_layout(margin=dict(t=115), title=dict(yref="container", y=1.0, yanchor="top",
                                                            pad=dict(t=12)))


def causal_mask(mask: np.ndarray, tokens: Sequence[str]) -> go.Figure:
    """The decoder's causal mask: position i (row) may attend to j ≤ i (columns); grey = masked."""
    m = np.asarray(mask, dtype=bool)
    fig = go.Figure(go.Heatmap(z=m.astype(np.float32), zmin=0, zmax=1,
                               colorscale=[[0, MASKED], [1, "#0072B2"]],
                               showscale=False, hovertemplate="query %{y}, key %{x}: %{z}<extra></extra>"))
    fig.update_xaxes(**token_axis(list(tokens)), side="top")
    fig.update_yaxes(**token_axis(list(tokens), vertical=True))
    return base_layout(fig, "Causal mask: blue = may attend, grey = future (masked)", height=420)


def generation_attention(tokens: Sequence[str], n_prompt: int, rows: Sequence[np.ndarray],
                         title: str = "What each generated token attended to") -> go.Figure:
    """Rows: generation steps (the token chosen at that step); columns: every token (prompt, then
    generated); cell: attention weight of the step's new position (grey: not yet generated).

    rows[s] [n_prompt + s] attention over the tokens visible at step s (e.g. mean over heads)."""
    n = len(tokens)
    z = np.full((len(rows), n - 0), np.nan, dtype=np.float32)
    for s, r in enumerate(rows):
        z[s, :len(r)] = r
    chosen = [f"step {s + 1}: {token_label(tokens[n_prompt + s])}" if n_prompt + s < n else f"step {s + 1}"
              for s in range(len(rows))]
    fig = go.Figure(go.Heatmap(z=z, zmin=0, zmax=float(np.nanmax(z)) if np.isfinite(z).any() else 1,
                               colorscale=SEQUENTIAL, colorbar=dict(title="weight", thickness=12),
                               hovertemplate="%{y}<br>attends to %{x}: %{z:.3f}<extra></extra>"))
    fig.update_xaxes(**token_axis(list(tokens)), side="top")
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(chosen))), ticktext=chosen,
                     autorange="reversed")
    fig.add_vline(x=n_prompt - 0.5, line=dict(color="#D55E00", width=2, dash="dot"))
    return base_layout(fig, title, height=max(300, 28 * len(rows) + 160))


def alignment(source: Sequence[str], outputs: Sequence[str], weights: np.ndarray,
              title: str = "Cross-attention: each output step over the source") -> go.Figure:
    """Bahdanau-style alignment matrix: output steps (rows, top to bottom) x source tokens; weights
    [outputs, source] in 0..1 (rows sum to 1)."""
    fig = go.Figure(go.Heatmap(z=np.asarray(weights, dtype=np.float32), zmin=0, zmax=1, colorscale=SEQUENTIAL,
                               text=np.round(weights, 2), texttemplate="%{text}",
                               colorbar=dict(title="weight", thickness=12),
                               hovertemplate="output %{y} reads source %{x}: %{z:.3f}<extra></extra>"))
    fig.update_xaxes(**token_axis(list(source)), side="top", title="source (encoder)")
    fig.update_yaxes(**token_axis([f"{i + 1}: {t}" for i, t in enumerate(outputs)], vertical=True),
                     title="output step")
    return base_layout(fig, title, height=max(300, 40 * len(outputs) + 150))
