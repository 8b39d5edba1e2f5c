"""Cross-attention of a pretrained encoder-decoder (BART, T5, Marian...) through the one capture.

The model comes from `core.load_model` (hub id or local folder); the target is given, or
generated greedily by the model itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.capture import model_lock
from core.hf.wrappers import Model

MAX_NEW_TOKENS = 40


@dataclass
class PretrainedView:
    """source / target: display tokens; weights [layers, heads, len(target), len(source)]
    (`decoder.{i}.cross_attn.weights`); target_text: the decoder text; generated: whether the
    model wrote it."""

    source: list[str]
    target: list[str]
    weights: np.ndarray
    target_text: str
    generated: bool


def generate(model: Model, text: str, max_new_tokens: int = MAX_NEW_TOKENS) -> str:
    """The model's own greedy output for `text` (special tokens dropped)."""
    inputs = model.tokenizer(text, return_tensors="pt", truncation=True, max_length=model.max_tokens)
    with model_lock(model.model), torch.no_grad():
        out = model.model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1)
    return model.tokenizer.decode(out[0], skip_special_tokens=True)


def pretrained_view(model: Model, text: str, target: str | None = None,
                    max_new_tokens: int = MAX_NEW_TOKENS) -> PretrainedView:
    """Capture `text` -> `target` (or the model's greedy output) and return the cross-attention.

    Raises ValueError for a model that is not an encoder-decoder, empty text, or an empty
    generated target (then a target must be typed)."""
    if model.arch != "encoder-decoder":
        raise ValueError(f"{model.name!r} is a {model.arch} model: cross-attention needs an encoder-decoder "
                         "(BART, T5, Marian, ...)")
    if not text or not text.strip():
        raise ValueError("type a source sentence")
    generated = not (target and target.strip())
    if generated:
        target = generate(model, text, max_new_tokens)
        if not target.strip():
            raise ValueError("the model generated an empty target: type one instead")
    cap = model.capture(text, target=target, names=["decoder.*.cross_attn.weights"])
    layers = [layer for _, layer, _ in cap.blocks("decoder", "cross_attn")]
    weights = np.stack([cap[f"decoder.{i}.cross_attn.weights"][0].numpy() for i in layers])
    return PretrainedView(list(cap.tokens), list(cap.target_tokens or []), weights, target, generated)
