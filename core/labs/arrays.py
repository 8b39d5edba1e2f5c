"""The small array helpers the labs and the figures share: one converter each way between torch
and numpy, cosine similarity and row entropy."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def as_numpy(x: Any, dtype: Any = np.float32) -> np.ndarray:
    """A torch tensor or array-like as a numpy array of `dtype` (no copy when already so)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=dtype)


def as_tensor(x: Any) -> torch.Tensor:
    """A float32 CPU tensor view of a tensor or array (heavy reductions run in torch: threaded)."""
    if isinstance(x, torch.Tensor):
        return x.detach().to("cpu", torch.float32)
    return torch.as_tensor(np.asarray(x, dtype=np.float32))


def cosine_similarity(a: Any, b: Any = None) -> np.ndarray:
    """Cosine similarity of every row of a [n, d] with every row of b [m, d] (default a):
    [n, m] float64. NaN where a row is all zeros (no direction to compare)."""
    a = as_numpy(a, np.float64)
    b = a if b is None else as_numpy(b, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a @ b.T) / np.outer(np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1))


def row_entropy_tensor(w: torch.Tensor) -> torch.Tensor:
    """Entropy (nats) of each row of probabilities: [..., n] -> [...] (0 log 0 = 0)."""
    return -(w * torch.log(w.clamp_min(1e-30))).sum(-1)
