"""The README's public API: the names it imports exist at the top of `core`."""

import torch

import core


def test_readme_names_are_importable_from_core():
    from core import Transformer, TransformerConfig, capture, load_model, softmax_jacobian  # noqa: F401

    public = {"load_model", "Transformer", "TransformerConfig", "capture", "softmax_jacobian"}
    assert public <= set(core.__all__)


def test_softmax_jacobian_from_core_matches_its_definition():
    z = torch.tensor([2.0, 1.0, 0.1], dtype=torch.float64)
    s = torch.softmax(z, -1)
    j = core.softmax_jacobian(z)
    assert torch.allclose(j, torch.diag(s) - torch.outer(s, s), atol=1e-15)
    assert torch.allclose(j.sum(-1), torch.zeros(3, dtype=torch.float64), atol=1e-15)
    # temperature T divides both the logits and the result: J_T = (diag(s_T) - s_T s_Tᵀ) / T
    s2 = torch.softmax(z / 2, -1)
    assert torch.allclose(core.softmax_jacobian(z, 2.0), (torch.diag(s2) - torch.outer(s2, s2)) / 2)
