"""Positional encodings: every kind the deck discusses, with its exact formula.

Three ways a position reaches attention:
- additive: a matrix PE [n_positions, d_model] added to the token embeddings
  (sinusoidal, learned, sigmoid, single_sine, stretched_sine, normalized_index, index, binary);
- rotary: RoPE rotates q and k inside every attention layer (`apply_rope`);
- score bias: ALiBi adds -slope * distance to the attention scores (`alibi_bias`).
`none` adds nothing: attention is then permutation-equivariant.
"""

from __future__ import annotations

import math

import torch

ADDITIVE = ("sinusoidal", "learned", "sigmoid", "single_sine", "stretched_sine",
            "normalized_index", "index", "binary")
KINDS = ("none", *ADDITIVE, "rope", "alibi")

DESCRIPTIONS: dict[str, str] = {
    "none": "no position information: attention cannot tell word order",
    "sinusoidal": "PE[p,2i] = sin(p/10000^(2i/d)), PE[p,2i+1] = cos(p/10000^(2i/d)) (the paper)",
    "learned": "a trained lookup table P[p] (BERT, GPT-2): undefined past max_len",
    "sigmoid": "PE[p,j] = 1/(1+exp(-p)) in every dimension: saturates at 1",
    "single_sine": "PE[p,j] = sin(2*pi*p/period) in every dimension (period 2*pi: sin(p))",
    "stretched_sine": "PE[p,j] = sin(p/stretch) in every dimension (stretch 10000)",
    "normalized_index": "PE[p,j] = p/(N-1) in every dimension: depends on the length N",
    "index": "PE[p,j] = p in every dimension: unbounded",
    "binary": "PE[p,j] = bit j of p (0 or 1): Kazemnejad's binary counter",
    "rope": "q, k rotated by angle p*theta_i, theta_i = 10000^(-2i/d_head) (RoFormer)",
    "alibi": "scores += -slope_h * |i-j| (ALiBi), slopes 2^(-8/H), 2^(-16/H), ...",
}


def frequencies(d: int, base: float = 10000.0) -> torch.Tensor:
    """The sin/cos angular frequencies w_i = base^(-2i/d), i = 0..ceil(d/2)-1: [ceil(d/2)] float64.
    The paper's encoding, RoPE's rotation angles and MAE's 2-D grids all use these."""
    return base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)


def sinusoidal(n_positions: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """The paper's interleaved encoding, [n_positions, d_model] float64.

    PE[p, 2i] = sin(p * w_i), PE[p, 2i+1] = cos(p * w_i), w_i = base^(-2i/d_model).
    An odd d_model drops the last cosine column.
    """
    angles = torch.arange(n_positions, dtype=torch.float64)[:, None] * frequencies(d_model, base)
    pe = torch.zeros(n_positions, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles)[:, : d_model // 2]
    return pe


def _broadcast(values: torch.Tensor, d_model: int) -> torch.Tensor:
    """A scalar per position, copied into every dimension: [N] -> [N, d_model]."""
    return values[:, None].expand(-1, d_model).clone()


def positional_encoding(kind: str, n_positions: int, d_model: int, *, period: float = 2 * math.pi,
                        stretch: float = 10000.0, seed: int = 0) -> torch.Tensor:
    """The additive encoding of `kind` for positions 0..n_positions-1: Tensor [n_positions, d_model].

    float64 except `sigmoid`, which is float32 on purpose: in float32, 1/(1+exp(-p)) rounds to
    exactly 1.0 from p = 17 on, so every later position gets the same vector (in float64 from 37).

    - sinusoidal: see `sinusoidal`.
    - learned: a freshly initialised table, N(0, 0.02) as BERT/GPT-2 initialise theirs (seeded);
      a trained table lives in a model (`LearnedPositions`).
    - sigmoid: 1/(1+exp(-p)); single_sine: sin(2*pi*p/period); stretched_sine: sin(p/stretch);
      normalized_index: p/(N-1) with N = n_positions; index: p; all copied to every dimension.
    - binary: PE[p, j] = (p >> j) & 1 (dimension j is bit j; bits past d_model are dropped).
    - none, rope, alibi: zeros, because these kinds add nothing to the embeddings (see
      `apply_rope` and `alibi_bias` for where they act).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown positional encoding {kind!r}; choose one of {KINDS}")
    if n_positions < 0 or d_model <= 0:
        raise ValueError(f"need n_positions >= 0 and d_model > 0, got {n_positions}, {d_model}")
    p = torch.arange(n_positions, dtype=torch.float64)
    if kind == "sinusoidal":
        return sinusoidal(n_positions, d_model)
    if kind == "learned":
        gen = torch.Generator().manual_seed(seed)
        return torch.randn(n_positions, d_model, generator=gen, dtype=torch.float64) * 0.02
    if kind == "sigmoid":
        return _broadcast(torch.sigmoid(p.float()), d_model)
    if kind == "single_sine":
        return _broadcast(torch.sin(2 * math.pi * p / period), d_model)
    if kind == "stretched_sine":
        return _broadcast(torch.sin(p / stretch), d_model)
    if kind == "normalized_index":
        return _broadcast(p / max(n_positions - 1, 1), d_model)
    if kind == "index":
        return _broadcast(p, d_model)
    if kind == "binary":
        bits = torch.arange(d_model)
        ints = torch.arange(n_positions)[:, None]
        return ((ints >> bits.clamp(max=62)) & 1).to(torch.float64) * (bits < 63)
    return torch.zeros(n_positions, d_model, dtype=torch.float64)


# ---------------------------------------------------------------- rotary (RoPE)

def rope_angles(n_positions: int, d_head: int, base: float = 10000.0) -> torch.Tensor:
    """Rotation angles p * theta_i, theta_i = base^(-2i/d_head): [n_positions, d_head // 2]."""
    return torch.arange(n_positions, dtype=torch.float64)[:, None] * frequencies(d_head, base)


def apply_rope(x: torch.Tensor, positions: torch.Tensor | None = None,
               base: float = 10000.0) -> torch.Tensor:
    """Rotate each (x[..., i], x[..., i + d/2]) pair by angle p * theta_i (rotate-half layout,
    as Llama). x: [batch, heads, pos, d_head]; positions: [pos] (default 0..pos-1).

    q_m . k_n after rotation depends on m and n only through n - m; norms are unchanged.
    """
    n, d = x.shape[-2], x.shape[-1]
    if positions is None:
        positions = torch.arange(n)
    angles = rope_angles(int(positions.max()) + 1 if n else 0, d, base)[positions]
    cos = torch.cos(angles).to(x.dtype).repeat(1, 2)  # [pos, d]
    sin = torch.sin(angles).to(x.dtype).repeat(1, 2)
    half = d // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


# ---------------------------------------------------------------- ALiBi

def alibi_slopes(n_heads: int) -> torch.Tensor:
    """Per-head slopes of Press et al. (reference `get_slopes`): [n_heads] float64.

    For a power of two H: 2^(-8/H), 2^(-16/H), ..., 2^(-8). Otherwise the slopes of the
    closest smaller power of two, then every other slope of the next power of two.
    """
    def power_of_two(n: int) -> list[float]:
        start = 2 ** (-(2 ** -(math.log2(n) - 3)))
        return [start * start**i for i in range(n)]

    if math.log2(n_heads).is_integer():
        slopes = power_of_two(n_heads)
    else:
        closest = 2 ** math.floor(math.log2(n_heads))
        slopes = power_of_two(closest) + power_of_two(2 * closest)[0::2][: n_heads - closest]
    return torch.tensor(slopes, dtype=torch.float64)


def alibi_bias(n_heads: int, q_len: int, k_len: int, causal: bool) -> torch.Tensor:
    """ALiBi's additive score bias: [n_heads, q_len, k_len] float64.

    bias[h, i, j] = -slope_h * (i - j) for a causal model (entries j > i are masked anyway);
    -slope_h * |i - j| for a bidirectional encoder (the symmetric variant).
    """
    i = torch.arange(q_len, dtype=torch.float64)[:, None] + (k_len - q_len)
    j = torch.arange(k_len, dtype=torch.float64)[None, :]
    distance = (i - j).clamp(min=0) if causal else (i - j).abs()
    return -alibi_slopes(n_heads)[:, None, None] * distance
