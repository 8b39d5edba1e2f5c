"""Subplot grids as one plain layout dict, for the figures redrawn at every slider move.

`make_subplots` and every `update_xaxes(..., row=, col=)` walk and validate the whole figure again
(about 70 ms for a grid and 10-20 ms per update at 128 tokens: most of a One head rerun). Here the
layout of a grid is a dict, the traces are placed by their axis names, and plotly validates the
figure once, when `figure(data, layout)` builds it. The layout is the one make_subplots makes
(same axis names, anchors, domains and title annotations), so a figure looks exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

TITLE_SIZE = 16  # make_subplots' subplot-title font size


def suffix(cell: int) -> str:
    """Axis-name suffix of grid cell `cell` (1-based, row-major): '' for the first, else the number."""
    return "" if cell == 1 else str(cell)


def on(cell: int) -> dict[str, str]:
    """Trace placement on grid cell `cell`: {'xaxis': 'x2', 'yaxis': 'y2'}."""
    return {"xaxis": f"x{suffix(cell)}", "yaxis": f"y{suffix(cell)}"}


def xaxis(layout: dict, cell: int) -> dict:
    """The x axis dict of grid cell `cell` in `layout` (update it in place)."""
    return layout[f"xaxis{suffix(cell)}"]


def yaxis(layout: dict, cell: int) -> dict:
    """The y axis dict of grid cell `cell` in `layout` (update it in place)."""
    return layout[f"yaxis{suffix(cell)}"]


def column_domains(widths: Sequence[float], gaps: Sequence[float]) -> list[tuple[float, float]]:
    """Paper x domains of side-by-side panels: relative `widths`, paper-fraction `gaps` between
    neighbours (a gap before a panel with its own y tick labels must be wider)."""
    free = 1.0 - sum(gaps)
    total = float(sum(widths))
    out, x = [], 0.0
    for col, width in enumerate(widths):
        right = x + free * width / total
        out.append((x, min(right, 1.0)))
        if col < len(gaps):
            x = right + gaps[col]
    return out


def even_domains(n: int, spacing: float) -> list[tuple[float, float]]:
    """n equal domains over 0..1 with `spacing` between them, first to last (make_subplots' rule)."""
    size = (1.0 - spacing * (n - 1)) / n
    return [(i * (size + spacing), min(i * (size + spacing) + size, 1.0)) for i in range(n)]


def _title(text: str, x: float, y: float) -> dict:
    return dict(text=text, x=x, y=y, xref="paper", yref="paper", xanchor="center", yanchor="bottom",
                showarrow=False, font=dict(size=TITLE_SIZE))


def row_layout(x_domains: Sequence[tuple[float, float]], titles: Sequence[str] = ()) -> dict[str, Any]:
    """Layout of one row of panels with these x domains, a title over each (as make_subplots)."""
    layout: dict[str, Any] = {"annotations": []}
    for cell, (x0, x1) in enumerate(x_domains, start=1):
        s = suffix(cell)
        layout[f"xaxis{s}"] = dict(anchor=f"y{s}", domain=[x0, x1])
        layout[f"yaxis{s}"] = dict(anchor=f"x{s}", domain=[0.0, 1.0])
        if cell <= len(titles) and titles[cell - 1]:
            layout["annotations"].append(_title(titles[cell - 1], (x0 + x1) / 2, 1.0))
    return layout


def column_layout(n_rows: int, spacing: float, titles: Sequence[str] = (),
                  shared_x: bool = False) -> dict[str, Any]:
    """Layout of n_rows panels stacked top to bottom (row 1 on top), a title over each; shared_x:
    every x axis follows the bottom one, whose tick labels alone are shown (as make_subplots)."""
    layout: dict[str, Any] = {"annotations": []}
    tops = even_domains(n_rows, spacing)[::-1]  # row 1 is the highest domain
    bottom = f"x{suffix(n_rows)}"
    for cell, (y0, y1) in enumerate(tops, start=1):
        s = suffix(cell)
        x = dict(anchor=f"y{s}", domain=[0.0, 1.0])
        if shared_x and cell < n_rows:
            x.update(matches=bottom, showticklabels=False)
        layout[f"xaxis{s}"] = x
        layout[f"yaxis{s}"] = dict(anchor=f"x{s}", domain=[y0, y1])
        if cell <= len(titles) and titles[cell - 1]:
            layout["annotations"].append(_title(titles[cell - 1], 0.5, y1))
    return layout


def grey_behind(cell: int, colour: str) -> dict:
    """A shape filling grid cell `cell` behind its traces (empty cells then show `colour`)."""
    s = suffix(cell)
    return dict(type="rect", xref=f"x{s} domain", yref=f"y{s} domain", x0=0, x1=1, y0=0, y1=1,
                fillcolor=colour, line=dict(width=0), layer="below")


def figure(data: Sequence[go.BaseTraceType | dict], layout: dict[str, Any]) -> go.Figure:
    """The figure of these traces and this layout, validated once."""
    return go.Figure(data=list(data), layout=layout)


# ----------------------------------------------------------------------------- fixed margins

CHAR_PX = 0.62  # width of an average character per pixel of font size (Inter, Arial)
NUMBER_CHARS = 5  # an automatic numeric tick label such as "−0.25"


def _longest(axis: dict) -> int:
    """Characters of the longest tick label an axis prints (HTML entities count as one)."""
    import html

    from viz.theme import _plain

    if axis.get("showticklabels") is False:
        return 0
    text = axis.get("ticktext")
    if text is None or len(text) == 0:
        return NUMBER_CHARS
    return max(len(html.unescape(_plain(str(t)))) for t in text)


def fixed_margins(layout: dict, font_px: float = 13, bottom_extra: int = 0, top: int | None = None) -> dict:
    """Turn plotly's automargin off on every axis of a grid layout and set margins that hold every
    tick label and axis title, from the labels' lengths (left: y labels; bottom: x labels at their
    angle, plus `bottom_extra` pixels for what sits below them, e.g. a colour bar).

    Why: with automargin plotly.js measures every label and lays the figure out again (Chromium,
    One head at 128 tokens: head view 300 -> 120 ms, query breakdown 650 -> 210 ms). The projector
    theme turns automargin back on (its fonts are larger). Returns `layout`, changed in place."""
    import math

    title_px = int(1.4 * font_px) + 8
    left = bottom = 0
    for key, axis in layout.items():
        if not key.startswith(("xaxis", "yaxis")) or not isinstance(axis, dict):
            continue
        axis["automargin"] = False
        titled = bool((axis.get("title") or {}).get("text"))
        label = _longest(axis) * CHAR_PX * font_px
        if key.startswith("yaxis"):  # labels of the panels on the left edge sit in the margin
            anchor = layout.get("xaxis" + str(axis.get("anchor", "x"))[1:], {})
            if (anchor.get("domain") or [0.0])[0] < 0.01:
                left = max(left, int(label) + 12 + (title_px if titled else 0))
        elif axis.get("side") != "top" and not axis.get("matches"):
            angle = math.radians(abs(axis.get("tickangle") or 0))
            height = label * math.sin(angle) + font_px * math.cos(angle) + 10
            bottom = max(bottom, int(height) + (title_px if titled else 0))
    margin = layout.setdefault("margin", {})
    margin.update(l=max(margin.get("l", 0), left), b=max(margin.get("b", 0), bottom + bottom_extra))
    if top is not None:
        margin["t"] = top
    return layout
