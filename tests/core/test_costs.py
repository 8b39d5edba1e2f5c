"""AIAYN Table 1 as data, operation counts, path lengths (CONCEPTS.md section 10); no timing asserts."""

import math

import numpy as np
import pytest
import torch

from core.labs import costs


def test_table_1_verbatim():
    assert [r["layer"] for r in costs.TABLE_1] == ["Self-Attention", "Recurrent", "Convolutional",
                                                  "Self-Attention (restricted)"]
    assert [r["complexity"] for r in costs.TABLE_1] == ["O(n²·d)", "O(n·d²)", "O(k·n·d²)", "O(r·n·d)"]
    assert [r["sequential"] for r in costs.TABLE_1] == ["O(1)", "O(n)", "O(1)", "O(1)"]
    assert [r["path"] for r in costs.TABLE_1] == ["O(1)", "O(n)", "O(log_k(n))", "O(n/r)"]


def test_op_counts_match_the_checkable_numbers():
    c = costs.op_counts([50, 512, 4096], 512, k=3, r=32)
    np.testing.assert_allclose(c["self-attention"], [1.28e6, 1.342e8, 8.59e9], rtol=2e-3)
    np.testing.assert_allclose(c["recurrent"], [1.31e7, 1.342e8, 1.07e9], rtol=5e-3)  # 3 digits
    assert c["recurrent"][0] / c["self-attention"][0] == pytest.approx(10.24)
    assert c["self-attention"][2] / c["recurrent"][2] == pytest.approx(8.0)
    np.testing.assert_allclose(c["convolution"], 3 * c["recurrent"])
    assert c["restricted self-attention"][2] == pytest.approx(6.7e7, rel=2e-3)


def test_attention_cheaper_iff_n_below_d():
    for d in (64, 256, 512):
        n = np.arange(1, 2 * d)
        c = costs.op_counts(n, d)
        np.testing.assert_array_equal(c["self-attention"] < c["recurrent"], n < d)
        assert costs.theoretical_crossover(d) == d


def test_path_lengths_at_n_50():
    p = costs.path_lengths([50, 4096], k=3, r=32)
    assert p["recurrent"][0] == 50 and p["self-attention"][0] == 1
    assert p["convolution (dilated)"][0] == pytest.approx(3.56, abs=0.01)
    assert math.ceil(p["convolution (dilated)"][0]) == 4
    assert p["convolution (contiguous)"][0] == pytest.approx(16.67, abs=0.01)
    assert p["restricted self-attention"][1] == 128
    s = costs.sequential_steps([10, 100])
    np.testing.assert_array_equal(s["recurrent"], [10, 100])
    np.testing.assert_array_equal(s["self-attention"], [1, 1])


@pytest.mark.parametrize("n", [2, 7, 16])
def test_graph_diameters(n):
    assert costs.max_path_length(costs.connectivity("chain", n)) == n - 1
    assert costs.max_path_length(costs.connectivity("complete", n)) == 1
    for width in (2, 3, 5, 8):
        radius = width // 2
        assert costs.max_path_length(costs.connectivity("band", n, width)) == math.ceil((n - 1) / radius)
    for kind in costs.GRAPHS:
        adj = costs.connectivity(kind, n, 4)
        assert adj.dtype == bool and (adj == adj.T).all() and not adj.diagonal().any()


def test_graph_errors():
    with pytest.raises(ValueError, match="kind"):
        costs.connectivity("star", 5)
    with pytest.raises(ValueError, match="not connected"):
        costs.max_path_length(np.zeros((3, 3), dtype=bool))


def test_measured_crossover_interpolates_on_log_axes():
    ns = [10, 100, 1000]
    assert costs.measured_crossover(ns, [1, 2, 8], [2, 4, 4]) == pytest.approx(math.sqrt(1e5))
    assert costs.measured_crossover(ns, [1, 1, 1], [2, 2, 2]) is None
    assert costs.measured_crossover(ns, [3, 3, 3], [2, 2, 2]) == 10


def test_measure_costs_table_shape_without_timing_asserts():
    before = torch.get_num_threads()
    t = costs.measure_costs([4, 8], 16, repeats=1)
    assert torch.get_num_threads() == before
    assert list(t) == ["n", *costs.LAYERS]
    np.testing.assert_array_equal(t["n"], [4, 8])
    for name in costs.LAYERS:
        assert t[name].shape == (2,) and np.all(t[name] > 0)
    with pytest.raises(ValueError, match="unknown layers"):
        costs.measure_costs([4], 8, layers=("transformer",))
