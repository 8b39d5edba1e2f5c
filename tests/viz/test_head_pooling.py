"""One head at 1024 tokens is pooled for display (issue 15): small JSON, says so, keeps the mass.

A real capture of a from-scratch causal decoder (1024 tokens, no weights needed)."""

import json

import numpy as np
import pytest
import torch
from test_attention_viz import array  # tests/viz is on sys.path (pytest prepend import mode)

from core import Transformer, TransformerConfig, capture
from viz.attention import head_data, head_view, temperature_whatif
from viz.head_pooling import pool_head, range_labels
from viz.theme import token_label


def _capture(n: int):
    torch.manual_seed(0)
    model = Transformer(TransformerConfig(arch="decoder", vocab_size=60, d_model=32, n_heads=2, n_layers=1,
                                          d_ff=64, max_len=1024))
    ids = torch.randint(0, 60, (1, n), generator=torch.Generator().manual_seed(1))
    return capture(model, ids, tokens=[f"w{i % 60}" for i in ids[0].tolist()])


@pytest.fixture(scope="module")
def long_head():
    return head_data(_capture(1024), 0, 1)


@pytest.fixture(scope="module")
def long_spec(long_head):
    fig = head_view(long_head)
    return fig, fig.to_json()


def trace(spec: dict, name: str) -> dict:
    return next(t for t in spec["data"] if t.get("name") == name)


def test_a_1024_token_head_is_pooled_4x4_under_2_mb_and_says_so(long_head, long_spec):
    fig, text = long_spec
    spec = json.loads(text)
    assert len(text) < 2_000_000  # was 29 MB unpooled (scores, weights and their mask layers)
    assert "pooled 4×4: hover shows token ranges" in fig.layout.title.text
    for name in ("scores", "weights"):
        assert array(trace(spec, name)["z"]).shape == (256, 256)
    assert array(trace(spec, "V")["z"]).shape == (256, 16)
    weights = trace(spec, "weights")
    tokens = long_head.q_tokens
    assert weights["y"][1] == f"4–7 ‘{tokens[4]}’…‘{tokens[7]}’"  # rows are token ranges
    assert "query %{y} → key %{x}" in weights["hovertemplate"]
    assert fig.layout.xaxis.type == "category" and len(fig.layout.xaxis.tickvals) <= 24


def test_pooled_weights_sum_the_key_block_and_average_the_query_block(long_head, long_spec):
    """P[I, J] = mean over the block's queries of the sum over its keys: every row sums to 1."""
    spec = json.loads(long_spec[1])
    pooled = array(trace(spec, "weights")["z"]).astype(np.float64)
    assert np.isnan(pooled[0, 1])  # keys 4..7 are all in the future of queries 0..3: masked
    np.testing.assert_allclose(np.nansum(pooled, axis=1), 1.0, atol=1e-5)
    a = long_head.weights.astype(np.float64)
    i, j = 10, 3  # queries 40..43, keys 12..15, by hand
    by_hand = sum(a[q, 12:16].sum() for q in range(40, 44)) / 4
    assert pooled[i, j] == pytest.approx(by_hand, rel=1e-5)
    assert 0 < by_hand < 1


def test_pooled_scores_average_only_the_allowed_cells(long_head, long_spec):
    spec = json.loads(long_spec[1])
    scores = array(trace(spec, "scores")["z"]).astype(np.float64)
    s = long_head.scores.astype(np.float64)
    diagonal = [s[q, k] for q in range(8, 12) for k in range(8, 12) if k <= q]  # 10 of 16 allowed
    assert scores[2, 2] == pytest.approx(np.mean(diagonal), rel=1e-5)
    assert np.isnan(scores[2, 3])


def test_an_uneven_length_keeps_rows_summing_to_one_and_names_the_last_block():
    n = 1023  # last block holds 3 tokens
    rng = np.random.default_rng(0)
    mask = np.tril(np.ones((n, n), bool))
    e = np.where(mask, np.exp(rng.normal(size=(n, n))), 0.0)
    weights = e / e.sum(-1, keepdims=True)
    tokens = [f"t{i}" for i in range(n)]
    v = rng.normal(size=(n, 8))
    p = pool_head(np.log(e + 1e-30), weights, mask, v, weights @ v, tokens, tokens)
    assert p.factor == 4 and p.weights.shape == (256, 256)
    np.testing.assert_allclose(p.weights.sum(1), 1.0, atol=1e-9)
    assert p.q_labels[-1] == "1020–1022 ‘t1020’…‘t1022’"
    np.testing.assert_allclose(p.v[-1], v[1020:].mean(0))


def test_short_inputs_are_not_pooled():
    fig = head_view(head_data(_capture(100), 0, 0))
    assert "pooled" not in fig.layout.title.text
    assert fig.data[1].z.shape == (100, 100) and fig.data[1].x is None


def test_range_labels_escape_html_tokens():
    assert range_labels(["<b>", "x", "y"], 2) == [f"0–1 ‘{token_label('<b>')}’…‘x’", "2 ‘y’"]


def test_the_temperature_what_if_is_pooled_the_same_way(long_head):
    fig = temperature_whatif(long_head, 2.0)
    text = fig.to_json()
    assert len(text) < 1_500_000 and "pooled 4×4" in fig.layout.title.text
    model, what_if = (array(t["z"]).astype(np.float64) for t in json.loads(text)["data"])
    assert model.shape == what_if.shape == (256, 256)
    np.testing.assert_allclose(np.nansum(what_if, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(model, json_weights(long_head), atol=1e-6)


def json_weights(head) -> np.ndarray:
    spec = json.loads(head_view(head).to_json())
    return array(trace(spec, "weights")["z"]).astype(np.float64)
