"""Transformer: encoder, decoder (causal LM) and encoder-decoder stacks with named taps.

Blocks are post-norm by default, as in the paper (x = LN(x + sublayer(x))); `norm="pre"`
gives the pre-norm variant used by GPT-2 and most modern models (x = x + sublayer(LN(x)), plus
a final LayerNorm). Token embeddings are multiplied by sqrt(d_model) as in the paper
(`scale_embeddings`); the output head is tied to the token embeddings (`tie_embeddings`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

from core.attention import MultiHeadAttention, causal_mask
from core.config import TransformerConfig
from core.hooks import HookPoint
from core.positional import ADDITIVE, alibi_bias, positional_encoding


class LearnedPositions(nn.Module):
    """A trained table P [max_len, d_model]; position p gets row p. No row exists past max_len."""

    def __init__(self, max_len: int, d_model: int) -> None:
        super().__init__()
        self.table = nn.Embedding(max_len, d_model)
        nn.init.normal_(self.table.weight, std=0.02)

    def forward(self, n_positions: int) -> torch.Tensor:
        if n_positions > self.table.num_embeddings:
            raise ValueError(
                f"a learned position table has {self.table.num_embeddings} rows: position "
                f"{n_positions - 1} has no embedding (learned encodings cannot extrapolate)"
            )
        return self.table.weight[:n_positions]


class Embeddings(nn.Module):
    """token embedding * sqrt(d_model) (+ additive positions) (+ segments) -> [LayerNorm] -> dropout.

    Taps: `{prefix}embed` [batch, pos, d_model] (scaled token embeddings) and
    `{prefix}pos_embed` [1, pos, d_model] (additive kinds only).
    """

    def __init__(self, cfg: TransformerConfig, token: nn.Embedding, prefix: str = "") -> None:
        super().__init__()
        self.cfg, self.token = cfg, token
        self.scale = math.sqrt(cfg.d_model) if cfg.scale_embeddings else 1.0
        self.learned = LearnedPositions(cfg.max_len, cfg.d_model) if cfg.positional == "learned" else None
        self.segment = nn.Embedding(cfg.type_vocab_size, cfg.d_model) if cfg.type_vocab_size else None
        self.norm = nn.LayerNorm(cfg.d_model, eps=cfg.layer_norm_eps) if cfg.embed_norm else None
        self.dropout = nn.Dropout(cfg.dropout)
        self.hook_embed, self.hook_pos_embed = HookPoint(), HookPoint()
        self.hook_embed.name, self.hook_pos_embed.name = f"{prefix}embed", f"{prefix}pos_embed"
        self._fixed: dict[int, torch.Tensor] = {}

    def positions(self, n: int) -> torch.Tensor | None:
        """The additive encoding for positions 0..n-1, [n, d_model], or None for other kinds."""
        kind = self.cfg.positional
        if kind == "learned":
            return self.learned(n)
        if kind not in ADDITIVE:
            return None
        if kind == "normalized_index":  # depends on n on purpose
            return positional_encoding(kind, n, self.cfg.d_model).to(self.token.weight.dtype)
        if n not in self._fixed:
            self._fixed[n] = positional_encoding(kind, n, self.cfg.d_model).to(self.token.weight.dtype)
        return self._fixed[n]

    def forward(self, ids: torch.Tensor, token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        x = self.hook_embed(self.token(ids) * self.scale)
        pe = self.positions(ids.shape[1])
        if pe is not None:
            x = x + self.hook_pos_embed(pe[None])
        if self.segment is not None:
            x = x + self.segment(torch.zeros_like(ids) if token_type_ids is None else token_type_ids)
        if self.norm is not None:
            x = self.norm(x)
        return self.dropout(x)


class FeedForward(nn.Module):
    """Position-wise MLP: Linear(d_model, d_ff) -> ReLU/GELU -> Linear(d_ff, d_model)."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.up, self.down = nn.Linear(cfg.d_model, cfg.d_ff), nn.Linear(cfg.d_ff, cfg.d_model)
        self.act = nn.GELU() if cfg.activation == "gelu" else nn.ReLU()
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.down(self.act(self.up(x))))


class Block(nn.Module):
    """One layer: self-attention, optional cross-attention, feed-forward; each a residual sublayer.

    Tap: `{stack}.{layer}.resid_post` [batch, pos, d_model], the residual stream after the layer.
    """

    def __init__(self, cfg: TransformerConfig, stack: str, layer: int, cross: bool = False) -> None:
        super().__init__()
        self.pre = cfg.norm == "pre"
        rope = cfg.positional == "rope"
        self.self_attn = MultiHeadAttention(cfg.d_model, cfg.n_heads, rope=rope, dropout=cfg.dropout)
        self.self_attn.set_name(f"{stack}.{layer}.self_attn")
        self.cross_attn = None
        if cross:
            self.cross_attn = MultiHeadAttention(cfg.d_model, cfg.n_heads, dropout=cfg.dropout)
            self.cross_attn.set_name(f"{stack}.{layer}.cross_attn")
        self.ff = FeedForward(cfg)
        n_norms = 3 if cross else 2
        self.norms = nn.ModuleList(nn.LayerNorm(cfg.d_model, eps=cfg.layer_norm_eps) for _ in range(n_norms))
        self.dropout = nn.Dropout(cfg.dropout)
        self.hook_resid_post = HookPoint()
        self.hook_resid_post.name = f"{stack}.{layer}.resid_post"

    def _sublayer(self, x: torch.Tensor, norm: nn.LayerNorm, fn) -> torch.Tensor:
        if self.pre:
            return x + self.dropout(fn(norm(x)))
        return norm(x + self.dropout(fn(x)))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, bias: torch.Tensor | None = None,
                memory: torch.Tensor | None = None, memory_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self._sublayer(x, self.norms[0], lambda h: self.self_attn(h, mask=mask, bias=bias))
        if self.cross_attn is not None:
            x = self._sublayer(x, self.norms[1],
                               lambda h: self.cross_attn(h, memory, mask=memory_mask))
        x = self._sublayer(x, self.norms[-1], self.ff)
        return self.hook_resid_post(x)


class Stack(nn.Module):
    """n_layers Blocks (+ a final LayerNorm when pre-norm)."""

    def __init__(self, cfg: TransformerConfig, name: str, cross: bool = False) -> None:
        super().__init__()
        self.name = name
        self.layers = nn.ModuleList(Block(cfg, name, i, cross) for i in range(cfg.n_layers))
        self.final_norm = nn.LayerNorm(cfg.d_model, eps=cfg.layer_norm_eps) if cfg.norm == "pre" else None

    def forward(self, x, mask, bias=None, memory=None, memory_mask=None) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, mask, bias, memory, memory_mask)
        return self.final_norm(x) if self.final_norm is not None else x


class TransformerOutput(NamedTuple):
    """logits [batch, pos, vocab] (decoder side for encoder-decoder; None when cfg.head is False);
    hidden [batch, pos, d_model] the last stack's output; memory the encoder output
    (encoder-decoder only)."""

    logits: torch.Tensor | None
    hidden: torch.Tensor
    memory: torch.Tensor | None = None


def _tensor(values, what: str, expected: str) -> torch.Tensor:
    try:
        return torch.as_tensor(values)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"{what} must be {expected}, got {type(values).__name__}: "
                         f"{str(values)[:60]}") from None


def check_like(values: torch.Tensor | list | None, ids: torch.Tensor, what: str) -> torch.Tensor | None:
    """A per-token tensor (attention_mask, token_type_ids) checked against ids [batch, pos]:
    returned as an integer tensor of the same shape, or a ValueError naming `what`."""
    if values is None:
        return None
    values = _tensor(values, what, f"a tensor shaped like the ids {tuple(ids.shape)}")
    if values.dim() == 1:
        values = values[None]
    if tuple(values.shape) != tuple(ids.shape):
        raise ValueError(f"{what} has shape {tuple(values.shape)}; it must match the ids: "
                         f"{tuple(ids.shape)} ([batch, pos], one entry per token)")
    if values.dtype.is_floating_point and not torch.isin(values, torch.tensor([0.0, 1.0])).all():
        raise ValueError(f"{what} must hold integers (1 = real token, 0 = padding for a mask)")
    return values.long()


class Transformer(nn.Module):
    """The from-scratch Transformer of `TransformerConfig`.

    - "encoder": bidirectional self-attention (padding mask only); logits from the tied head
      re-predict each input token (a masked-LM style head).
    - "decoder": causal self-attention; logits predict the next token.
    - "encoder-decoder": encoder over `input_ids`, decoder over `target_ids` with causal
      self-attention and cross-attention to the encoder output; logits predict the next target.
    """

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.token = nn.Embedding(cfg.vocab_size, cfg.d_model)
        nn.init.normal_(self.token.weight, std=cfg.d_model ** -0.5 if cfg.scale_embeddings else 0.02)
        first = "decoder" if cfg.arch == "decoder" else "encoder"
        self.embed = Embeddings(cfg, self.token)
        setattr(self, first, Stack(cfg, first))
        if cfg.arch == "encoder-decoder":
            self.target_embed = Embeddings(cfg, self.token, prefix="decoder.")
            self.decoder = Stack(cfg, "decoder", cross=True)
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False) if cfg.head else None
        if cfg.head and cfg.tie_embeddings:
            self.head.weight = self.token.weight

    # ------------------------------------------------------------------ checks
    def check_ids(self, ids: torch.Tensor | list, what: str = "input_ids") -> torch.Tensor:
        """Validate token ids and return them as LongTensor [batch, pos]."""
        ids = _tensor(ids, what, "integer token ids (a list or LongTensor [pos] or [batch, pos])")
        if ids.numel() == 0:
            raise ValueError(f"{what} is empty: give at least one token")
        if ids.dtype.is_floating_point or ids.dtype.is_complex or ids.dtype == torch.bool:
            raise ValueError(f"{what} must be integer token ids, got dtype {ids.dtype}")
        ids = ids.long()
        if ids.dim() == 1:
            ids = ids[None]
        if ids.dim() != 2:
            raise ValueError(f"{what} must have shape [pos] or [batch, pos], got {tuple(ids.shape)}")
        if ids.shape[1] > self.cfg.max_len:
            raise ValueError(f"{what} has {ids.shape[1]} tokens but this model accepts at most "
                             f"max_len={self.cfg.max_len}")
        bad = (ids < 0) | (ids >= self.cfg.vocab_size)
        if bad.any():
            raise ValueError(f"{what} contains token id {int(ids[bad][0])}, outside the vocabulary "
                             f"0..{self.cfg.vocab_size - 1}")
        return ids

    # ------------------------------------------------------------------ forward
    def _bias(self, q_len: int, causal: bool, dtype: torch.dtype) -> torch.Tensor | None:
        if self.cfg.positional != "alibi":
            return None
        return alibi_bias(self.cfg.n_heads, q_len, q_len, causal).to(dtype)[None]

    @staticmethod
    def _padding(attention_mask: torch.Tensor | None) -> torch.Tensor | None:
        """[batch, k_pos] (1 = real token) -> bool [batch, 1, 1, k_pos]"""
        return None if attention_mask is None else attention_mask.bool()[:, None, None, :]

    def forward(self, input_ids: torch.Tensor, target_ids: torch.Tensor | None = None,
                attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None,
                target_attention_mask: torch.Tensor | None = None) -> TransformerOutput:
        """input_ids [batch, pos] (or [pos]); attention_mask [batch, pos], 1 for real tokens."""
        input_ids = self.check_ids(input_ids)
        if target_ids is not None and self.cfg.arch != "encoder-decoder":
            raise ValueError(f"target_ids is only for encoder-decoder models; this is an {self.cfg.arch} "
                             "model (its input_ids are all it reads)")
        attention_mask = check_like(attention_mask, input_ids, "attention_mask")
        token_type_ids = check_like(token_type_ids, input_ids, "token_type_ids")
        dtype = self.token.weight.dtype
        pad = self._padding(attention_mask)
        x = self.embed(input_ids, token_type_ids)
        if self.cfg.arch == "decoder":
            t = input_ids.shape[1]
            mask = causal_mask(t)[None, None] if pad is None else causal_mask(t)[None, None] & pad
            h = self.decoder(x, mask, self._bias(t, True, dtype))
            return TransformerOutput(self._logits(h), h)
        src_mask = pad if pad is not None else torch.ones(1, 1, 1, input_ids.shape[1], dtype=torch.bool)
        memory = self.encoder(x, src_mask, self._bias(input_ids.shape[1], False, dtype))
        if self.cfg.arch == "encoder":
            return TransformerOutput(self._logits(memory), memory)
        if target_ids is None:
            raise ValueError("an encoder-decoder model needs target_ids (the decoder input)")
        target_ids = self.check_ids(target_ids, "target_ids")
        target_attention_mask = check_like(target_attention_mask, target_ids, "target_attention_mask")
        t = target_ids.shape[1]
        tgt_mask = causal_mask(t)[None, None]
        if target_attention_mask is not None:
            tgt_mask = tgt_mask & self._padding(target_attention_mask)
        y = self.target_embed(target_ids)
        h = self.decoder(y, tgt_mask, self._bias(t, True, dtype), memory=memory, memory_mask=src_mask)
        return TransformerOutput(self._logits(h), h, memory)

    def _logits(self, h: torch.Tensor) -> torch.Tensor | None:
        return self.head(h) if self.head is not None else None

    @property
    def n_parameters(self) -> int:
        """Trainable parameters (a tied head counts once)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)
