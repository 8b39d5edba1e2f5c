"""The one eager attention computation, and the multi-head module that taps it."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import nn

from core.hooks import HookPoint, name_hook_points
from core.positional import apply_rope


class AttentionResult(NamedTuple):
    """Everything one attention call computes, per head.

    scores  [batch, heads, q_pos, k_pos]: q.k^T * scale + bias, before masking, finite
    mask    broadcastable to scores, bool: True where attention is allowed
    weights [batch, heads, q_pos, k_pos]: masked softmax of scores (rows sum to 1;
            disallowed cells exactly 0; a row with nothing allowed is all 0, never NaN)
    vectors [batch, heads, q_pos, d_head]: weights @ v
    """

    scores: torch.Tensor
    mask: torch.Tensor | None
    weights: torch.Tensor
    vectors: torch.Tensor


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Softmax over the last axis with disallowed entries at -inf.

    Masked cells come out exactly 0. A fully masked row gives zeros (not NaN), and so do its
    gradients: the row is softmaxed as all-zero logits, then multiplied by 0.
    """
    if mask is None or bool(mask.all()):  # nothing masked (an encoder without padding): no fill
        return torch.softmax(scores, dim=-1)
    logits = scores.masked_fill(~mask, float("-inf"))
    any_allowed = mask.any(dim=-1, keepdim=True)
    if bool(any_allowed.all()):  # the common case: no empty row, no extra full-size temporaries
        return torch.softmax(logits, dim=-1)
    any_allowed = any_allowed.expand(*scores.shape[:-1], 1)
    return torch.softmax(logits.masked_fill(~any_allowed, 0.0), dim=-1) * any_allowed


def checked_logits(logits) -> torch.Tensor:
    """Logits as a float tensor [..., n] (lists and arrays become float64; a float tensor keeps
    its dtype), or a ValueError for an empty shape or non-finite values."""
    z = logits if isinstance(logits, torch.Tensor) else torch.as_tensor(logits, dtype=torch.float64)
    if not z.is_floating_point():
        z = z.double()
    if z.dim() == 0 or z.shape[-1] == 0:
        raise ValueError(f"logits must have shape [..., n] with n >= 1, got {tuple(z.shape)}")
    if not torch.isfinite(z).all():
        raise ValueError("logits must be finite numbers (no nan or inf)")
    return z


def softmax_jacobian(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """J = d softmax(logits / T) / d logits = (diag(s) - s s^T) / T: the derivative attention's
    softmax passes back to the scores.

    logits [n] (or [..., n] for a batch) -> J [n, n] (or [..., n, n]). Row i holds the
    derivatives of probability s_i; the diagonal is s_i (1 - s_i) / T, the off-diagonal
    -s_i s_j / T (raising one logit lowers every other probability). Lists and arrays are
    taken as float64. Raises ValueError for a non-positive temperature or non-finite logits.
    """
    z = checked_logits(logits)
    if not temperature > 0 or temperature == float("inf"):
        raise ValueError(f"temperature must be a positive finite number, got {temperature!r}")
    # softmax is shift-invariant: shifting by the max first keeps z / T from overflowing
    # (z = [1e308, -1e308], T = 0.1); a logit far below the max becomes -inf, i.e. s_i = 0.
    s = torch.softmax((z - z.amax(-1, keepdim=True)) / temperature, dim=-1)
    return (torch.diag_embed(s) - s.unsqueeze(-1) * s.unsqueeze(-2)) / temperature


def _identity(name: str, x: torch.Tensor) -> torch.Tensor:
    return x


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None,
              bias: torch.Tensor | None = None, scale: float | None = None,
              tap: Callable[[str, torch.Tensor], torch.Tensor] = _identity,
              dropout: Callable[[torch.Tensor], torch.Tensor] | None = None) -> AttentionResult:
    """Scaled dot-product attention, returning every intermediate.

    q [batch, heads, q_pos, d_head], k and v [batch, heads, k_pos, d_head];
    mask bool broadcastable to [batch, heads, q_pos, k_pos] (True = allowed);
    bias broadcastable to the scores (ALiBi, relative position); scale defaults to 1/sqrt(d_head).
    `tap(name, tensor)` sees 'scores', 'weights' and 'vectors' as they are computed and returns
    the tensor to go on with (identity for a capture); `dropout` applies to the weights.
    """
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    scores = torch.matmul(q, k.transpose(-1, -2))
    if scale != 1.0:  # callers that pre-scale q pass 1.0: skip a full-size temporary
        scores = scores * scale
    if bias is not None:
        scores = scores + bias
    scores = tap("scores", scores)
    weights = masked_softmax(scores, mask)
    if dropout is not None:
        weights = dropout(weights)
    weights = tap("weights", weights)
    vectors = tap("vectors", torch.matmul(weights, v))
    return AttentionResult(scores, mask, weights, vectors)


def shown_mask(mask: torch.Tensor | None, batch: int, q_len: int, k_len: int,
               device: torch.device | None = None) -> torch.Tensor:
    """The mask as every capture records it: bool [batch, 1, q_pos, k_pos] (a broadcast view,
    no copy; more leading detail such as per-head masks is kept), all True when there is none."""
    if mask is None:
        mask = torch.ones((), dtype=torch.bool, device=device)
    return mask.expand(broadcast_shape(tuple(mask.shape), (batch, 1, q_len, k_len)))


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """torch.broadcast_shapes of two concrete shapes (that one runs symbolic-shape guards in
    Python: ~0.3 ms a call, 1.7 ms of every 6-layer forward; this takes ~2 us)."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"shape {a} cannot be broadcast with {b} (dimension sizes {x} and {y})")
        out.append(y if x == 1 else x)
    return tuple(out)


def causal_mask(q_len: int, k_len: int | None = None) -> torch.Tensor:
    """Bool [q_len, k_len]: query i may see keys j <= i (aligned at the end when k_len > q_len)."""
    k_len = q_len if k_len is None else k_len
    return torch.ones(q_len, k_len, dtype=torch.bool).tril(diagonal=k_len - q_len)


class MultiHeadAttention(nn.Module):
    """Multi-head attention with a HookPoint on every quantity of the capture contract.

    Taps (names set by the owning model): q, k, v [batch, heads, pos, d_head] (after RoPE),
    scores, mask, weights, vectors (see AttentionResult), output [batch, q_pos, d_model].
    """

    def __init__(self, d_model: int, n_heads: int, rope: bool = False, dropout: float = 0.0) -> None:
        super().__init__()
        self.n_heads, self.d_head, self.rope = n_heads, d_model // n_heads, rope
        self.w_q = nn.Linear(d_model, d_model)
        self.w_k = nn.Linear(d_model, d_model)
        self.w_v = nn.Linear(d_model, d_model)
        self.w_o = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)
        for quantity in ("q", "k", "v", "scores", "mask", "weights", "vectors", "output"):
            setattr(self, f"hook_{quantity}", HookPoint())

    def set_name(self, prefix: str) -> None:
        name_hook_points(self, prefix)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        """[batch, pos, d_model] -> [batch, heads, pos, d_head]"""
        b, t, _ = x.shape
        return x.view(b, t, self.n_heads, self.d_head).transpose(1, 2)

    def forward(self, x_q: torch.Tensor, x_kv: torch.Tensor | None = None,
                mask: torch.Tensor | None = None, bias: torch.Tensor | None = None) -> torch.Tensor:
        """x_q [batch, q_pos, d_model]; x_kv [batch, k_pos, d_model] (default x_q: self-attention);
        mask bool broadcastable to [batch, heads, q_pos, k_pos]; returns [batch, q_pos, d_model]."""
        x_kv = x_q if x_kv is None else x_kv
        q, k, v = self._heads(self.w_q(x_q)), self._heads(self.w_k(x_kv)), self._heads(self.w_v(x_kv))
        if self.rope:
            q, k = apply_rope(q), apply_rope(k)
        q, k, v = self.hook_q(q), self.hook_k(k), self.hook_v(v)
        self.hook_mask(shown_mask(mask, q.shape[0], q.shape[2], k.shape[2], q.device))
        result = attention(q, k, v, mask=mask, bias=bias, tap=self._tap, dropout=self.dropout)
        b, _, t, _ = result.vectors.shape
        return self.hook_output(self.w_o(result.vectors.transpose(1, 2).reshape(b, t, -1)))

    def _tap(self, quantity: str, x: torch.Tensor) -> torch.Tensor:
        return getattr(self, f"hook_{quantity}")(x)
