"""Gradient flow across time: oracles from CONCEPTS.md section 9."""

import numpy as np
import pytest
import torch

from core import Transformer, TransformerConfig, capture
from core.labs import gradients as g


@pytest.mark.parametrize("lam", [0.9, 0.99, 1.01, 1.1])
def test_linear_rnn_with_scaled_orthogonal_matrix_gives_lambda_power(lam):
    norms = g.linear_rnn_gradient_norms(lam, 101, 16)
    expected = lam ** np.arange(101)
    np.testing.assert_allclose(norms, expected, rtol=1e-6)


def test_linear_rnn_matches_the_concepts_table():
    assert g.linear_rnn_gradient_norms(0.9, 51, 16)[50] == pytest.approx(5.1538e-3, rel=1e-4)
    assert g.linear_rnn_gradient_norms(1.1, 51, 16)[50] == pytest.approx(117.39, rel=1e-4)
    w = g.recurrent_matrix(16, 0.9, seed=3, orthogonal=True)
    np.testing.assert_allclose(g.matrix_power_norms(w, 30), 0.9 ** np.arange(30), rtol=1e-9)


def test_recurrent_matrix_has_the_requested_spectral_radius():
    w = g.recurrent_matrix(64, 0.5, seed=1)
    assert torch.linalg.eigvals(w).abs().max().item() == pytest.approx(0.5, rel=1e-9)
    # non-normal: the largest singular value exceeds the spectral radius (Pascanu uses the former)
    assert torch.linalg.matrix_norm(w, ord=2).item() > 0.8


def test_tanh_rnn_radius_half_vanishes_within_50_steps():
    c = g.gradient_by_distance("rnn", 51, 64, spectral_radius=0.5)
    assert c[50] < 1e-10 * c[0]


def test_tanh_rnn_radius_one_still_vanishes_and_radius_three_grows():
    one = g.gradient_by_distance("rnn", 100, 64, spectral_radius=1.0)
    assert one[99] < 1e-6 * one[0]
    three = g.gradient_by_distance("rnn", 100, 64, spectral_radius=3.0)
    assert three[50] > 100 * three[0]
    assert three[99] > three[50]


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("radius", [0.5, 1.0, 3.0])
def test_pascanu_bound_holds(activation, radius):
    c = g.gradient_by_distance("rnn", 40, 32, spectral_radius=radius, activation=activation)
    b = g.pascanu_bound(40, 32, radius, activation)
    assert b["gamma"] == (1.0 if activation == "tanh" else 0.25)
    assert np.all(c <= b["bound"] * (1 + 1e-9))


def test_sigmoid_vanishes_faster_than_tanh():
    tanh = g.gradient_by_distance("rnn", 30, 32, activation="tanh")
    sig = g.gradient_by_distance("rnn", 30, 32, activation="sigmoid")
    assert sig[29] < 1e-6 * tanh[29]


def test_lstm_cell_path_equals_product_of_forget_gates():
    r = g.lstm_cell_path(60, 32, forget_bias=1.0)
    np.testing.assert_allclose(r["jacobian_diag"], r["forget_product"], rtol=1e-12, atol=0)
    assert r["jacobian_diag"].shape == (60, 32)
    np.testing.assert_allclose(r["norm"], np.abs(r["forget_product"]).max(1))
    assert np.all((r["forget_gates"] > 0) & (r["forget_gates"] < 1))


def test_larger_forget_bias_keeps_the_cell_path_open():
    low = g.lstm_cell_path(50, 32, forget_bias=1.0)["norm"][49]
    high = g.lstm_cell_path(50, 32, forget_bias=5.0)["norm"][49]
    assert high > 0.5 and low < 1e-3


def _torch_reference(kind, p, u):
    h = u.shape[1]
    module = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(h, h).double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(p["w_ih"])
        module.weight_hh_l0.copy_(p["w_hh"])
        module.bias_ih_l0.copy_(p["bias"])
        module.bias_hh_l0.zero_()
    return module(u)[0][-1]


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_hand_written_cells_match_pytorch(kind):
    p = g._gated_params(kind, 8, 1.0, 2.0, seed=0)
    u = g._inputs(12, 8, 0)
    run = g._lstm(p) if kind == "lstm" else g._gru(p)
    torch.testing.assert_close(run(u), _torch_reference(kind, p, u), rtol=1e-12, atol=1e-12)


def test_transformer_curve_does_not_decay_exponentially():
    c = g.gradient_by_distance("transformer", 64, 32)
    d = np.arange(1, 64)
    slope = np.polyfit(d, np.log(c[1:]), 1)[0]
    rnn_slope = np.polyfit(d, np.log(g.gradient_by_distance("rnn", 64, 32, spectral_radius=0.5)[1:]), 1)[0]
    assert abs(slope) < 0.05 and rnn_slope < -0.5
    assert c[1:].min() > 0.1 * c[1:].max()


def test_gradient_by_distance_shapes_determinism_and_errors():
    for kind in g.NETWORKS:
        c = g.gradient_by_distance(kind, 12, 8, seed=5)
        assert c.shape == (12,) and np.all(np.isfinite(c)) and np.all(c > 0)
        np.testing.assert_array_equal(c, g.gradient_by_distance(kind, 12, 8, seed=5))
    with pytest.raises(ValueError, match="kind"):
        g.gradient_by_distance("cnn", 5, 4)
    with pytest.raises(ValueError, match="activation"):
        g.gradient_by_distance("rnn", 5, 4, activation="relu6")
    before = torch.get_num_threads()
    g.gradient_by_distance("rnn", 3, 4)
    assert torch.get_num_threads() == before


def test_capture_gradient_norms_of_a_scratch_model():
    torch.manual_seed(0)
    model = Transformer(TransformerConfig(arch="decoder", vocab_size=20, d_model=16, n_heads=2,
                                          n_layers=3, d_ff=32, max_len=16))
    cap = capture(model, torch.tensor([1, 5, 7, 2, 9]), grads=True)
    norms = g.capture_gradient_norms(cap)
    assert set(norms) == {"embeddings", "attention output", "residual stream"}
    assert norms["attention output"].shape == (3,) and norms["residual stream"].shape == (3,)
    expected = torch.linalg.vector_norm(cap.grads["decoder.1.self_attn.output"].double()).item()
    assert norms["attention output"][1] == pytest.approx(expected)
    assert np.all(norms["residual stream"] > 0)


def test_cliff_surface_has_a_wall_and_an_exact_gradient():
    c = g.pascanu_cliff()
    grad = np.abs(c["grad"])
    assert grad.max() > 1e3 * np.median(grad)  # the wall: orders of magnitude above typical
    assert c["minimum"] < c["wall"]  # the basin floor lies next to the wall
    k = int(np.argmax(grad))
    assert c["loss"][k + 10] > 1e3 * c["loss"][k - 10]  # the loss jumps across the wall
    # the forward-mode derivative equals autograd through the same recursion
    w = torch.tensor([4.0, c["wall"], 7.0], dtype=torch.float64, requires_grad=True)
    x = torch.full_like(w, 0.5)
    for _ in range(15):
        x = w * torch.sigmoid(x) - 3.0
    loss = (x + 2.7) ** 2
    loss.sum().backward()
    ours, ours_grad, _ = g.cliff_loss(w.detach().numpy(), **g.CLIFF)
    np.testing.assert_allclose(ours, loss.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours_grad, w.grad.numpy(), rtol=1e-9)
    # the wall is an exploding product of Jacobians prod_t w sigma'(x_t); in the basin it vanishes

    def product(w):
        x, p = 0.5, 1.0
        for _ in range(15):
            s = 1 / (1 + np.exp(-x))
            p, x = p * w * s * (1 - s), w * s - 3.0
        return p
    assert product(c["wall"]) > 10 and product(c["minimum"]) < 1e-3


@pytest.mark.parametrize("threshold", [1.0, 5.0, 10.0, 100.0])
def test_clipping_keeps_steps_short_and_ends_lower(threshold):
    c = g.pascanu_cliff(threshold)
    un, cl = c["unclipped"], c["clipped"]
    assert np.abs(cl["used"]).max() <= threshold * (1 + 1e-12)
    assert np.abs(cl["step"]).max() <= c["lr"] * threshold * (1 + 1e-12)
    np.testing.assert_allclose(cl["step"], -c["lr"] * cl["used"])
    # clipped gradients keep their sign (direction), only the norm is capped
    assert np.all(np.sign(cl["used"]) == np.sign(cl["grad"]))
    # unclipped: one step at the wall is far longer than any clipped step and leaves the basin
    assert np.abs(un["step"]).max() > 10 * c["lr"] * min(threshold, 10.0)
    # the basin: around the minimum, a decade below the highest loss on its far (left) side
    low = c["loss"] < 0.1 * c["loss"][c["w"] < c["minimum"]].max()
    i = j = int(np.argmin(c["loss"]))
    while i > 0 and low[i - 1]:
        i -= 1
    while low[j + 1]:
        j += 1
    lo, hi = c["w"][i], c["w"][j]
    assert lo < c["minimum"] < hi < c["wall"]
    assert not lo <= un["w"][-1] <= hi  # thrown out of the basin
    assert lo <= cl["w"][-1] <= hi  # stayed in it
    assert abs(un["w"][-1] - c["minimum"]) > 5 * abs(cl["w"][-1] - c["minimum"])
    assert cl["loss"][-1] < un["loss"][-1]
    assert cl["loss"][-1] < 1e-2 * cl["loss"][0]  # it went down the wall, not off it


def test_cliff_descent_without_clipping_matches_plain_gradient_descent_and_validates():
    run = g.cliff_descent(None, w0=4.0, lr=10.0, n_steps=3, **g.CLIFF)
    w = 4.0
    for i in range(3):
        w = w - 10.0 * g.cliff_loss(w, **g.CLIFF)[1][0]
        assert run["w"][i + 1] == pytest.approx(w)
    np.testing.assert_array_equal(run["grad"], run["used"])
    assert g.clip_by_norm(np.array([3.0, 4.0]), 1.0) == pytest.approx([0.6, 0.8])
    with pytest.raises(ValueError):
        g.cliff_descent(0.0)
