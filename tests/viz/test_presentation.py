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
