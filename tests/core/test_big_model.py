"""Models bigger than one device: accelerate's big-model inference behind the same capture.

On this CPU machine a tiny Llama saved with save_pretrained is forced across CPU and disk by
max_memory; its capture must equal the unsplit model's, and no hook may stay behind.
"""

from __future__ import annotations

import pytest
import torch

from core.hf.attention import leftover_hooks
from core.hf.placement import Placement, as_dtype, input_device
from core.load import load_model

TEXT = "The cat sat on the mat, and the dog barked."


@pytest.fixture(scope="module")
def llama_folder(tiny_models, tmp_path_factory):
    model, tokenizer = tiny_models("llama")
    folder = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(folder)  # safetensors
    tokenizer.save_pretrained(folder)
    return folder


def test_split_across_cpu_and_disk_captures_the_same_tensors(llama_folder, tmp_path):
    whole = load_model(str(llama_folder))
    split = load_model(str(llama_folder), device_map="auto", max_memory={"cpu": "110KB"},
                       offload_folder=tmp_path / "offload")
    placed = set(split.model.hf_device_map.values())
    assert "disk" in placed and "cpu" in placed, split.model.hf_device_map  # really split
    assert split.info["device"] == "split" and split.info["device_map"]
    hooks_before = leftover_hooks(split.model)
    a, b = whole.capture(TEXT), split.capture(TEXT)
    assert leftover_hooks(split.model) == hooks_before  # no capture hook left behind
    assert set(a) == set(b) and len(a) == 1 + 2 * 9  # embed; 2 layers x (8 quantities + resid_post)
    for name in a:
        assert b[name].device.type == "cpu" and b[name].dtype == a[name].dtype
        assert torch.allclose(a[name].float(), b[name].float(), atol=1e-5, rtol=0), name
    # gradients flow through the split model too (the objective moves its ids to the logits)
    ga = whole.capture(TEXT, grads=True, names="*.weights")
    gb = split.capture(TEXT, grads=True, names="*.weights")
    assert ga.meta["objective"] == gb.meta["objective"]
    for name in ga.grads:
        assert torch.allclose(ga.grads[name], gb.grads[name], atol=1e-5, rtol=0), name
    assert leftover_hooks(split.model) == hooks_before


def test_half_precision_weights_stay_half_and_captures_are_float32(llama_folder):
    half = load_model(str(llama_folder), dtype="bfloat16")
    assert next(half.model.parameters()).dtype == torch.bfloat16 and half.info["dtype"] == "bfloat16"
    cap = half.capture(TEXT, names="*.weights")
    full = load_model(str(llama_folder)).capture(TEXT, names="*.weights")
    for name in cap:
        assert cap[name].dtype == torch.float32
        assert torch.allclose(cap[name].sum(-1), torch.ones(1), atol=1e-2)  # rows still sum to 1
        assert (cap[name] - full[name]).abs().max() < 0.05  # bfloat16 keeps ~3 digits


def test_device_and_placement_arguments_are_checked(llama_folder):
    m = load_model(str(llama_folder), device="cpu")
    assert m.info["device"] == "cpu" and input_device(m.model).type == "cpu"
    assert load_model(str(llama_folder), device="auto").info["device"] == Placement(device="auto").target
    with pytest.raises(ValueError, match="not both"):
        load_model(str(llama_folder), device="cpu", device_map="auto")
    with pytest.raises(ValueError, match="need device_map"):
        load_model(str(llama_folder), max_memory={"cpu": "1GB"})
    with pytest.raises(ValueError, match="dtype"):
        as_dtype("float8")
    assert as_dtype(None) is torch.float32 and as_dtype("fp16") is torch.float16
