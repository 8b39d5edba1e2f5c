"""Every layer x head in one fast view, plus per-head statistics and their ranking.

The overview is one image of tiles on one axis, not one subplot per head: 144 subplots take
seconds to draw, this takes milliseconds, and the payload stays small because long inputs are
pooled first (a thumbnail cannot show more cells than it has pixels) and sent as one PNG.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from core.capture import Capture
from core.labs.attention_stats import HEAD_STATS, head_stats, pool, rank_heads, special_positions
from viz.attention import block_tokens, default_stack
from viz.raster import colormap_lut, png_data_uri
from viz.theme import SEQUENTIAL, base_layout, head_label

TILE_CELLS = 64  # default largest tile side in cells (~ the pixels a tile gets on a laptop screen)
STAT_TITLES = {"entropy": "entropy (nats)", "max_weight": "max weight", "distance": "mean distance",
               "first": "weight on first token", "special": "weight on special tokens",
               "self": "weight on itself"}


def capture_stats(cap: Capture, stack: str | None = None, block: str = "self_attn") -> dict[str, np.ndarray]:
    """head_stats() of one (stack, block) of a capture: name -> [layers, heads]."""
    stack = stack or default_stack(cap)
    weights = cap.per_layer("weights", stack, block)
    _, k_tokens = block_tokens(cap, stack, block)
    return head_stats(weights, special_positions(k_tokens, cap.meta))


def _click_targets(heads: list[tuple[int, int]], xs: list[float], ys: list[float],
                   texts: list[str]) -> dict:
    """Invisible points at tile centres that carry the hover text and customdata [layer, head].

    Streamlit turns clicks into selections only for point-like traces (a heatmap click gives no
    points), and with layout.hoverdistance = -1 the nearest centre is picked wherever the tile
    is clicked."""
    return dict(type="scatter", x=xs, y=ys, mode="markers", name="heads", showlegend=False,
                marker=dict(size=14, color="rgba(0,0,0,0)"), customdata=[list(h) for h in heads],
                text=texts, hovertemplate="%{text}<extra></extra>")


def tile_of(x: float, y: float, tile: tuple[int, int]) -> tuple[int, int]:
    """(layer, head) under the overview coordinates (x, y); `tile` is fig.layout.meta["tile"]."""
    step_y, step_x = tile
    return int(y // step_y), int(x // step_x)


def overview_pixels(weights: np.ndarray | list, max_cells: int = TILE_CELLS, contrast: str = "absolute",
                    how: str = "max") -> tuple[np.ndarray, int]:
    """Tiles of an overview as uint8 [layers, heads, tq, tk] (weights [layers, heads, q, k] or a list
    of per-layer [heads, q, k]) (0..255 = weight 0..1 or 0..head max),
    pooled to at most `max_cells` per side; also returns the pooling factor."""
    if contrast not in ("absolute", "per head"):
        raise ValueError(f"contrast must be 'absolute' or 'per head', got {contrast!r}")
    if isinstance(weights, (list, tuple)):  # per layer: pool each, so no stacked full-size copy
        pooled_layers = [pool(w, max_cells, how) for w in weights]
        pooled, factor = np.stack([p for p, _ in pooled_layers]), pooled_layers[0][1]
    else:
        pooled, factor = pool(weights, max_cells, how)
    if contrast == "per head":
        top = pooled.max(axis=(-2, -1), keepdims=True)
        pooled = pooled / np.where(top > 0, top, 1.0)
    return np.clip(np.rint(pooled * 255.0), 0, 255).astype(np.uint8), factor


def tile_canvas(pixels: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The tiles pixels [layers, heads, tq, tk] (uint8) laid out as one RGB image
    [layers*step_y - gap, heads*step_x - gap, 3] on white, a gap of white between tiles.

    Returns (canvas, gap, upsample): tiny tiles are repeated `upsample` times per side so the
    browser does not blur them; gap is in cells (before upsampling)."""
    n_layers, n_heads, tq, tk = pixels.shape
    gap = max(1, round(max(tq, tk) / 12))
    step_y, step_x = tq + gap, tk + gap
    canvas = np.full((n_layers * step_y - gap, n_heads * step_x - gap, 3), 255, dtype=np.uint8)
    lut = colormap_lut(SEQUENTIAL)
    for layer in range(n_layers):
        for head in range(n_heads):
            y0, x0 = layer * step_y, head * step_x
            canvas[y0:y0 + tq, x0:x0 + tk] = lut[pixels[layer, head]]
    upsample = max(1, -(-48 // max(tq, tk)))
    if upsample > 1:
        canvas = canvas.repeat(upsample, 0).repeat(upsample, 1)
    return canvas, gap, upsample


def head_hover(stats: Mapping[str, np.ndarray], layer: int, head: int) -> str:
    """Hover text of one head: its label and every finite statistic, then 'click to open'."""
    lines = [f"{STAT_TITLES[name]}: {stats[name][layer, head]:.2f}"
             for name in HEAD_STATS if np.isfinite(stats[name][layer, head])]
    return f"<b>{head_label(layer, head)}</b><br>" + "<br>".join(lines) + "<br><i>click to open</i>"


def _tile_targets(stats: Mapping[str, np.ndarray], tile: tuple[int, int], size: tuple[int, int],
                  contrast: str) -> dict:
    """The click/hover points at every tile centre (tile = (step_y, step_x), size = (tq, tk)),
    whose invisible markers also carry the figure's colour bar."""
    n_layers, n_heads = next(iter(stats.values())).shape
    (step_y, step_x), (tq, tk) = tile, size
    cells = [(layer, head) for layer in range(n_layers) for head in range(n_heads)]
    targets = _click_targets(cells, [head * step_x + (tk - 1) / 2 for _, head in cells],
                             [layer * step_y + (tq - 1) / 2 for layer, _ in cells],
                             [head_hover(stats, layer, head) for layer, head in cells])
    scale = "weight" if contrast == "absolute" else "weight / head max"
    targets["marker"] = dict(size=14, opacity=0, color=[0.0] * len(cells), colorscale=SEQUENTIAL,
                             cmin=0, cmax=1, showscale=True,
                             colorbar=dict(title=dict(text=scale, side="right"), thickness=12))
    return targets


def _label_tiles(fig: go.Figure, counts: tuple[int, int], tile: tuple[int, int], size: tuple[int, int],
                 gap: int) -> None:
    """Head names H{h} along the top, layer names L{l} down the left (L0 and query 0 on top)."""
    (n_layers, n_heads), (step_y, step_x), (tq, tk) = counts, tile, size
    width, height = n_heads * step_x - gap, n_layers * step_y - gap
    fig.update_xaxes(tickmode="array", tickvals=[h * step_x + (tk - 1) / 2 for h in range(n_heads)],
                     ticktext=[f"H{h}" for h in range(n_heads)], side="top", showgrid=False,
                     zeroline=False, range=[-0.5 - gap / 2, width - 0.5 + gap / 2])
    fig.update_yaxes(tickmode="array", tickvals=[layer * step_y + (tq - 1) / 2 for layer in range(n_layers)],
                     ticktext=[f"L{layer}" for layer in range(n_layers)], showgrid=False, zeroline=False,
                     range=[height - 0.5 + gap / 2, -0.5 - gap / 2])  # reversed


def overview(cap: Capture, stack: str | None = None, block: str = "self_attn",
             max_cells: int = TILE_CELLS, contrast: str = "absolute", how: str = "max",
             stats: Mapping[str, np.ndarray] | None = None) -> go.Figure:
    """All heads of a stack's block as tiles of one image: rows = layers (L0 on top), columns = heads.

    Each tile is that head's weights [q_pos, k_pos] (query tokens top to bottom) pooled to at most
    `max_cells` per side (`how` = "max" keeps sharp patterns, "mean" keeps mass) and coloured with
    the sequential scale. contrast: "absolute" (one 0..1 scale for all heads) or "per head" (each
    tile divided by its own maximum, so diffuse heads show their pattern too).

    The pixels are one PNG layout image (tile_canvas(); a few hundred kB at any length); one
    invisible point per tile carries the hover statistics and customdata [layer, head], so a click
    anywhere on a tile selects it (layout.hoverdistance = -1 picks the nearest tile centre).
    layout.meta holds {"tile": (step_y, step_x), "layers", "heads", "factor", "upsample"};
    tile_of() maps (x, y) back.
    """
    stack = stack or default_stack(cap)
    weights = cap.per_layer("weights", stack, block)  # L x [H, q, k] views, never stacked
    n_layers, n_heads = len(weights), weights[0].shape[0]
    stats = dict(stats) if stats is not None else capture_stats(cap, stack, block)
    pixels, factor = overview_pixels(weights, max_cells, contrast, how)
    canvas, gap, upsample = tile_canvas(pixels)
    size = pixels.shape[-2:]
    tile = (size[0] + gap, size[1] + gap)
    fig = go.Figure([_tile_targets(stats, tile, size, contrast)], _validate=False)
    fig.update_layout(
        images=[dict(source=png_data_uri(canvas), xref="x", yref="y", x=-0.5, y=-0.5,
                     sizex=n_heads * tile[1] - gap, sizey=n_layers * tile[0] - gap, xanchor="left",
                     yanchor="top", sizing="stretch", layer="below")],
        meta={"tile": list(tile), "layers": n_layers, "heads": n_heads, "factor": factor,
              "upsample": upsample},
        hovermode="closest", hoverdistance=-1)
    _label_tiles(fig, (n_layers, n_heads), tile, size, gap)
    q_tokens, _ = block_tokens(cap, stack, block)
    pooled_note = f", pooled {factor}×{factor} ({how})" if factor > 1 else ""
    where = "" if (stack, block) == ("encoder", "self_attn") else f" {stack} {block}"
    base_layout(fig, f"Weights of every head{where}: {len(q_tokens)} tokens{pooled_note}",
                height=max(300, min(1400, 110 + 90 * n_layers)))
    fig.update_layout(plot_bgcolor="#ffffff", margin=dict(t=80, l=40))
    return fig


def head_stats_figure(stats: Mapping[str, np.ndarray], stat: str = "entropy") -> go.Figure:
    """One statistic for every head as a clickable [layers, heads] grid with the values printed.

    Like overview(), the colours are a layout image and the cells are invisible scatter points
    carrying customdata [layer, head] (a heatmap trace would make the chart unclickable in
    Streamlit); the same points print the values, dark text on bright cells and vice versa."""
    if stat not in stats:
        raise ValueError(f"stat must be one of {list(stats)}, got {stat!r}")
    z = np.asarray(stats[stat], dtype=np.float64)
    n_layers, n_heads = z.shape
    finite = z[np.isfinite(z)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1.0
    level = np.clip(np.nan_to_num((z - lo) / (hi - lo), nan=0.0), 0, 1)
    rgb = colormap_lut(SEQUENTIAL)[np.rint(level * 255).astype(int)]
    rgb[~np.isfinite(z)] = (200, 200, 200)
    up = max(1, -(-96 // max(n_layers, n_heads)))  # sharp cell edges when the browser scales up
    cells = [(layer, head) for layer in range(n_layers) for head in range(n_heads)]
    title = STAT_TITLES.get(stat, stat)
    values = [z[c] for c in cells]
    text_size = 12 if n_heads <= 8 else 10

    def fmt(v: float) -> str:  # many heads, narrow cells: .52 instead of 0.52; 0, never ".00"
        if not np.isfinite(v):
            return "–"
        if round(v, 2) == 0:
            return "0"
        return f"{v:.2f}" if n_heads <= 8 or abs(v) >= 1 else f"{v:.2f}".replace("0.", ".", 1)
    points = go.Scatter(
        x=[h for _, h in cells], y=[layer for layer, _ in cells], mode="markers+text",
        customdata=[list(c) for c in cells], name="heads", showlegend=False,
        text=[fmt(v) for v in values] if n_heads <= 16 else None,
        textfont=dict(size=text_size, color=["#000000" if level[c] > 0.55 else "#ffffff" for c in cells]),
        marker=dict(size=18, opacity=0, color=[lo] * len(cells), colorscale=SEQUENTIAL, cmin=lo, cmax=hi,
                    showscale=True, colorbar=dict(thickness=12, title=dict(text=title, side="right"))),
        hovertext=[f"<b>{head_label(*c)}</b><br>{title} {v:.3f}<br><i>click to open</i>" for c, v in
                   zip(cells, values)],
        hovertemplate="%{hovertext}<extra></extra>")
    fig = go.Figure(points)
    fig.update_layout(
        images=[dict(source=png_data_uri(rgb.astype(np.uint8).repeat(up, 0).repeat(up, 1)), xref="x",
                     yref="y", x=-0.5, y=-0.5, sizex=n_heads, sizey=n_layers, xanchor="left",
                     yanchor="top", sizing="stretch", layer="below")],
        hovermode="closest", hoverdistance=-1, plot_bgcolor="#ffffff")
    fig.update_xaxes(tickmode="array", tickvals=list(range(n_heads)),
                     ticktext=[f"H{h}" for h in range(n_heads)], side="top",
                     showgrid=False, zeroline=False, range=[-0.5, n_heads - 0.5])
    fig.update_yaxes(tickmode="array", tickvals=list(range(n_layers)),
                     ticktext=[f"L{layer}" for layer in range(n_layers)], showgrid=False, zeroline=False,
                     range=[n_layers - 0.5, -0.5])  # reversed: L0 on top
    base_layout(fig, f"{title} per head", height=max(280, 100 + 30 * n_layers))
    fig.update_layout(margin=dict(t=80, l=44))
    return fig


def head_ranking(stats: Mapping[str, np.ndarray], stat: str = "entropy", top: int = 12,
                 descending: bool = False) -> go.Figure:
    """The `top` heads ranked by one statistic, as horizontal bars labelled L{layer}H{head}.

    descending=False puts the lowest first (for entropy: the most focused heads)."""
    ranked = [r for r in rank_heads(stats[stat], descending) if np.isfinite(r[2])][:top]
    labels = [head_label(layer, head) for layer, head, _ in ranked]
    values = [value for _, _, value in ranked]
    fig = go.Figure(go.Bar(x=values, y=labels, orientation="h", marker_color="#0072B2",
                           customdata=[[layer, head] for layer, head, _ in ranked],
                           text=[f"{v:.2f}" for v in values], textposition="auto",
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    order = "Highest" if descending else "Lowest"
    base_layout(fig, f"{order} {STAT_TITLES.get(stat, stat)}",
                height=max(260, 60 + 24 * len(ranked)))
    fig.update_xaxes(title_text=STAT_TITLES.get(stat, stat))
    return fig
