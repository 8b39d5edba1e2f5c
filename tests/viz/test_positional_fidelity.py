"""Positional figures say only what is true (issue 10, item 8)."""

from __future__ import annotations

import pytest

from core.positional import positional_encoding
from viz import positional as vp


def test_spectrum_names_the_columns_too_slow_to_resolve():
    pe = positional_encoding("sinusoidal", 2048, 64).double().numpy()
    fig = vp.spectrum(pe)
    # default columns 0, 12, 24, 36, 48, 62: periods 2π·10000^(i/64); 48 and 62 exceed 2048
    assert fig.layout.meta["unresolved"] == [48, 62]
    assert fig.layout.meta["n_positions"] == 2048


def test_raw_index_ratio_is_computed_on_a_linear_axis():
    fig = vp.raw_index(501, 0.0553)
    assert fig.layout.meta["ratio"] == pytest.approx(500 / 0.0553)
    assert round(fig.layout.meta["ratio"], -1) == 9040  # not "10,000×"
    assert fig.layout.yaxis.type != "log"


def test_pca_legend_colour_is_the_path_colour():
    encs = {k: positional_encoding(k, 32, 16).double().numpy() for k in ("sinusoidal", "single_sine")}
    fig = vp.pca_3d(encs)
    for trace in fig.data:
        assert trace.marker.color == trace.line.color


def test_equal_accuracy_curves_stay_distinguishable():
    curves = {k: {8: 1.0, 16: 1.0} for k in ("sinusoidal", "rope", "learned", "alibi")}
    fig = vp.accuracy_vs_length(curves, 8)
    styles = {(t.line.dash, t.marker.symbol) for t in fig.data if t.name in curves}
    assert len(styles) == len(curves)
