"""Unrolled RNN diagrams of the three sequence-transduction shapes (core/labs/transduction.py).

Each time step is a column: input word below, the hidden state h_t as a stack of coloured cells
(its real values, diverging scale in [-1, 1]), output above; arrows carry h_t to the next step.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from viz.theme import CATEGORICAL, DIVERGING, base_layout, token_label

GROUP_GAP = 0.8  # extra horizontal room between encoder and decoder columns
CELL_Y0, CELL_DY = 1.0, 0.32


def _arrow(notes: list[dict], x0: float, y0: float, x1: float, y1: float, colour: str = "#555",
           width: float = 1.5, text: str = "") -> None:
    notes.append(dict(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", text=text,
                      showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=width, arrowcolor=colour))


def unrolled(cells: list, title: str, context_step: int | None = None, extra_input: str | None = None
             ) -> go.Figure:
    """cells: core.labs.transduction.Cell list (step, group, hidden, input, output).

    context_step: index of the encoder's last cell whose state starts the decoder (drawn thick);
    extra_input: a label fed into h_0 from the left (the image vector of captioning)."""
    n_hidden = len(cells[0].hidden)
    top = CELL_Y0 + CELL_DY * n_hidden
    xs = [c.step + (GROUP_GAP if c.group == "decoder" else 0.0) for c in cells]
    px, py, pv, ph = [], [], [], []
    for x, c in zip(xs, cells):
        for j, v in enumerate(c.hidden):
            px.append(x)
            py.append(CELL_Y0 + CELL_DY * (j + 0.5))
            pv.append(float(v))
            ph.append(f"step {c.step} ({c.group}), h[{j}] = {v:+.3f}")
    fig = go.Figure(go.Scatter(x=px, y=py, mode="markers", hovertext=ph, hoverinfo="text", showlegend=False,
                               marker=dict(symbol="square", size=22, color=pv, cmin=-1, cmax=1,
                                           colorscale=DIVERGING, line=dict(color="#333", width=1),
                                           colorbar=dict(title="h value", thickness=12, len=0.6))))
    notes: list[dict] = []  # added at once: add_annotation re-validates the whole layout each call
    for i, (x, c) in enumerate(zip(xs, cells)):
        colour = CATEGORICAL[0] if c.group != "decoder" else CATEGORICAL[5]
        notes.append(dict(x=x, y=top + 0.12, text=f"h{c.step}" if c.group != "decoder" else f"s{i}",
                          showarrow=False, font=dict(size=11, color=colour)))
        if c.input is not None:
            notes.append(dict(x=x, y=0.2, text=token_label(c.input), showarrow=False, font=dict(size=13)))
            _arrow(notes, x, 0.4, x, CELL_Y0 - 0.05)
        if c.output is not None:
            notes.append(dict(x=x, y=top + 0.85, text=f"<b>{token_label(c.output)}</b>", showarrow=False,
                              font=dict(size=13, color=colour)))
            _arrow(notes, x, top + 0.25, x, top + 0.65, colour)
        if i + 1 < len(cells) and cells[i + 1].group == c.group:
            _arrow(notes, x + 0.14, (CELL_Y0 + top) / 2, xs[i + 1] - 0.14, (CELL_Y0 + top) / 2)
    if context_step is not None and context_step + 1 < len(cells):
        _arrow(notes, xs[context_step] + 0.14, (CELL_Y0 + top) / 2, xs[context_step + 1] - 0.14,
               (CELL_Y0 + top) / 2, CATEGORICAL[1], 4)
        notes.append(dict(x=(xs[context_step] + xs[context_step + 1]) / 2, y=CELL_Y0 - 0.35,
                          text="context vector", showarrow=False, font=dict(color=CATEGORICAL[1], size=12)))
    if extra_input is not None:
        notes.append(dict(x=xs[0] - 0.95, y=(CELL_Y0 + top) / 2, text=token_label(extra_input),
                          showarrow=False, font=dict(size=13)))
        _arrow(notes, xs[0] - 0.6, (CELL_Y0 + top) / 2, xs[0] - 0.14, (CELL_Y0 + top) / 2, CATEGORICAL[1], 3)
    fig.update_layout(annotations=notes)
    lo = min(xs) - (1.4 if extra_input else 0.6)
    fig.update_xaxes(visible=False, range=[lo, max(xs) + 0.6])
    fig.update_yaxes(visible=False, range=[-0.1, top + 1.15])
    return base_layout(fig, title, height=400)


def readout(labels: list[str], probs: np.ndarray, title: str = "The vector out: softmax(W h_T)") -> go.Figure:
    """Bars of the sequence→vector output (e.g. [p(good), p(bad)])."""
    fig = go.Figure(go.Bar(x=labels, y=probs, text=[f"{p:.2f}" for p in probs], textposition="outside",
                           marker_color=[CATEGORICAL[2], CATEGORICAL[5]][: len(labels)]))
    fig.update_yaxes(range=[0, 1.15], title="probability")
    return base_layout(fig, title, height=300)
