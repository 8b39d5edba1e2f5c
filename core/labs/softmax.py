"""The softmax Jacobian, and Monte Carlo checks of why attention divides scores by sqrt(d_k).

softmax maps R^n -> R^n, so its derivative is an n x n matrix, not a gradient vector:

    s = softmax(z / T),   J[i, j] = d s_i / d z_j = (s_i (delta_ij - s_j)) / T,
    J = (diag(s) - s s^T) / T.

J is symmetric positive semidefinite, each row sums to 0 (shift invariance), trace J =
(1 - ||s||^2) / T and, with respect to the scaled logits z / T, its largest eigenvalue is at
most 1/2 (CONCEPTS.md section 2). The Monte Carlo helpers reproduce CONCEPTS.md section 1:
Var(q.k) = d_k for q, k ~ N(0, I), Var(q.k / sqrt(d_k)) = 1, and how unscaled scores saturate
the softmax (large max weight, tiny Jacobian).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from core.attention import checked_logits, softmax_jacobian

ArrayLike = torch.Tensor | np.ndarray | Sequence[float]


def softmax(logits: ArrayLike, temperature: float = 1.0) -> torch.Tensor:
    """s = softmax(logits / temperature) over the last axis: [..., n] -> [..., n]."""
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}")
    z = checked_logits(logits)
    return torch.softmax((z - z.amax(-1, keepdim=True)) / temperature, dim=-1)  # shifted: no overflow


def jacobian_spectral_norm(logits: ArrayLike, temperature: float = 1.0) -> torch.Tensor:
    """||J||_2 = the largest eigenvalue of the (symmetric PSD) Jacobian: [..., n] -> [...]."""
    return torch.linalg.eigvalsh(softmax_jacobian(logits, temperature))[..., -1]


def jacobian_norm_vs_scale(logits: ArrayLike, scales: ArrayLike) -> dict[str, np.ndarray]:
    """||J||_2 as the logits are multiplied by each scale (scale = 1 / temperature).

    Returns 'scale' [m]; 'wrt_scaled' [m], the norm of d s / d (scale * z) = diag(s) - s s^T,
    which never exceeds 1/2 (peaks near 1/2 when two options tie, collapses to 0 as s becomes
    one-hot); 'wrt_logits' [m], the norm of d s / d z = scale * (diag(s) - s s^T), what
    backprop sees for the raw logits; 'max_prob' [m].
    """
    z = checked_logits(logits).double()
    scales_t = torch.as_tensor(np.asarray(scales, dtype=np.float64))
    if not ((scales_t > 0) & torch.isfinite(scales_t)).all():
        raise ValueError("scales must be positive finite numbers")
    # Shifted by the max (softmax is shift-invariant), scale * z cannot overflow to +inf; a logit
    # far below the max may become -inf, which is exactly its probability 0.
    zz = scales_t[:, None] * (z - z.max())[None, :]
    s = torch.softmax(zz, -1)
    jac = torch.diag_embed(s) - s.unsqueeze(-1) * s.unsqueeze(-2)  # d s / d(scale * z), [m, n, n]
    norm = torch.linalg.eigvalsh(jac)[..., -1].numpy()
    return {"scale": scales_t.numpy(), "wrt_scaled": norm, "wrt_logits": norm * scales_t.numpy(),
            "max_prob": s.max(-1).values.numpy()}


def dot_product_variance(d_k: int, n_samples: int = 200_000, seed: int = 0) -> dict[str, float]:
    """Monte Carlo Var(q.k) and Var(q.k / sqrt(d_k)) for q, k ~ N(0, I_{d_k}) (AIAYN footnote 4).

    Exact values: d_k and 1. The relative standard error of a sample variance of this
    distribution is sqrt(2 + 6 / d_k) / sqrt(n_samples) (0.3 % at 200k samples), returned as
    'rel_se' (`variance_relative_se`).
    """
    if d_k < 1 or n_samples < 2:
        raise ValueError(f"need d_k >= 1 and n_samples >= 2, got {d_k}, {n_samples}")
    rng = np.random.default_rng(seed)
    dots = np.zeros(n_samples)
    for start in range(0, n_samples, 20_000):  # chunks keep memory small at large d_k
        m = min(20_000, n_samples - start)
        dots[start:start + m] = np.einsum("nd,nd->n", rng.standard_normal((m, d_k)),
                                          rng.standard_normal((m, d_k)))
    unscaled = float(dots.var())
    return {"d_k": float(d_k), "unscaled": unscaled, "scaled": unscaled / d_k,
            "mean_unscaled": float(dots.mean()), "rel_se": variance_relative_se(d_k, n_samples)}


def variance_relative_se(d_k: int, n_samples: int) -> float:
    """Relative standard error of the sample variance of q.k, q, k ~ N(0, I_{d_k}):
    sqrt((kurtosis - 1) / n) with kurtosis 3 + 6 / d_k, i.e. sqrt((2 + 6 / d_k) / n)."""
    return math.sqrt((2 + 6 / d_k) / n_samples)


def saturation_stats(d_k: int = 64, n_keys: int = 10, trials: int = 5000, seed: int = 0,
                     tiny: float = 1e-3) -> dict[str, dict[str, float]]:
    """CONCEPTS.md section 1 table by Monte Carlo: one query against n_keys random keys.

    q, k_j ~ N(0, I_{d_k}); scores q.k_j unscaled and scaled by 1/sqrt(d_k). For each
    returns 'mean_max_weight', 'median_jacobian_norm' (||J_softmax||_2) and
    'frac_tiny_jacobian' (share of trials with ||J|| < tiny). Reference (d_k=64, n=10, 5000
    trials): unscaled 0.865 / 0.074 / 16.4 %, scaled 0.321 / 0.254 / 0 %.
    """
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((trials, d_k))
    keys = rng.standard_normal((trials, n_keys, d_k))
    scores = torch.as_tensor(np.einsum("td,tnd->tn", q, keys))
    out = {}
    for name, scale in (("unscaled", 1.0), ("scaled", 1.0 / math.sqrt(d_k))):
        z = scores * scale
        norms = jacobian_spectral_norm(z).numpy()
        out[name] = {"mean_max_weight": float(torch.softmax(z, -1).max(-1).values.mean()),
                     "median_jacobian_norm": float(np.median(norms)),
                     "frac_tiny_jacobian": float((norms < tiny).mean())}
    return out
