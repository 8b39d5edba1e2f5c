"""What reaches the decoder: first-step gradients by source position, and context vectors.

- `first_step_gradient`: the norm of d(loss of the first output word) / d(source word
  embedding) at every source position. Without attention the only path from word j to the
  first output runs through the encoder's remaining n - j recurrent steps; with attention
  there is a one-hop path weighted by alpha_j.
- `context_vectors`: the single vector a context-vector decoder starts from, for many
  sentences, and a 2-D PCA projection of them.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.capture import capture
from core.labs.seq2seq.data import make_batch
from core.labs.seq2seq.grammar import Pair, sample

PROBE_SEED = 777


def probe_sentences(n_words: int, n: int = 40, seed: int = PROBE_SEED) -> list[Pair]:
    """`n` seeded grammar sentences of exactly `n_words` words."""
    return sample(n, seed=seed + n_words, min_words=n_words, max_words=n_words)


def first_step_gradient(model: nn.Module, pairs: list[Pair]) -> np.ndarray:
    """[len(pairs), n_words] gradient norms of the first output word's cross-entropy with
    respect to each source word's embedding (every pair must have the same length).

    GRU models: the embedding lookup output. Transformer: the capture's `embed` gradient
    (scaled token embeddings) with objective = the next-token loss of target [<bos>, y_1]."""
    lengths = {len(p.source) for p in pairs}
    if len(lengths) != 1:
        raise ValueError(f"pairs must share one source length, got {sorted(lengths)}")
    b = make_batch(pairs)
    if model.kind == "transformer":
        rows = []
        for i in range(len(pairs)):
            cap = capture(model.model, b.src[i:i + 1], target_ids=b.tgt_in[i:i + 1, :2], grads=True,
                          names=["embed"])
            rows.append(cap.grads["embed"][0].norm(dim=-1).numpy())
        return np.stack(rows)
    with torch.enable_grad():
        emb = model.src_embed(b.src).detach().requires_grad_(True)
        logits, _ = model(b.src, b.src_mask, b.tgt_in[:, :1], src_emb=emb)
        loss = nn.functional.cross_entropy(logits[:, 0], b.tgt_out[:, 0], reduction="sum")
        (grad,) = torch.autograd.grad(loss, emb)
    return grad.norm(dim=-1).numpy()


def gradient_profile(model: nn.Module, n_words: int, n: int = 40) -> np.ndarray:
    """The mean over `n` probe sentences of first_step_gradient: [n_words]."""
    return first_step_gradient(model, probe_sentences(n_words, n)).mean(0)


@torch.no_grad()
def context_vectors(model: nn.Module, pairs: list[Pair]) -> np.ndarray:
    """The context vector of each pair's source, [len(pairs), hidden] (GRU models only).
    bicontext: [forward final state | backward final state]."""
    if model.kind == "transformer":
        raise ValueError("the transformer has no single context vector: its decoder reads every "
                         "encoder state through cross-attention")
    b = make_batch(pairs)
    return model.encode(b.src, b.src_mask)[1].numpy()


def pca_2d(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project rows of x [n, d] on their first two principal components: ([n, 2], the share
    of variance each explains [2])."""
    centred = x - x.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    var = s ** 2
    return centred @ vt[:2].T, var[:2] / var.sum()


def subject_of(pair: Pair) -> str:
    """The first noun of the sentence (its subject)."""
    from core.labs.seq2seq.grammar import NOUNS

    return next(w for w in pair.source if w in NOUNS)
