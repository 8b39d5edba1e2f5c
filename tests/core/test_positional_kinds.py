"""Properties of the positional kinds in core.positional (issue 2), checked against CONCEPTS.md."""

import math

import pytest
import torch

from core.config import TransformerConfig
from core.model import Transformer
from core.positional import alibi_bias, alibi_slopes, apply_rope, positional_encoding, sinusoidal


def test_sinusoidal_equals_the_formula():
    pe = sinusoidal(50, 16)
    for p in (0, 7, 49):
        for i in range(8):
            w = 10000 ** (-2 * i / 16)
            assert pe[p, 2 * i].item() == pytest.approx(math.sin(p * w), abs=1e-12)
            assert pe[p, 2 * i + 1].item() == pytest.approx(math.cos(p * w), abs=1e-12)
    assert torch.equal(positional_encoding("sinusoidal", 50, 16), pe)


def test_sinusoidal_norm_and_offset_only_dot_product():
    pe = sinusoidal(1100, 512)
    assert torch.allclose(pe.norm(dim=1), torch.full((1100,), math.sqrt(256), dtype=torch.float64))
    dots = [float(pe[p] @ pe[p + 12]) for p in (7, 107, 1007)]
    assert dots[0] == pytest.approx(169.4465, abs=1e-4)
    assert max(dots) - min(dots) < 1e-9
    assert float(pe[50] @ pe[53]) == pytest.approx(float(pe[50] @ pe[47]), abs=1e-9)
    assert float(pe[50] @ pe[53]) == pytest.approx(211.749, abs=1e-3)


def test_sinusoidal_adjacent_distance():
    pe = sinusoidal(1000, 512)
    d = (pe[1:] - pe[:-1]).norm(dim=1)
    assert torch.allclose(d, torch.full_like(d, 3.714270), atol=1e-6)
    closed = math.sqrt(sum(4 * math.sin(10000 ** (-2 * i / 512) / 2) ** 2 for i in range(256)))
    assert closed == pytest.approx(3.714270, abs=1e-6)


def test_rotation_moves_every_position():
    pe, k = sinusoidal(1005, 64), 5
    w = 10000 ** (-torch.arange(0, 64, 2, dtype=torch.float64) / 64)
    t = torch.zeros(64, 64, dtype=torch.float64)
    for i, wi in enumerate(w):
        c, s = math.cos(wi * k), math.sin(wi * k)
        t[2 * i:2 * i + 2, 2 * i:2 * i + 2] = torch.tensor([[c, s], [-s, c]], dtype=torch.float64)
    assert (pe[:1000] @ t.T - pe[k:1000 + k]).abs().max() < 1e-9  # row vectors: x T^T


def test_learned_raises_past_max_len():
    cfg = TransformerConfig(arch="encoder", vocab_size=10, d_model=8, n_heads=2, n_layers=1, d_ff=8,
                            max_len=4, positional="learned")
    model = Transformer(cfg)
    with pytest.raises(ValueError, match="cannot extrapolate|max_len"):
        model.embed.learned(5)


def test_rope_score_depends_only_on_offset():
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(1, 1, 1, 16, generator=gen, dtype=torch.float64).expand(1, 1, 120, 16)
    k = torch.randn(1, 1, 1, 16, generator=gen, dtype=torch.float64).expand(1, 1, 120, 16)
    rq, rk = apply_rope(q)[0, 0], apply_rope(k)[0, 0]
    assert float(rq[3] @ rk[10]) == pytest.approx(float(rq[103] @ rk[110]), abs=1e-9)
    assert torch.allclose(rq.norm(dim=1), q[0, 0].norm(dim=1))


def test_alibi_slopes():
    expected = torch.tensor([2.0 ** -i for i in range(1, 9)], dtype=torch.float64)
    assert torch.allclose(alibi_slopes(8), expected)
    twelve = alibi_slopes(12)
    assert torch.allclose(twelve[:8], alibi_slopes(8))
    assert torch.allclose(twelve[8:], torch.tensor([0.7071, 0.3536, 0.1768, 0.0884], dtype=torch.float64),
                          atol=1e-4)
    assert torch.allclose(alibi_slopes(16), torch.tensor([2 ** (-0.5 * k) for k in range(1, 17)],
                                                         dtype=torch.float64))


def test_alibi_consecutive_weight_ratio_is_e_to_the_m():
    bias = alibi_bias(2, 6, 6, causal=True)[0]
    m = float(alibi_slopes(2)[0])  # 2^-4
    weights = torch.softmax(bias[5], dim=0)  # equal content scores: bias only
    assert float(weights[5] / weights[4]) == pytest.approx(math.exp(m), rel=1e-12)
    m8 = alibi_slopes(8)[0].item()
    w8 = torch.softmax(alibi_bias(8, 4, 4, causal=True)[0, 3], dim=0)
    assert float(w8[3] / w8[2]) == pytest.approx(1.6487, abs=1e-4) and m8 == 0.5
