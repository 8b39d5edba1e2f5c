"""Softmax Jacobian and the sqrt(d_k) Monte Carlo: oracles from CONCEPTS.md sections 1 and 2."""

import numpy as np
import pytest
import torch

from core.labs import softmax as sm


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jacobian_matches_autograd(seed, temperature):
    z = torch.randn(7, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2
    reference = torch.autograd.functional.jacobian(lambda x: torch.softmax(x / temperature, -1), z)
    torch.testing.assert_close(sm.softmax_jacobian(z, temperature), reference, rtol=0, atol=1e-6)
    assert (sm.softmax_jacobian(z, temperature) - reference).abs().max() < 1e-12


def test_jacobian_properties_over_many_random_softmaxes():
    z = torch.randn(2000, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 3
    jac = sm.softmax_jacobian(z)
    s = torch.softmax(z, -1)
    torch.testing.assert_close(jac, jac.transpose(-1, -2), rtol=0, atol=0)
    assert jac.sum(-1).abs().max() < 1e-12
    eig = torch.linalg.eigvalsh(jac)
    assert eig.min() > -1e-12 and eig.max() <= 0.5 + 1e-12
    torch.testing.assert_close(torch.diagonal(jac, dim1=-2, dim2=-1).sum(-1), 1 - (s * s).sum(-1))


def test_known_values():
    eig = torch.linalg.eigvalsh(sm.softmax_jacobian(np.zeros(8)))
    np.testing.assert_allclose(eig.numpy(), [0] + [0.125] * 7, atol=1e-12)
    assert sm.jacobian_spectral_norm([0.0, 0.0]).item() == pytest.approx(0.5, abs=1e-12)
    saturated = sm.softmax_jacobian([10.0, 0.0, 0.0, 0.0])
    assert saturated.abs().max().item() == pytest.approx(1.4e-4, rel=0.05)
    assert sm.softmax_jacobian([1, 2, 3]).dtype == torch.float64  # lists become float64
    with pytest.raises(ValueError, match="temperature"):
        sm.softmax_jacobian([1.0, 2.0], temperature=0)


def test_norm_vs_scale_peaks_below_half_and_collapses():
    scales = np.geomspace(0.01, 100, 200)
    r = sm.jacobian_norm_vs_scale([3.0, 2.5, 0.0, -1.0], scales)
    assert r["wrt_scaled"].max() <= 0.5 + 1e-12 and r["wrt_scaled"].max() > 0.45
    assert r["wrt_scaled"][-1] < 1e-3 and r["max_prob"][-1] > 0.999
    np.testing.assert_allclose(r["wrt_logits"], r["wrt_scaled"] * scales)


@pytest.mark.parametrize(("d_k", "n", "band"), [(64, 200_000, 0.03), (512, 50_000, 0.05)])
def test_dot_product_variance(d_k, n, band):
    v = sm.dot_product_variance(d_k, n_samples=n, seed=0)
    # relative standard error of a sample variance ~sqrt(2/n): 0.32 % and 0.63 %, so the bands are
    # 8-9 standard errors wide, and the seed is fixed
    assert v["unscaled"] == pytest.approx(d_k, rel=band)
    assert 1 - band < v["scaled"] < 1 + band
    assert v["scaled"] == pytest.approx(v["unscaled"] / d_k)


def test_saturation_table_is_reproduced():
    r = sm.saturation_stats(d_k=64, n_keys=10, trials=5000, seed=0)
    assert r["unscaled"]["mean_max_weight"] == pytest.approx(0.865, abs=0.02)
    assert r["unscaled"]["median_jacobian_norm"] == pytest.approx(0.074, abs=0.01)
    assert r["unscaled"]["frac_tiny_jacobian"] == pytest.approx(0.164, abs=0.02)
    assert r["scaled"]["mean_max_weight"] == pytest.approx(0.321, abs=0.02)
    assert r["scaled"]["median_jacobian_norm"] == pytest.approx(0.254, abs=0.01)
    assert r["scaled"]["frac_tiny_jacobian"] == 0.0


def test_non_finite_logits_are_refused_with_a_clear_message():
    for bad in ([1.0, float("nan")], [float("inf"), 0.0]):
        with pytest.raises(ValueError, match="finite"):
            sm.softmax_jacobian(bad)


def test_huge_finite_logits_do_not_overflow():
    """Issue 11: z / T and scale * z overflowed to inf (1e308 / 0.1) and the page crashed;
    softmax is shift-invariant, so shifting by the max first gives the exact one-hot answer."""
    for temperature in (1.0, 0.1):
        s = sm.softmax([1e308, -1e308], temperature)
        assert s.tolist() == [1.0, 0.0]
        jac = sm.softmax_jacobian([1e308, -1e308, 1e308], temperature)
        expected = np.array([[1, 0, -1], [0, 0, 0], [-1, 0, 1]]) / 4 / temperature
        np.testing.assert_allclose(jac.numpy(), expected)
    r = sm.jacobian_norm_vs_scale([1e308, -1e308], np.geomspace(0.05, 20, 5))
    assert np.isfinite(r["wrt_scaled"]).all() and np.abs(r["wrt_scaled"]).max() < 1e-300
    assert r["max_prob"].tolist() == [1.0] * 5
