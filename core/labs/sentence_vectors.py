"""Sentence embeddings with the packaged all-MiniLM-L6-v2, used as the sentence-embedding model it is:
mean of the last hidden states over real (non-padding) tokens, L2-normalised (offline)."""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np
import torch

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _encoder():
    from transformers import AutoModel, AutoTokenizer

    from core.hf.serial import pretrained
    from core.hf.sources import minilm_path

    path = minilm_path()
    model = pretrained(AutoModel, path, attn_implementation="eager").eval()
    return AutoTokenizer.from_pretrained(path), model


def embed(texts: list[str], batch_size: int = 32) -> np.ndarray:
    """Unit vectors [len(texts), 384] (float32); cosine similarity is their dot product."""
    tokenizer, model = _encoder()
    out = []
    with _LOCK, torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            enc = tokenizer(
                texts[start : start + batch_size],
                padding=True,
                truncation=True,
                max_length=256,
                return_tensors="pt",
            )
            hidden = model(**enc).last_hidden_state  # [batch, pos, 384]
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # [batch, pos, 1]
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            out.append(torch.nn.functional.normalize(mean, dim=-1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 384), np.float32)
