"""Figure structure of viz.gradients, viz.softmax and viz.costs (trace types, shapes, axes, colours)."""

import numpy as np
import pytest

from core.labs import costs
from viz import costs as vc
from viz import gradients as vg
from viz import softmax as vs


def test_gradient_distance_figure():
    curves = {"rnn": 0.5 ** np.arange(10), "transformer": np.full(10, 0.02), "lstm": np.zeros(10)}
    fig = vg.gradient_distance_figure(curves, {"λ^d": 0.5 ** np.arange(10)})
    assert [t.type for t in fig.data] == ["scatter"] * 4
    assert [t.name for t in fig.data][:2] == ["vanilla RNN", "Transformer (attention)"]
    assert fig.layout.yaxis.type == "log"
    assert "distance" in fig.layout.xaxis.title.text
    assert min(fig.data[2].y) > 0  # zeros are floored so a log axis can draw them
    assert fig.data[3].line.dash == "dash"
    np.testing.assert_array_equal(fig.data[0].x, np.arange(10))


def test_gradient_distance_caps_a_runaway_reference_at_the_top():
    curves = {"rnn": 0.5 ** np.arange(20), "transformer": np.full(20, 0.1)}
    fig = vg.gradient_distance_figure(curves, {"bound": 2.0 ** np.arange(20)})
    top = 10 ** fig.layout.yaxis.range[1]
    bound = next(t for t in fig.data if t.name == "bound")
    assert max(bound.y) == pytest.approx(top) and len(bound.y) < 20  # ends on the top edge
    assert 3 < bound.x[-1] < 4  # 2^d crosses 10 between d = 3 and 4
    marker = fig.data[-1]
    assert marker.marker.symbol == "triangle-up" and marker.y[0] == pytest.approx(top)


def test_layer_gradient_figure_and_comparisons():
    fig = vg.layer_gradient_figure({"embeddings": np.array([0.1]), "attention": np.array([1.0, 2, 3]),
                                    "MLP": np.array([1.0, 2, 4])})
    assert [t.type for t in fig.data] == ["bar"] * 3
    assert list(fig.data[0].x) == ["embeddings"] and list(fig.data[1].x) == ["layer 0", "layer 1", "layer 2"]
    assert fig.layout.yaxis.type == "log" and fig.layout.barmode == "group"
    comp = vg.variant_comparison_figure({"a": np.ones(3), "b": np.full(3, 1e-7)})
    assert len(comp.data) == 2 and comp.layout.yaxis.type == "log"
    loss = vg.loss_curves_figure(np.arange(5), {"a": np.linspace(3, 2, 5)}, current=2, chance=2.77)
    assert loss.data[0].type == "scatter" and len(loss.layout.shapes) == 2


def test_attention_gradient_figure_pairs_weights_with_gradients():
    rng = np.random.default_rng(0)
    w = rng.random((3, 4, 4))
    g = rng.standard_normal((3, 4, 4))
    fig = vg.attention_gradient_figure(w, g, ["a", "b", "c", "d"], layer=2, heads=[0, 2])
    assert [t.type for t in fig.data] == ["heatmap"] * 4
    weights, grads = fig.data[0], fig.data[1]
    np.testing.assert_array_equal(np.asarray(weights.z), w[0])
    np.testing.assert_array_equal(np.asarray(grads.z), g[0])
    assert weights.zmin == 0 and weights.zmax == 1
    assert grads.zmid == 0 and grads.zmin == -grads.zmax
    assert grads.zmax == pytest.approx(np.abs(g[[0, 2]]).max())
    assert fig.layout.annotations[0].text == "L2H0 weights"
    assert list(fig.layout.xaxis.ticktext) == ["a", "b", "c", "d"]
    assert fig.layout.yaxis.autorange == "reversed"
    with pytest.raises(ValueError):
        vg.attention_gradient_figure(w, g[:2], list("abcd"))


def test_softmax_figures():
    s = np.array([0.5, 0.3, 0.2])
    jac = np.diag(s) - np.outer(s, s)
    bars = vs.probability_bars(s)
    assert bars.data[0].type == "bar" and list(bars.data[0].x) == ["z0", "z1", "z2"]
    heat = vs.jacobian_heatmap(jac, ["a", "b", "c"])
    h = heat.data[0]
    assert h.type == "heatmap" and np.asarray(h.z).shape == (3, 3) and h.zmid == 0
    assert heat.layout.yaxis.autorange == "reversed"
    sums = [float(a.text.removeprefix("Σ = ")) for a in heat.layout.annotations]
    assert len(sums) == 3 and max(abs(x) for x in sums) < 1e-15
    eig = vs.eigenvalue_bars(np.linalg.eigvalsh(jac))
    assert list(eig.data[0].y) == sorted(eig.data[0].y, reverse=True)
    curve = vs.jacobian_norm_curve(np.array([0.1, 1, 10]), np.array([0.01, 0.2, 0.01]),
                                   np.array([0.001, 0.2, 0.1]), current=1.0)
    assert curve.layout.xaxis.type == "log" and len(curve.data) == 2
    var = vs.variance_figure(np.array([4, 64]), np.array([4.1, 63.0]), np.array([1.02, 0.98]))
    assert var.layout.xaxis.type == "log" and var.layout.yaxis.type == "log" and len(var.data) == 4
    sat = {"unscaled": {"mean_max_weight": 0.86, "median_jacobian_norm": 0.07, "frac_tiny_jacobian": 0.16},
           "scaled": {"mean_max_weight": 0.32, "median_jacobian_norm": 0.25, "frac_tiny_jacobian": 0.0}}
    fig = vs.saturation_figure(sat)
    assert [t.type for t in fig.data] == ["bar"] * 6 and fig.data[0].y[0] == 0.86


def test_cost_figures():
    table = vc.table1_figure(costs.TABLE_1, costs.TABLE_1_CAPTION)
    assert table.data[0].type == "table"
    assert list(table.data[0].cells.values[0]) == [r["layer"] for r in costs.TABLE_1]
    n = np.array([8, 64, 512])
    ops = vc.op_count_figure(n, costs.op_counts(n, 64), 64)
    assert ops.layout.xaxis.type == "log" and ops.layout.yaxis.type == "log"
    assert ops.layout.shapes[0].x0 == 64 and len(ops.data) == 4
    timing = {"n": n, "self-attention": np.array([1e-5, 1e-4, 1e-2]), "recurrent (RNN)": np.array([1e-4] * 3)}
    t = vc.timing_figure(timing, 64, crossover=100.0)
    assert [d.name for d in t.data] == ["self-attention", "recurrent (RNN)"]
    np.testing.assert_allclose(t.data[0].y, [1e-2, 1e-1, 10])  # milliseconds
    assert [s.x0 for s in t.layout.shapes] == [64, 100.0]
    steps = vc.sequential_steps_figure(n, costs.sequential_steps(n))
    assert list(steps.data[1].y) == [8, 64, 512]
    paths = vc.path_length_figure(n, costs.path_lengths(n))
    assert paths.layout.yaxis.type == "log"
    graphs = {k: costs.connectivity(k, 5, 3) for k in costs.GRAPHS}
    conn = vc.connectivity_figure(graphs, {k: costs.max_path_length(a) for k, a in graphs.items()})
    assert len(conn.data) == 8
    edges = conn.data[4]  # the complete graph: 10 arcs, each 24 points and a None separator
    assert sum(y is None for y in edges.y) == 10
    assert "longest path 1 hop" in conn.layout.annotations[2].text


def test_cliff_figure():
    w = np.linspace(-1, 1, 21)
    loss = np.where(w < 0.5, w ** 2, 30.0)
    un = {"w": np.array([0.8, 0.6, -0.9]), "loss": np.array([30.0, 30.0, 0.81]),
          "grad": np.array([1.0, 500.0])}
    cl = {"w": np.array([0.8, 0.6, 0.45]), "loss": np.array([30.0, 30.0, 0.2])}
    fig = vg.cliff_figure(w, loss, un, cl, wall=0.5, threshold=10)
    assert [t.type for t in fig.data] == ["scatter"] * 3
    assert [t.mode for t in fig.data] == ["lines", "lines+markers", "lines+markers"]
    assert fig.data[2].name == "clipped descent (‖g‖ ≤ 10)"
    assert fig.layout.yaxis.type == "log" and min(fig.data[0].y) > 0  # loss 0 floored
    texts = [a.text for a in fig.layout.annotations]
    assert "cliff" in texts
    assert "unclipped step: Δw = -1.50" in texts  # the step from the steepest point (grad 500)
    assert "clipped step: Δw = -0.20" in texts  # no grad given: the largest step
    arrow = next(a for a in fig.layout.annotations if a.showarrow and a.arrowcolor == fig.data[1].line.color)
    assert (arrow.ax, arrow.x) == (0.6, -0.9) and arrow.y == pytest.approx(np.log10(0.81))
    only = vg.cliff_figure(w, loss, un)
    assert len(only.data) == 2
    assert not any(a.text.startswith("clipped step") for a in only.layout.annotations)
