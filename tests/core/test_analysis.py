"""core.labs.attention_stats: per-head statistics, rollout, word-level weights, JS divergence, pooling."""

import math

import numpy as np
import pytest
import torch

from core.labs.attention_stats import (
    LOG2,
    head_stats,
    heads_max,
    heads_mean,
    js_divergence,
    js_per_head,
    pool,
    pool_labels,
    rank_heads,
    rollout,
    row_entropy,
    special_positions,
    word_labels,
    word_level,
)


def _random_weights(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.softmax(torch.randn(*shape, generator=g) * 2, dim=-1)


def test_uniform_rows_have_entropy_log_n_and_one_hot_rows_zero():
    n = 7
    assert np.allclose(row_entropy(np.full((3, n), 1 / n)), math.log(n))
    assert np.allclose(row_entropy(np.eye(n)), 0.0)


def test_head_stats_known_patterns():
    n = 5
    w = np.zeros((1, 3, n, n), dtype=np.float32)
    w[0, 0] = 1 / n                      # uniform
    w[0, 1] = np.eye(n)                  # attends to itself
    w[0, 2, :, 0] = 1.0                  # attends to the first token
    s = head_stats(w, special=[0])
    assert s["entropy"][0].tolist() == pytest.approx([math.log(n), 0, 0], abs=1e-6)
    assert s["max_weight"][0].tolist() == pytest.approx([1 / n, 1, 1], abs=1e-6)
    assert s["self"][0].tolist() == pytest.approx([1 / n, 1, 1 / n], abs=1e-6)
    assert s["first"][0].tolist() == pytest.approx([1 / n, 1 / n, 1], abs=1e-6)
    assert s["special"][0].tolist() == pytest.approx(s["first"][0].tolist())
    # uniform over 5: mean |i-j| = (sum over i,j |i-j|) / 25 = 40/25
    assert s["distance"][0].tolist() == pytest.approx([40 / 25, 0, (0 + 1 + 2 + 3 + 4) / 5], abs=1e-6)


def test_head_stats_skip_fully_masked_rows_and_cross_attention_has_no_distance():
    w = np.zeros((1, 1, 3, 4), dtype=np.float32)
    w[0, 0, 1:, 2] = 1.0  # row 0 fully masked (all zeros)
    s = head_stats(w)
    assert s["max_weight"][0, 0] == pytest.approx(1.0)
    assert math.isnan(s["distance"][0, 0]) and math.isnan(s["self"][0, 0])


def test_rank_heads_orders_and_puts_nan_last():
    stat = np.array([[0.2, np.nan], [0.9, 0.1]])
    ranked = rank_heads(stat)
    assert ranked[:3] == [(1, 0, 0.9), (0, 0, 0.2), (1, 1, 0.1)]
    assert ranked[3][:2] == (0, 1) and np.isnan(ranked[3][2])
    assert [r[:2] for r in rank_heads(stat, descending=False)][:3] == [(1, 1), (0, 0), (1, 0)]


def test_mean_and_max_over_heads():
    w = _random_weights(2, 4, 6, 6)
    assert np.allclose(heads_mean(w).sum(-1), 1.0, atol=1e-6)
    assert heads_max(w).shape == (2, 6, 6)
    assert np.all(heads_max(w) >= heads_mean(w) - 1e-7)


def test_rollout_identity_and_row_sums_and_uniform_fixed_point():
    n = 6
    eye = np.broadcast_to(np.eye(n), (3, 2, n, n))
    assert np.allclose(rollout(eye), np.eye(n))
    w = _random_weights(4, 3, n, n)
    r = rollout(w)
    assert r.shape == (4, n, n)
    assert np.allclose(r.sum(-1), 1.0, atol=1e-6)
    # one layer: 0.5 I + 0.5 mean_heads(A)
    assert np.allclose(r[0], 0.5 * np.eye(n) + 0.5 * w[0].mean(0).numpy(), atol=1e-6)
    uniform = np.full((2, n, n), 1 / n)
    assert np.allclose(rollout(uniform, residual=0.0)[-1], 1 / n)
    with pytest.raises(ValueError, match="self-attention"):
        rollout(np.ones((2, 3, 4)))


def test_word_level_sums_keys_and_averages_queries():
    w = np.array([[0.5, 0.25, 0.25],
                  [0.1, 0.6, 0.3],
                  [0.2, 0.2, 0.6]], dtype=np.float32)
    words = [[0], [1, 2]]  # "un ##believable"
    z = word_level(w, words)
    assert z.shape == (2, 2)
    assert z[0].tolist() == pytest.approx([0.5, 0.5])            # row 0: keys 1+2 summed
    assert z[1].tolist() == pytest.approx([0.15, 0.85])          # rows 1,2 averaged
    assert np.allclose(z.sum(-1), 1.0)
    assert word_labels(["un", "bel", "ievable"], [[0, 1, 2]]) == ["unbelievable"]
    with pytest.raises(ValueError, match="exactly once"):
        word_level(w, [[0], [1]])


def test_js_divergence_bounds():
    p = _random_weights(5, 8).numpy()
    assert np.allclose(js_divergence(p, p), 0.0, atol=1e-7)
    one, other = np.eye(4)[0], np.eye(4)[1]
    assert js_divergence(one, other) == pytest.approx(LOG2)
    q = _random_weights(5, 8, seed=1).numpy()
    js = js_divergence(p, q)
    assert np.all((js >= 0) & (js <= LOG2)) and np.allclose(js, js_divergence(q, p))
    assert js_per_head(torch.as_tensor(p)[None, None], torch.as_tensor(p)[None, None]).shape == (1, 1)
    with pytest.raises(ValueError, match="align"):
        js_per_head(np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 4)))


def test_pool_bounds_cells_and_keeps_peaks_or_mass():
    x = np.zeros((2, 130, 130), dtype=np.float32)
    x[:, np.arange(130), np.arange(130)] = 1.0
    pooled, f = pool(x, 64)
    assert f == 3 and pooled.shape == (2, 44, 44)
    assert np.allclose(np.diagonal(pooled, axis1=-2, axis2=-1), 1.0)  # diagonal stays bright
    mean, _ = pool(x, 64, "mean")
    assert mean[0, 0, 0] == pytest.approx(3 / 9)
    same, f1 = pool(x[:, :10, :10], 64)
    assert f1 == 1 and same.shape == (2, 10, 10)
    assert pool_labels(list("abcde"), 2) == ["a…b", "c…d", "e"]


def test_special_positions_from_tokens_or_meta():
    assert special_positions(["[CLS]", "the", "<b>", "[SEP]", "<|endoftext|>"]) == [0, 3, 4]
    assert special_positions(["a", "b"], {"special": [False, True]}) == [1]
