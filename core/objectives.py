"""The scalar objectives whose gradients a capture records (`grads=True`), with their wording.

One place for every model kind, so `meta["objective"]` means the same thing everywhere.
"""

from __future__ import annotations

import torch
from torch import nn

NEXT_TOKEN_INPUT = "mean next-token cross-entropy over the input"
NEXT_TOKEN_TARGET = "mean next-token cross-entropy over the target"
REPREDICT = "mean cross-entropy of re-predicting each input token (masked-LM head, nothing masked)"
POOLED_NORM = ("half the squared L2 norm of the mean-pooled last hidden state over real tokens "
               "(the unnormalised sentence embedding): how much each tensor drives the embedding")


def next_token_loss(logits: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of predicting ids[:, 1:] from logits[:, :-1]. logits [batch, pos, vocab]."""
    if ids.shape[1] < 2:
        raise ValueError("grads=True on a language model needs at least 2 tokens (the objective "
                         "is the next-token loss): type a longer text")
    return nn.functional.cross_entropy(logits[:, :-1].flatten(0, 1).float(), ids[:, 1:].flatten())


def repredict_loss(logits: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of re-predicting every input token. logits [batch, pos, vocab]."""
    return nn.functional.cross_entropy(logits.flatten(0, 1).float(), ids.flatten())


def pooled_norm(hidden: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
    """0.5 * ||mean over real tokens of hidden||^2, averaged over the batch. hidden [batch, pos, d]."""
    if attention_mask is None:
        pooled = hidden.mean(dim=1)
    else:
        m = attention_mask.to(hidden.dtype)[..., None]
        pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1)
    return 0.5 * pooled.pow(2).sum(-1).mean()


def capture_objective(arch: str, logits: torch.Tensor | None, hidden: torch.Tensor,
                      input_ids: torch.Tensor, target_ids: torch.Tensor | None = None,
                      attention_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, str]:
    """The objective of one recorded forward pass, and its description; the same rule for our
    core.Transformer and for Hugging Face models.

    logits [batch, pos, vocab] from a language-model head, or None (a bare model);
    hidden [batch, pos, d_model] the last stack's output; attention_mask [batch, pos] of the input.
    decoder: next-token loss over the input; encoder-decoder: next-token loss over the target;
    encoder with a head: re-predict each input token; any model without a head: pooled norm
    (over real input tokens; over every target position for an encoder-decoder, whose hidden
    states are the decoder's)."""
    if logits is None:
        return pooled_norm(hidden, None if arch == "encoder-decoder" else attention_mask), POOLED_NORM
    if arch == "decoder":
        return next_token_loss(logits, input_ids), NEXT_TOKEN_INPUT
    if arch == "encoder-decoder":
        return next_token_loss(logits, target_ids), NEXT_TOKEN_TARGET
    return repredict_loss(logits, input_ids), REPREDICT
