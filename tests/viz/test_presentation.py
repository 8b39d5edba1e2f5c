"""Projector theme: tick labels black and large on every axis, 3-D scenes too (issue 10, item 10)."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.positional import pca_3d
from viz.theme import base_layout, presentation, with_model


def test_ticks_are_black_and_large_on_every_axis():
    fig = base_layout(make_subplots(rows=1, cols=3), "t")
    out = presentation(fig)
    for axis in ("xaxis", "xaxis2", "xaxis3", "yaxis", "yaxis3"):
        font = out.layout[axis].tickfont
        assert font.color == "#000000" and font.size >= 18
        assert out.layout[axis].title.font.color == "#000000"


def test_scene_ticks_are_black_too():
    import numpy as np

    out = presentation(pca_3d({"a": np.random.default_rng(0).standard_normal((10, 4))}))
    assert out.layout.scene.xaxis.tickfont.color == "#000000"


def test_model_name_leads_the_title_once():
    fig = with_model(go.Figure(layout=dict(title_text="L0H0: scores")), "minilm-scratch")
    assert fig.layout.title.text == "minilm-scratch · L0H0: scores"
    assert with_model(fig, "minilm-scratch").layout.title.text == fig.layout.title.text


def test_long_titles_wrap_to_a_half_column_and_keep_every_word():
    from viz.theme import PRESENT_LINE, wrap_text

    title = "Similarity to position 32 by offset, with the mean over all positions"
    out = presentation(base_layout(go.Figure(), title)).layout.title.text
    lines = out.split("<br>")
    assert len(lines) == 3 and all(len(line) <= PRESENT_LINE for line in lines)
    assert " ".join(lines) == title
    assert wrap_text("a<br>b") == "a<br>b"


def test_a_legend_below_the_plot_is_pinned_under_the_axis_title():
    fig = base_layout(go.Figure([go.Scatter(x=[0, 1], y=[0, 1], name=f"a fairly long entry {i}")
                                 for i in range(4)]), "t", height=400)
    fig.update_layout(legend=dict(orientation="h", y=-0.25), margin=dict(b=10))
    out = presentation(fig)
    assert out.layout.legend.yref == "container" and out.layout.legend.y == 0
    assert out.layout.margin.b >= 4 * 30 + 90  # one row per long entry, above it the axis room
    assert out.layout.height > 500


def test_printed_values_are_at_least_16_px():
    heat = go.Heatmap(z=[[0.1, 0.2]], text=[["a", "b"]], texttemplate="%{text}", textfont=dict(size=10))
    table = go.Table(header=dict(values=["h"], font=dict(size=11)), cells=dict(values=[["c"]]))
    out = presentation(go.Figure([heat, table]))
    assert out.data[0].textfont.size >= 16
    assert out.data[1].cells.font.size >= 16 and out.data[1].header.font.size >= 16


def test_values_printed_in_a_wide_grid_give_way_on_a_projector_but_labels_stay():
    """MiniLM's 6 × 12 statistics table printed '2.12.06' run together at projector size: past
    eight columns a grid's printed values are left to the hover; a few columns, or text at points
    that are not a grid (words on a PCA map), keep their text."""
    import numpy as np

    from viz.attention_overview import head_stats_figure
    stats = {"entropy": np.linspace(0.1, 2.0, 72).reshape(6, 12)}
    wide = presentation(head_stats_figure(stats, "entropy"))
    assert wide.data[0].mode == "markers" and wide.data[0].hovertext  # values still on hover
    narrow = presentation(head_stats_figure({"entropy": np.linspace(0.1, 2.0, 24).reshape(6, 4)}, "entropy"))
    assert narrow.data[0].mode == "markers+text" and narrow.data[0].textfont.size >= 16
    words = go.Scatter(x=np.linspace(-1, 1, 12), y=np.linspace(0, 2, 12), mode="markers+text",
                       text=[f"w{i}" for i in range(12)])
    assert presentation(go.Figure(words)).data[0].mode == "markers+text"
