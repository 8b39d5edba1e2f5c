"""The one attention function and the multi-head module, against torch's own."""

import math

import pytest
import torch

from core.attention import MultiHeadAttention, attention, broadcast_shape, causal_mask, masked_softmax


@pytest.fixture
def qkv():
    g = torch.Generator().manual_seed(0)
    return [torch.randn(2, 3, 5, 8, generator=g, dtype=torch.float64) for _ in range(3)]


def test_weights_are_softmax_of_scaled_scores_and_rows_sum_to_one(qkv):
    q, k, v = qkv
    r = attention(q, k, v)
    expected_scores = q @ k.transpose(-1, -2) / math.sqrt(8)
    torch.testing.assert_close(r.scores, expected_scores, rtol=0, atol=1e-12)
    torch.testing.assert_close(r.weights, torch.softmax(expected_scores, -1), rtol=0, atol=1e-12)
    torch.testing.assert_close(r.weights.sum(-1), torch.ones(2, 3, 5, dtype=torch.float64))
    torch.testing.assert_close(r.vectors, r.weights @ v)


def test_masked_cells_are_exactly_zero_and_scores_stay_finite(qkv):
    q, k, v = qkv
    mask = causal_mask(5)
    r = attention(q, k, v, mask=mask)
    assert torch.isfinite(r.scores).all()
    assert (r.weights[..., ~mask] == 0).all()
    assert torch.triu(r.weights, diagonal=1).abs().max() == 0
    masked = r.scores.masked_fill(~mask, float("-inf"))
    torch.testing.assert_close(r.weights, torch.softmax(masked, -1))


def test_output_equals_torch_scaled_dot_product_attention(qkv):
    q, k, v = qkv
    mask = torch.rand(5, 5, generator=torch.Generator().manual_seed(1)) > 0.3
    mask |= torch.eye(5, dtype=torch.bool)
    ours = attention(q, k, v, mask=mask).vectors
    ref = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-12)


def test_fully_masked_row_gives_zeros_not_nan_and_finite_gradients():
    scores = torch.randn(1, 1, 3, 4, requires_grad=True)
    mask = torch.ones(3, 4, dtype=torch.bool)
    mask[1] = False
    w = masked_softmax(scores, mask)
    assert (w[0, 0, 1] == 0).all() and torch.isfinite(w).all()
    w.sum().backward()
    assert torch.isfinite(scores.grad).all()


def test_softmax_is_shift_invariant_but_not_scale_invariant(qkv):
    q, k, _ = qkv
    s = q @ k.transpose(-1, -2)
    torch.testing.assert_close(masked_softmax(s + 3.0, None), masked_softmax(s, None))
    assert (masked_softmax(2 * s, None) - masked_softmax(s, None)).abs().max() > 1e-2


def test_vectors_lie_in_the_convex_hull_of_values(qkv):
    q, k, v = qkv
    z = attention(q, k, v).vectors
    assert (z <= v.max(dim=-2, keepdim=True).values + 1e-12).all()
    assert (z >= v.min(dim=-2, keepdim=True).values - 1e-12).all()


def test_multi_head_module_equals_torch_multihead_attention():
    torch.manual_seed(0)
    d, h = 16, 4
    ours = MultiHeadAttention(d, h)
    ref = torch.nn.MultiheadAttention(d, h, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([ours.w_q.weight, ours.w_k.weight, ours.w_v.weight]))
        ref.in_proj_bias.copy_(torch.cat([ours.w_q.bias, ours.w_k.bias, ours.w_v.bias]))
        ref.out_proj.weight.copy_(ours.w_o.weight)
        ref.out_proj.bias.copy_(ours.w_o.bias)
    x = torch.randn(2, 6, d)
    allowed = causal_mask(6)
    expected, expected_w = ref(x, x, x, attn_mask=~allowed, average_attn_weights=False)
    torch.testing.assert_close(ours(x, mask=allowed), expected, rtol=1e-5, atol=1e-6)
    from core.capture import Recorder, recording

    rec = Recorder(lambda n: True, grads=False)
    ours.set_name("t")
    with recording(ours, rec):
        ours(x, mask=allowed)
    torch.testing.assert_close(rec.tensors["t.weights"], expected_w, rtol=1e-5, atol=1e-6)


def test_variance_of_scaled_dot_product_is_one():
    g = torch.Generator().manual_seed(0)
    d_k = 64
    q, k = torch.randn(100_000, d_k, generator=g), torch.randn(100_000, d_k, generator=g)
    dots = (q * k).sum(-1)
    assert 60 < dots.var().item() < 68  # Var(q.k) = d_k
    assert 0.95 < (dots / math.sqrt(d_k)).var().item() < 1.05


@pytest.mark.parametrize("a, b", [((), (2, 1, 5, 5)), ((1, 1, 1, 5), (2, 1, 5, 5)),
                                  ((2, 4, 5, 5), (2, 1, 5, 5)), ((5, 5), (1, 1, 5, 5)), ((3, 1), (1, 4)),
                                  ((0,), (1,)), ((2, 3), (4, 3))])
def test_broadcast_shape_matches_torch(a, b):
    try:
        expected = tuple(torch.broadcast_shapes(a, b))
    except RuntimeError:
        with pytest.raises(RuntimeError, match="cannot be broadcast"):
            broadcast_shape(a, b)
    else:
        assert broadcast_shape(a, b) == expected


def test_all_allowed_mask_gives_the_unmasked_softmax_bit_for_bit():
    scores = torch.randn(2, 3, 6, 6, generator=torch.Generator().manual_seed(0))
    allowed = torch.ones(1, 1, 1, 6, dtype=torch.bool)
    assert torch.equal(masked_softmax(scores, allowed), torch.softmax(scores, dim=-1))
    one_masked = allowed.clone()
    one_masked[..., 2] = False
    w = masked_softmax(scores, one_masked)
    assert torch.all(w[..., 2] == 0) and torch.allclose(w.sum(-1), torch.ones(2, 3, 6))
