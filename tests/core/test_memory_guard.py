"""The memory guard: a capture's size is known before the model runs, and it is right.

Estimates are checked against Capture.nbytes measured on real (tiny, built-from-config)
models of every architecture and on the packaged MiniLM; past a limit nothing runs.
"""

from __future__ import annotations

import pytest

from core.capture import CaptureTooLarge, estimate_nbytes
from core.load import load_model

TEXT = "The dog ate the cat because it was hungry"


@pytest.mark.parametrize("kind", ["bert", "gpt2", "llama", "bart", "t5"])
def test_estimate_matches_measured_size(tiny_models, kind):
    model = load_model(tiny_models(kind))
    cap = model.capture(TEXT)
    n = len(cap.tokens)
    n_target = None if cap.target_tokens is None else len(cap.target_tokens)
    weights_only = model.capture(TEXT, names="*.weights")
    # the tokens² terms (weights) are exact; everything together is exact too for HF models
    assert model.estimate_nbytes(n, "*.weights", n_target) == weights_only.nbytes
    assert model.estimate_nbytes(n, None, n_target) == cap.nbytes
    assert cap.meta["estimated_bytes"] == cap.nbytes


def test_estimate_for_the_from_scratch_core_is_a_tight_upper_bound(minilm_scratch):
    cap = minilm_scratch.capture(TEXT)
    n = len(cap.tokens)
    estimate = minilm_scratch.estimate_nbytes(n)
    # its encoder mask is one padding row per layer [1, 1, 1, T]; the estimate counts T x T bools
    assert cap.nbytes <= estimate <= cap.nbytes + 6 * n * n
    weights = minilm_scratch.capture(TEXT, names="*.weights")
    assert minilm_scratch.estimate_nbytes(n, "*.weights") == weights.nbytes


def test_estimate_formula_by_hand():
    # MiniLM at 128 tokens, weights only: 6 layers x 12 heads x 128^2 x 4 bytes = 4,718,592
    names = [f"encoder.{i}.self_attn.weights" for i in range(6)]
    assert estimate_nbytes(names, 128, n_heads=12, d_head=32, d_model=384) == 6 * 12 * 128 * 128 * 4
    # SmolLM2 at 1024 tokens, weights only: 30 x 9 x 1024^2 x 4 = 1.13 GB (measured 1,132,462,080)
    names = [f"decoder.{i}.self_attn.weights" for i in range(30)]
    assert estimate_nbytes(names, 1024, n_heads=9, d_head=64, d_model=576) == 1_132_462_080


def test_guard_refuses_before_running_and_names_shrink_the_capture(minilm):
    n = len(minilm.capture(TEXT, names="embed").tokens)
    full = minilm.estimate_nbytes(n)
    with pytest.raises(CaptureTooLarge) as info:
        minilm.capture(TEXT, max_bytes=full - 1)
    assert isinstance(info.value, ValueError) and info.value.estimated == full
    assert "MB" in str(info.value)
    small = minilm.capture(TEXT, names="*.weights", max_bytes=full - 1)
    assert set(small) == {f"encoder.{i}.self_attn.weights" for i in range(6)}
    assert small.nbytes == small.meta["estimated_bytes"] < full
    assert small.meta["names"] == ["*.weights"]


def test_gradients_double_the_estimate(minilm):
    n = len(minilm.capture(TEXT, names="embed").tokens)
    cap = minilm.capture(TEXT, names="*.weights", grads=True)
    grads = sum(g.numel() * g.element_size() for g in cap.grads.values())
    assert cap.meta["estimated_bytes"] == cap.nbytes + grads == 2 * minilm.estimate_nbytes(n, "*.weights")
