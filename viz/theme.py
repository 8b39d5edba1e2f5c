"""Colours, fonts, labels and the presentation (projector) theme shared by every figure."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

# Every figure starts from plotly_white. As the default, a new figure takes the template object as
# it is; naming it in update_layout(template=...) deep-copies and validates it again (~35 ms a figure).
pio.templates.default = "plotly_white"

# Colour-blind-safe scales: sequential for weights (0..1), diverging centred at 0 for signed values.
SEQUENTIAL = "Viridis"
DIVERGING = "RdBu_r"  # red = positive, blue = negative; use with zmid=0
CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
               "#000000", "#999999", "#882255", "#44AA99", "#117733"]  # Okabe-Ito + Tol
FONT = "Inter, 'Source Sans Pro', 'Helvetica Neue', Arial, sans-serif"


def head_label(layer: int, head: int) -> str:
    """'L{layer}H{head}', 0-based like the capture names."""
    return f"L{layer}H{head}"


def base_look(title: str | None = None, height: int | None = None) -> dict:
    """The default look as layout properties: readable font, title at the left, tight margins
    (the white background is the default template, set above)."""
    look = dict(font=dict(family=FONT, size=13),
                title=dict(text=title, x=0.0, xanchor="left") if title else None,
                margin=dict(l=10, r=10, t=50 if title else 20, b=10), hoverlabel=dict(font=dict(size=13)))
    if height:
        look["height"] = height
    return look


def base_layout(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """`fig` in the default look (base_look), in place."""
    return fig.update_layout(**base_look(title, height))


def with_model(fig: go.Figure, model: str | None) -> go.Figure:
    """`fig` with the model's name leading its title ("minilm · L0H3: ..."), so figures of
    different models (minilm and minilm-scratch) never look alike. Returns a new figure."""
    return name_model(go.Figure(fig), model) if model else fig


def name_model(fig: go.Figure, model: str | None) -> go.Figure:
    """with_model in place: no copy (a copy of a figure with 128 × 128 heatmaps costs a tenth of
    a second); for a figure made only to be shown."""
    title = fig.layout.title.text if fig.layout.title else None
    if title and model_title(title, model) != title:
        fig.update_layout(title_text=model_title(title, model))
    return fig


def model_title(title: str, model: str | None) -> str:
    """A figure title with the model's name in front (once)."""
    return f"{model} · {title}" if model and title and not title.startswith(f"{model} · ") else title


def present_text(path: str, text: str) -> str:
    """A layout text ("title.text", "annotations.N.text") as the projector theme writes it: the
    title wrapped; an annotation wrapped unless it is already broken by hand."""
    if path == "title.text" or "<br>" not in text:
        return wrap_text(text)
    return text


def export_name(key: str, model: str | None, ext: str) -> str:
    """A download file name with the model in it: 'head_view-minilm-scratch.png'; characters that
    are unsafe in file names ('/' of hub ids, spaces) become '_'."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in (model or ""))
    return f"{key}-{safe}.{ext}" if safe else f"{key}.{ext}"


PRESENT_SCALE = 1.4  # presentation font size / normal font size, roughly


def tick_room(labels: list[str], font_size: int = 13, angle: int = 60) -> int:
    """Pixels that x tick labels rotated by `angle` degrees take below the plot."""
    longest = max((len(str(t)) for t in labels), default=1)
    return int(8 + 0.62 * font_size * min(longest, 18) * (0.87 if angle == 60 else 1.0))


def colorbar_below(x0: float, x1: float, title: str, thickness: int = 10) -> dict:
    """A horizontal colour bar spanning paper x0..x1, pinned to the bottom edge of the figure
    (yref="container"), so it never lands on tick labels whatever their length. Reserve
    COLORBAR_ROOM pixels of bottom margin below the tick labels for it."""
    return dict(orientation="h", x=(x0 + x1) / 2, xanchor="center", len=max(x1 - x0, 0.12),
                lenmode="fraction", yref="container", y=0.0, yanchor="bottom", ypad=8,
                thickness=thickness, title=dict(text=title, side="bottom"), tickfont=dict(size=11),
                outlinewidth=0)


COLORBAR_ROOM = 62  # bottom-margin pixels a colorbar_below() needs (title, bar, tick labels)


PRESENT_SIZE = 22  # projector body font (px); titles +6, ticks and legend -2..-4
PRESENT_CELL = 16  # smallest printed value (cell numbers, table cells, values on bars) on a projector
PRESENT_LINE = 30  # characters per line of a title, axis title or annotation: fits a half-width
# column at 1280×720 (≈ 400 px; about 12 px per character at the projector title size)
LEGEND_SIDE_CHARS = 20  # a legend whose longest entry is longer goes below the plot, not beside it


def wrap_text(text: str, width: int = PRESENT_LINE) -> str:
    """`text` broken with <br> at spaces so no line is longer than `width` characters (existing
    <br> kept; a single longer word stays whole). Plotly does not wrap text itself."""
    out = []
    for line in str(text).split("<br>"):
        words, current = line.split(" "), ""
        for word in words:
            if current and len(_plain(current)) + 1 + len(_plain(word)) > width:
                out.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        out.append(current)
    return "<br>".join(out)


def _plain(text: str) -> str:
    """Text without HTML tags (<b>, <i>, <sup>): what a reader sees, for counting characters."""
    import re

    return re.sub(r"<[^>]+>", "", text)


def _set(node: dict, path: str, value) -> None:
    """node[a][b]... = value for path 'a.b...', creating the dicts on the way."""
    *parents, last = path.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value


def _get(node: dict, path: str, default=None):
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def _merge(node: dict, values: dict) -> None:
    """Deep-merge `values` into `node` (as plotly's update does)."""
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(node.get(key), dict):
            _merge(node[key], value)
        else:
            node[key] = value


def _axis_keys(layout: dict, letter: str) -> list[str]:
    """'xaxis', 'xaxis2', ... of a layout: the first always (plotly creates it), then those present."""
    import re

    found = {k for k in layout if re.fullmatch(f"{letter}axis[0-9]*", k)} | {f"{letter}axis"}
    return sorted(found, key=lambda k: int(k[5:] or 1))


def _legend_entries(data: list[dict]) -> list[str]:
    return [_plain(str(t["name"])) for t in data
            if t.get("name") is not None and t.get("showlegend") is not False]


def _present_legend(layout: dict, data: list[dict], size: int) -> tuple[int, int]:
    """Horizontal legends at projector size: a fixed number of entries per row (entrywidth as a
    fraction of the plot width: the figure's own, or as many as PRESENT_LINE characters hold), so
    the rows are known here. A legend below the plot is pinned to the bottom edge of the figure
    (its old place, a fraction of the plot height, lands on the grown tick labels and axis title).
    Returns (top, bottom): margin pixels the legend needs above and below the plot."""
    legend = layout.setdefault("legend", {})
    if legend.get("orientation") != "h":
        return 0, 0
    entries = _legend_entries(data)
    if legend.get("entrywidthmode") == "fraction" and legend.get("entrywidth"):
        per_row = max(1, round(1 / legend["entrywidth"]))
    else:
        per_row = max(1, (PRESENT_LINE + 6) // (max((len(e) for e in entries), default=1) + 6))
        legend.update(entrywidthmode="fraction", entrywidth=1 / per_row)
    # Plotly may fit one entry fewer per row than the fraction says (padding): count with that
    height = -(-len(entries) // max(1, per_row - 1)) * (size + 12) + 8
    if legend.get("y") is not None and legend["y"] >= 1:  # rows above the plot, under the title
        if _get(legend, "title.text"):
            _set(legend, "title.side", "top")
        return height + (size + 12 if _get(legend, "title.text") else 0), 0
    legend.update(x=0, xanchor="left", y=0, yanchor="bottom", yref="container")
    return 0, height + AXIS_ROOM


AXIS_ROOM = 90  # bottom-margin pixels for tick labels and an axis title above a legend pinned below


PRESENT_GRID_COLUMNS = 8  # most cells a row of printed values keeps on a projector


def _crowded_grid(trace: dict) -> bool:
    """A scatter that prints a value in each cell of a grid (whole-number x and y, as in a
    layers × heads table) with more than PRESENT_GRID_COLUMNS columns: at PRESENT_CELL px the
    values run into each other (12 heads of MiniLM in a half-width column). Hover keeps them."""
    try:
        xs, ys = np.asarray(trace.get("x"), dtype=float), np.asarray(trace.get("y"), dtype=float)
    except (TypeError, ValueError):  # category names, dates: not a grid of numbers
        return False
    if xs.ndim != 1 or xs.shape != ys.shape or not xs.size:
        return False
    whole = bool(np.isfinite(xs).all() and np.isfinite(ys).all() and (xs == np.round(xs)).all()
                 and (ys == np.round(ys)).all())
    return whole and len(np.unique(xs)) > PRESENT_GRID_COLUMNS


def _present_text_sizes(data: list[dict]) -> None:
    """Printed values (cell numbers, row sums, table cells, values on bars) at least PRESENT_CELL px."""
    def grow(node: dict, path: str) -> int:
        current = _get(node, path)
        size = max(PRESENT_CELL, int((current if isinstance(current, (int, float)) else 12) * PRESENT_SCALE))
        _set(node, path, size)
        return size

    for trace in data:
        kind = trace.get("type")
        if kind == "scatter" and trace.get("mode") and "text" in trace["mode"]:
            if _crowded_grid(trace):  # values printed in cells: at projector size they would overlap
                trace["mode"] = trace["mode"].replace("+text", "").replace("text+", "")
                continue
            grow(trace, "textfont.size")
        elif kind == "heatmap" and trace.get("texttemplate"):
            grow(trace, "textfont.size")
        elif kind == "bar" and trace.get("text") is not None:
            size = grow(trace, "textfont.size")
            _set(trace, "insidetextfont.size", size)
            _set(trace, "outsidetextfont.size", size)
            trace["constraintext"] = "none"  # Plotly would shrink the text to fit the bar
        elif kind == "table":
            grow(trace, "header.font.size")
            grow(trace, "cells.font.size")
            _set(trace, "header.height", PRESENT_CELL * 2)
            _set(trace, "cells.height", PRESENT_CELL * 2)


def _present_colorbars(data: list[dict], size: int) -> None:
    for trace in data:
        kind = trace.get("type")
        if kind == "heatmap" and trace.get("showscale") is not False:
            bar = trace.setdefault("colorbar", {})
        elif kind in ("scatter", "bar") and _get(trace, "marker.showscale"):
            bar = trace["marker"].setdefault("colorbar", {})
        else:
            continue
        bar["thickness"] = int((bar.get("thickness") or 12) * 1.5)
        _set(bar, "tickfont.size", size - 4)
        if _get(bar, "title.text"):
            bar["title"]["text"] = wrap_text(bar["title"]["text"], PRESENT_LINE // 2)


def presentation(fig: go.Figure) -> go.Figure:
    """Projector theme: large fonts, thick lines, high contrast. Returns a new figure.

    Titles, axis titles and annotations wrap at PRESENT_LINE characters (a half-width column at
    1280×720); the figure title is pinned to the top edge with room for its lines; horizontal
    legends become a column (see _present_legend); printed values grow to PRESENT_CELL px or more.
    Fixed pixel room (margins, colour bars) grows with the fonts so labels still fit.
    Works on the figure's plain dict and validates the result once (plotly's update_* calls cost
    most of a projector rerun)."""
    spec = fig.to_dict()
    data, layout = spec.get("data", []), spec.get("layout", {})
    layout.pop("template", None)  # the default template (plotly_white) is applied as the figure is built
    size = PRESENT_SIZE
    _merge(layout, dict(font=dict(size=size, color="#000000"), title=dict(font=dict(size=size + 4)),
                        legend=dict(font=dict(size=size - 2)), hoverlabel=dict(font=dict(size=size - 2)),
                        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff"))
    ticks = dict(tickfont=dict(size=size - 4, color="#000000"),
                 title=dict(font=dict(size=size, color="#000000")),
                 linecolor="#000000", gridcolor="#d0d0d0", automargin=True)
    for key in (*_axis_keys(layout, "x"), *_axis_keys(layout, "y")):
        axis = layout.setdefault(key, {})
        _merge(axis, ticks)
        if _get(axis, "title.text"):
            axis["title"]["text"] = wrap_text(axis["title"]["text"])
        _present_tick_labels(axis, key.startswith("x"), layout.get("height"))
    scene = layout.setdefault("scene", {})
    for a in "xyz":
        _merge(scene, {f"{a}axis": dict(tickfont=dict(size=size - 6, color="#000000"),
                                        title=dict(font=dict(size=size - 2, color="#000000")))})
    for note in layout.get("annotations", []):
        _set(note, "font.size", size - 2)
        if note.get("text"):  # text broken by hand (a caption) stays
            note["text"] = present_text("annotations", note["text"])
    for trace in data:
        if trace.get("type") == "scatter":
            line = trace.setdefault("line", {})
            line["width"] = max(line.get("width") or 2, 4)
    _present_colorbars(data, size)
    _present_text_sizes(data)
    legend_top, legend_bottom = _present_legend(layout, data, size)
    margin = layout.get("margin", {})
    top = int((margin.get("t") or 50) * 1.3)
    title = _get(layout, "title.text")
    if title:
        wrapped = present_text("title.text", title)
        lines = wrapped.count("<br>") + 1
        title_px = int(lines * (size + 4) * 1.3) + 16
        # the old top margin holds one title line and what sits under it (subplot titles, ticks)
        top = title_px + legend_top if legend_top else top + int((lines - 1) * (size + 4) * 1.3) + 14
        # pinned to the top edge (pad: Plotly puts the first line's cap height above y)
        _merge(layout, dict(title=dict(text=wrapped, yref="container", y=1.0, yanchor="top",
                                       pad=dict(t=size + 12))))
    else:
        top += legend_top
    bottom = int((margin.get("b") or 10) * PRESENT_SCALE) + legend_bottom
    grow = (top - int((margin.get("t") or 50) * 1.3)) + legend_bottom
    _merge(layout, dict(margin=dict(l=int((margin.get("l") or 10) * PRESENT_SCALE),
                                    r=int((margin.get("r") or 10) * PRESENT_SCALE), t=top, b=bottom)))
    if layout.get("height"):
        layout["height"] = int(layout["height"] * 1.25) + grow
    return go.Figure(spec)


PRESENT_WIDTH = 820  # px a full-width figure gets at 1280×720 (the page column beside the menu)


def _present_tick_labels(axis: dict, horizontal: bool, height: int | None) -> None:
    """Keep every k-th label of an axis labelled by an array (token axes) so the larger projector
    labels do not run into each other: a rotated x label or a y label needs about 1.3 font heights
    along its axis. Plotly shows every label it is given, however crowded."""
    vals, text = axis.get("tickvals"), axis.get("ticktext")
    if vals is None or text is None or len(vals) != len(text) or len(vals) < 3:
        return
    if horizontal and not axis.get("tickangle"):  # upright labels: their width is what counts
        return
    domain = axis.get("domain") or [0.0, 1.0]
    length = (PRESENT_WIDTH if horizontal else int((height or 450) * 0.6)) * (domain[1] - domain[0])
    fit = max(2, int(length // (1.3 * (PRESENT_SIZE - 4))))
    if len(vals) > fit:
        step = -(-len(vals) // fit)
        axis["tickvals"], axis["ticktext"] = list(vals)[::step], list(text)[::step]


MASKED = "#c8c8c8"  # cells where attention is not allowed (causal or padding mask)
MAX_TICKS = 48  # more tick labels than this overlap; the rest stay in the hover
LABEL_PX = 14  # pixels one tick label needs along its axis (13 px font + a gap)


def ticks_that_fit(n: int, pixels: int | None, max_ticks: int = MAX_TICKS) -> int:
    """How many of n labels to print on an axis `pixels` long (every label when they fit)."""
    fit = max_ticks if pixels is None else max(2, int(pixels) // LABEL_PX)
    return max(1, min(n, fit, max_ticks))


def token_label(token: str) -> str:
    """A token as literal text for Plotly labels: '<', '>' and '&' are escaped because Plotly
    renders HTML tags in tick labels and hover text ('<b>hi</b>' must show as typed)."""
    return str(token).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def token_axis(tokens: list[str], vertical: bool = False, max_ticks: int = MAX_TICKS,
               pixels: int | None = None) -> dict:
    """Axis settings that label positions 0..n-1 with their tokens.

    A numeric axis with tickvals/ticktext, not a categorical one: repeated tokens ('the' twice)
    would merge on a categorical axis. Long sequences label every k-th position: at most
    max_ticks, and no more than fit in `pixels` (the axis length, when known); the hover keeps
    every token. vertical=True (query tokens) reads top to bottom: autorange="reversed"."""
    n = len(tokens)
    step = max(1, -(-n // ticks_that_fit(n, pixels, max_ticks)))
    vals = list(range(0, n, step))
    axis = dict(tickmode="array", tickvals=vals, ticktext=[token_label(tokens[i]) for i in vals],
                showgrid=False, zeroline=False)
    if vertical:
        axis["autorange"] = "reversed"
    else:
        axis["range"] = [-0.5, n - 0.5]
    return axis
