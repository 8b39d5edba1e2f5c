"""Figure structure of viz.positional: trace types, shapes, orientation, colour scales."""

import numpy as np
import plotly.graph_objects as go
import pytest

from core.labs.image_positions import grid_encodings, neighbour_similarities, similarity_map
from core.labs.order import order_matters
from core.labs.positional_scorecard import MEASURES, scorecard
from core.positional import KINDS, positional_encoding, sinusoidal
from viz import positional as vp

PE = sinusoidal(32, 16).numpy()


def _reversed(fig: go.Figure, axis: str = "yaxis") -> bool:
    return fig.layout[axis].autorange == "reversed"


def test_encoding_matrix_is_a_position_by_dimension_heatmap():
    fig = vp.encoding_matrix(PE, "sinusoidal")
    (hm,) = fig.data
    assert hm.type == "heatmap" and np.asarray(hm.z).shape == (32, 16)
    assert hm.zmid == 0  # signed -> diverging centred at 0
    assert _reversed(fig)
    sig = vp.encoding_matrix(positional_encoding("sigmoid", 8, 4).numpy())
    assert sig.data[0].zmid is None  # unsigned -> sequential


def test_dims_vs_position_one_line_per_dim():
    fig = vp.dims_vs_position(PE, dims=(4, 5, 6, 7))
    assert [t.name for t in fig.data] == ["dim 4", "dim 5", "dim 6", "dim 7"]
    assert len(fig.data[0].y) == 32


def test_spectrum_peaks_at_the_predicted_bin():
    pe = sinusoidal(4096, 512).numpy()
    fig = vp.spectrum(pe, dims=(0, 20, 80, 160))
    assert fig.layout.xaxis.type == "log"
    for trace, predicted in zip(fig.data, (651.9, 454.9, 154.6, 36.7)):
        peak_bin = int(np.argmax(trace.y)) + 1  # the DC bin is dropped
        assert peak_bin == round(predicted)


def test_similarity_matrix_and_offset_curves():
    fig = vp.similarity_matrix(PE)
    z = np.asarray(fig.data[0].z)
    assert z.shape == (32, 32) and np.allclose(np.diag(z), 1) and _reversed(fig)
    off = vp.similarity_by_offset(sinusoidal(512, 512).numpy(), anchor=256, max_offset=20)
    plus, minus = off.data
    assert np.allclose(plus.y, minus.y)  # sinusoidal: +k and -k coincide
    assert plus.y[1] == pytest.approx(0.9731, abs=1e-4)


def test_clock_hands_and_pca():
    fig = vp.clock_hands(64, position=5, n_dials=4)
    assert len(fig.data) == 8  # a circle and a hand per dial
    hand = fig.data[1]
    assert hand.x[1] == pytest.approx(np.cos(5.0)) and hand.y[1] == pytest.approx(np.sin(5.0))
    pca = vp.pca_3d({"sinusoidal": PE, "single_sine": positional_encoding("single_sine", 32, 16).numpy()})
    assert [t.type for t in pca.data] == ["scatter3d", "scatter3d"]
    assert np.allclose(pca.data[1].z, 0)  # a broadcast scalar has rank 1: a line


def test_failure_demos():
    sine = positional_encoding("single_sine", 360, 1)[:, 0].numpy()
    fig = vp.level_line(sine, 0.0, 1e-2)
    assert 0 in fig.data[1].x and 355 in fig.data[1].x
    band = vp.stretched_band(positional_encoding("stretched_sine", 64, 1)[:, 0].numpy(), 0.02)
    assert any(t.fill == "toself" for t in band.data)
    s32 = positional_encoding("sigmoid", 50, 1)[:, 0].numpy()
    s64 = 1 / (1 + np.exp(-np.arange(50.0)))
    sig = vp.sigmoid_saturation(s32, s64)
    ones = next(t for t in sig.data if t.name == "float32 σ(p) == 1.0")
    assert min(ones.x) == 17
    assert sig.layout.yaxis2.type == "log"
    norm = vp.normalized_index((5, 10), position=2)
    stars = [t for t in norm.data if t.mode == "markers+text"]
    assert [s.text[0] for s in stars] == ["0.500", "0.222"]
    raw = vp.raw_index(100)
    assert max(raw.data[0].y) == 99


def test_scorecard_table():
    cards = [scorecard(k, 32, 8) for k in ("sinusoidal", "alibi", "sigmoid")]
    fig = vp.scorecard_table(cards, MEASURES)
    (table,) = fig.data
    assert table.type == "table"
    assert list(table.header.values) == ["requirement", "sinusoidal", "alibi", "sigmoid"]
    assert len(table.cells.values[0]) == len(MEASURES)
    alibi_cells = table.cells.values[2]
    assert "n/a" in alibi_cells


def test_order_matters_figure():
    r = order_matters("sinusoidal")
    fig = vp.order_matters_figure(r.words_a, r.words_b, r.weights_a[0, 0], r.weights_b[0, 0],
                           np.abs(r.output_a - r.output_b).max(axis=1))
    types = [t.type for t in fig.data]
    assert types == ["heatmap", "heatmap", "heatmap", "bar"]
    assert fig.data[2].zmid == 0
    assert list(fig.data[0].y)[1] == "dog (1)"
    assert fig.layout.yaxis.autorange == "reversed"


def test_trained_comparison_figures():
    bars = vp.accuracy_bars({"none": 0.06, "rope": 1.0}, 1 / 15, 16)
    assert list(bars.data[0].x) == ["none", "rope"]
    curves = vp.accuracy_vs_length({"learned": {"16": 1.0, "32": None}, "rope": {16: 1.0, 32: 1.0}}, 16,
                                   {16: 1 / 15, 32: 1 / 31})
    assert np.isnan(curves.data[0].y[1]) and len(curves.data) == 3
    label = next(x for x in curves.layout.annotations if x.text == "trained at N = 16")
    assert label.yref == "paper" and label.y >= 1 and label.yanchor == "bottom"  # above the curves
    side = vp.similarity_side_by_side({"a": PE, "b": PE[:, :8]})
    assert len(side.data) == 2 and side.data[0].zmin == -1
    heads = vp.head_maps(np.random.default_rng(0).random((4, 5, 5)))
    assert len(heads.data) == 4 and heads.layout.yaxis.autorange == "reversed"
    rope = vp.rope_scores_figure(np.eye(6) - 0.5)
    assert rope.data[0].zmid == 0 and _reversed(rope)


def test_images_card_figure():
    maps = {k: similarity_map(v, 14, 14, (5, 13)) for k, v in grid_encodings(14, 14, 64).items()}
    fig = vp.images_card(maps["1-D"], maps["2-D"], neighbour_similarities(14, 14, 64), (5, 13))
    assert [t.type for t in fig.data].count("heatmap") == 2
    assert np.asarray(fig.data[0].z).shape == (14, 14)
    assert [t.name for t in fig.data if t.type == "bar"] == ["1-D", "2-D"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_draws(kind):
    from core.labs.positional_scorecard import encoding_view

    matrix, _ = encoding_view(kind, 16, 8)
    assert vp.encoding_matrix(matrix, kind).data[0].type == "heatmap"
