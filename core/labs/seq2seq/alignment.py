"""Cross-attention of the attending models on reference targets, and its agreement with the
grammar's true alignment."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.capture import capture
from core.labs.seq2seq.data import Batch, make_batch
from core.labs.seq2seq.grammar import Pair
from core.labs.seq2seq.train import agreement


@torch.no_grad()
def cross_attention(model: nn.Module, b: Batch) -> np.ndarray | None:
    """Teacher-forced cross-attention weights [batch, T, S] (row t: the step that outputs
    tgt_out[:, t]); None for the context-vector models. For the transformer: the mean over
    heads of the last decoder layer's `decoder.{i}.cross_attn.weights`."""
    if not model.attends:
        return None
    if model.kind != "transformer":
        return model(b.src, b.src_mask, b.tgt_in)[1].numpy()
    return transformer_heads(model, b)[:, -1].mean(1)


@torch.no_grad()
def transformer_heads(model: nn.Module, b: Batch) -> np.ndarray:
    """The transformer's cross-attention for every layer and head: [batch, layers, heads, T, S]."""
    net = model.model
    cap = capture(net, b.src, target_ids=b.tgt_in, attention_mask=b.src_mask.long(),
                  names=["decoder.*.cross_attn.weights"])
    return np.stack([cap[f"decoder.{i}.cross_attn.weights"].numpy() for i in range(net.cfg.n_layers)], 1)


def agreement_on(model: nn.Module, pairs: list[Pair] | tuple[Pair, ...], batch: int = 200) -> dict | None:
    """Alignment agreement on `pairs`: the share of target words whose cross-attention argmax
    is one of their true source words ({'agreement', 'words'}; the transformer adds
    'by_head': {'L{layer}H{head}': share}). None for the context-vector models."""
    if not model.attends:
        return None
    hit = total = 0
    heads: np.ndarray | None = None
    for i in range(0, len(pairs), batch):
        chunk = list(pairs[i:i + batch])
        b = make_batch(chunk)
        per_head = transformer_heads(model, b) if model.kind == "transformer" else None
        att = per_head[:, -1].mean(1) if per_head is not None else cross_attention(model, b)
        for j, p in enumerate(chunk):
            h, n = agreement(att[j], p)
            hit, total = hit + h, total + n
            if per_head is not None:
                counts = np.array([[agreement(per_head[j, li, hi], p)[0] for hi in range(per_head.shape[2])]
                                   for li in range(per_head.shape[1])])
                heads = counts if heads is None else heads + counts
    out = {"agreement": hit / total, "words": total}
    if heads is not None:
        out["by_head"] = {f"L{li}H{hi}": float(heads[li, hi] / total)
                          for li in range(heads.shape[0]) for hi in range(heads.shape[1])}
    return out


@torch.no_grad()
def sentence_attention(model: nn.Module, pair: Pair) -> np.ndarray | None:
    """Teacher-forced cross-attention on the reference target of one pair:
    [len(target), len(source)] (the <eos> row dropped); the transformer gives
    [layers, heads, len(target), len(source)]. None for the context-vector models."""
    if not model.attends:
        return None
    b = make_batch([pair])
    m = len(pair.target)
    if model.kind == "transformer":
        return transformer_heads(model, b)[0, :, :, :m]
    return cross_attention(model, b)[0, :m]
