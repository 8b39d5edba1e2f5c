"""Colours, fonts, labels and the presentation (projector) theme shared by every figure."""

from __future__ import annotations

import plotly.graph_objects as go

# Colour-blind-safe scales: sequential for weights (0..1), diverging centred at 0 for signed values.
SEQUENTIAL = "Viridis"
DIVERGING = "RdBu_r"  # red = positive, blue = negative; use with zmid=0
CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
               "#000000", "#999999", "#882255", "#44AA99", "#117733"]  # Okabe-Ito + Tol
FONT = "Inter, 'Source Sans Pro', 'Helvetica Neue', Arial, sans-serif"


def head_label(layer: int, head: int) -> str:
    """'L{layer}H{head}', 0-based like the capture names."""
    return f"L{layer}H{head}"


def base_layout(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """The default look: white background, readable font, tight margins."""
    fig.update_layout(
        template="plotly_white", font=dict(family=FONT, size=13),
        title=dict(text=title, x=0.0, xanchor="left") if title else None,
        margin=dict(l=10, r=10, t=50 if title else 20, b=10),
        hoverlabel=dict(font_size=13),
    )
    if height:
        fig.update_layout(height=height)
    return fig


def with_model(fig: go.Figure, model: str | None) -> go.Figure:
    """`fig` with the model's name leading its title ("minilm · L0H3: ..."), so figures of
    different models (minilm and minilm-scratch) never look alike. Returns a new figure."""
    return name_model(go.Figure(fig), model) if model else fig


def name_model(fig: go.Figure, model: str | None) -> go.Figure:
    """with_model in place: no copy (a copy of a figure with 128 × 128 heatmaps costs a tenth of
    a second); for a figure made only to be shown."""
    title = fig.layout.title.text if fig.layout.title else None
    if model and title and not title.startswith(f"{model} · "):
        fig.update_layout(title_text=f"{model} · {title}")
    return fig


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


def presentation(fig: go.Figure) -> go.Figure:
    """Projector theme: large fonts, thick lines, high contrast. Returns a new figure.

    Fixed pixel room (margins, colour bars) grows with the fonts so labels still fit."""
    out = go.Figure(fig)
    size = 22
    out.update_layout(font=dict(size=size, color="#000000"), title_font_size=size + 6,
                      legend_font_size=size - 2, hoverlabel_font_size=size - 2,
                      paper_bgcolor="#ffffff", plot_bgcolor="#ffffff")
    ticks = dict(tickfont=dict(size=size - 4, color="#000000"), title_font=dict(size=size, color="#000000"),
                 linecolor="#000000", gridcolor="#d0d0d0")
    out.update_xaxes(**ticks)
    out.update_yaxes(**ticks)
    out.update_scenes(**{f"{a}axis": dict(tickfont=dict(size=size - 6, color="#000000"),
                                          title_font=dict(size=size - 2, color="#000000"))
                         for a in "xyz"})
    out.update_annotations(font_size=size - 2)
    for trace in out.data:
        if trace.type == "scatter" and trace.line is not None:
            trace.line.width = max(trace.line.width or 2, 4)
    for trace in out.data:
        if trace.type == "heatmap" and trace.showscale is not False:
            bar = trace.colorbar
        elif trace.type in ("scatter", "bar") and trace.marker is not None and trace.marker.showscale:
            bar = trace.marker.colorbar
        else:
            bar = None
        if bar is not None:
            bar.thickness = int((bar.thickness or 12) * 1.5)
            bar.tickfont.size = size - 4
        # printed values (row sums) grow too, except the per-head grid whose cells are narrow
        if (trace.type == "scatter" and trace.mode and "text" in trace.mode and trace.name != "heads"
                and isinstance(trace.textfont.size, (int, float))):
            trace.textfont.size = int(trace.textfont.size * PRESENT_SCALE)
        if trace.type == "heatmap" and trace.texttemplate and trace.textfont is not None:
            trace.textfont.size = int((trace.textfont.size or 10) * 1.3)
    title = out.layout.title.text if out.layout.title else None
    if title and "<br>" not in title and len(title) > 42:  # wrap long titles at projector size
        cut = title.rfind(" ", 0, len(title) // 2 + 8)
        if cut > 0:
            out.update_layout(title_text=title[:cut] + "<br>" + title[cut + 1:])
    margin = out.layout.margin
    out.update_layout(margin=dict(
        l=int((margin.l or 10) * PRESENT_SCALE), r=int((margin.r or 10) * PRESENT_SCALE),
        t=int((margin.t or 50) * 1.3), b=int((margin.b or 10) * PRESENT_SCALE)))
    if out.layout.height:
        out.update_layout(height=int(out.layout.height * 1.25))
    return out


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
