"""Summaries of attention weights: per-head statistics, head aggregation, rollout, words, JS.

Pure numpy (tensors are converted once on entry); no Streamlit, no Plotly, no model calls.
Shapes follow the capture contract: `weights` is [layers, heads, q_pos, k_pos] (from
`Capture.stacked("weights", ...)`), rows sum to 1 and masked cells are exactly 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from core.hf.tokens import word_labels  # noqa: F401  (re-exported: one implementation, in core.hf.tokens)
from core.labs.arrays import as_numpy, as_tensor, row_entropy_tensor

LOG2 = float(np.log(2.0))

# name -> (what the number means, "higher is" hint); used by pages and figures as labels.
HEAD_STATS: dict[str, str] = {
    "entropy": "entropy of each query's weights, mean over queries (nats; log n = uniform)",
    "max_weight": "largest weight in each query's row, mean over queries (1 = one key only)",
    "distance": "mean |query − key| position distance, weighted by the weights",
    "first": "weight on the first token, mean over queries",
    "special": "weight on special tokens ([CLS], [SEP], <s>…), mean over queries",
    "self": "weight a token gives to itself (the diagonal), mean over queries",
}

_SPECIAL = re.compile(
    r"^(\[(CLS|SEP|PAD|MASK|UNK|BOS|EOS)\]|<\|?/?(s|pad|unk|mask|bos|eos|cls|sep|endoftext|"
    r"im_start|im_end|begin_of_text|end_of_text|eot_id|start_header_id|end_header_id)\|?>)$",
    re.IGNORECASE)


def special_positions(tokens: Sequence[str], meta: Mapping[str, Any] | None = None) -> list[int]:
    """Positions of special tokens: `meta["special"]` (indices or one bool per token) when the
    model adapter provides it, else tokens that look like [CLS], [SEP], <s>, <|endoftext|>..."""
    given = (meta or {}).get("special")
    if given is not None:
        given = list(given)
        if given and isinstance(given[0], bool | np.bool_):
            return [i for i, flag in enumerate(given) if flag]
        return [int(i) for i in given]
    return [i for i, t in enumerate(tokens) if _SPECIAL.match(str(t).strip())]


# --------------------------------------------------------------------------- per-head statistics

def _xlogx(p: np.ndarray) -> np.ndarray:
    """p·log p with 0·log 0 = 0."""
    return p * np.log(np.where(p > 0, p, 1.0))


def row_entropy(weights: Any) -> np.ndarray:
    """Entropy (nats) of each row: [..., q_pos, k_pos] -> [..., q_pos]. Uniform over n keys = log n."""
    return row_entropy_tensor(as_tensor(weights)).double().numpy()


ROW_CHUNK = 128  # query rows per step: a chunk's temporaries stay small, and keys that no row
                 # of the chunk can see (the future, in a causal model) are skipped


def head_stats(weights: Any, special: Sequence[int] = ()) -> dict[str, np.ndarray]:
    """Per-head statistics (see HEAD_STATS) from weights [layers, heads, q_pos, k_pos], or a
    sequence of per-layer [heads, q_pos, k_pos] tensors (no stacked copy needed).

    Each statistic is computed per query row and averaged over the rows that attend anywhere
    (a fully masked row, all zeros, is skipped). Returns name -> [layers, heads] float64.
    `distance` and `self` need self-attention (q_pos == k_pos); for cross-attention they are NaN.

    Vectorised in torch, one layer and ROW_CHUNK query rows at a time: where every key after
    the chunk's last row is 0 (causal attention), those keys are left out of the logarithms
    and sums, which halves the work of a decoder at no cost in exactness (0·log 0 = 0).
    """
    layers = _per_layer(weights)
    n_q, n_k = layers[0].shape[-2:] if layers else (0, 0)
    special_idx = torch.tensor([i for i in special if 0 <= i < n_k], dtype=torch.long)
    self_attn = n_q == n_k
    pos = torch.arange(max(n_q, n_k), dtype=torch.float32)
    sums = {name: torch.zeros(len(layers), layers[0].shape[0] if layers else 0, dtype=torch.float64)
            for name in ("entropy", "max_weight", "first", "special", "distance", "self", "live")}
    with torch.no_grad():
        for index, w in enumerate(layers):
            for r0 in range(0, n_q, ROW_CHUNK):
                r1 = min(n_q, r0 + ROW_CHUNK)
                chunk = w[:, r0:r1]
                if self_attn and r1 < n_k and float(chunk[..., r1:].amax()) == 0.0:  # weights are >= 0
                    chunk = chunk[..., :r1]  # causal: nothing after the chunk's last query
                live = (chunk.sum(-1) > 0.5).to(torch.float32)  # [H, rows]
                per_row = {
                    "entropy": row_entropy_tensor(chunk),
                    "max_weight": chunk.amax(-1),
                    "first": chunk[..., 0],
                }
                if len(special_idx):
                    keep = special_idx[special_idx < chunk.shape[-1]]
                    per_row["special"] = chunk.index_select(-1, keep).sum(-1)
                if self_attn:
                    offsets = (pos[r0:r1, None] - pos[None, :chunk.shape[-1]]).abs()
                    per_row["distance"] = torch.einsum("hqk,qk->hq", chunk, offsets)
                    per_row["self"] = torch.diagonal(w[:, r0:r1, r0:r1], dim1=-2, dim2=-1)
                for name, value in per_row.items():
                    sums[name][index] += (value * live).sum(-1).double()
                sums["live"][index] += live.sum(-1).double()
    count = sums.pop("live").clamp_min(1.0)
    out = {name: (total / count).numpy() for name, total in sums.items()}
    if not self_attn:
        out["distance"] = np.full_like(out["distance"], np.nan)
        out["self"] = np.full_like(out["self"], np.nan)
    return {name: out[name] for name in HEAD_STATS}


def _per_layer(weights: Any) -> list[torch.Tensor]:
    """[layers, heads, q, k] (tensor or array) or a sequence of [heads, q, k] -> float32 tensors."""
    if isinstance(weights, (list, tuple)):
        layers = [as_tensor(w) for w in weights]
        if any(w.ndim != 3 for w in layers):
            raise ValueError("per-layer weights must each be [heads, q_pos, k_pos]")
        return layers
    w = as_tensor(weights)
    if w.ndim != 4:
        raise ValueError(f"weights must be [layers, heads, q_pos, k_pos], got shape {tuple(w.shape)}")
    return list(w.unbind(0))


def rank_heads(stat: np.ndarray, descending: bool = True) -> list[tuple[int, int, float]]:
    """(layer, head, value) for every head of a [layers, heads] statistic, best first; NaN last."""
    stat = np.asarray(stat, dtype=np.float64)
    flat = [(layer, head, float(stat[layer, head])) for layer in range(stat.shape[0])
            for head in range(stat.shape[1])]
    return sorted(flat, key=lambda t: (np.isnan(t[2]), -t[2] if descending else t[2]))


# --------------------------------------------------------------------------- across heads / layers

def heads_mean(weights: Any) -> np.ndarray:
    """Mean over heads: [..., heads, q, k] -> [..., q, k] (still a distribution per row)."""
    return as_numpy(weights).mean(-3)


def heads_max(weights: Any) -> np.ndarray:
    """Max over heads: [..., heads, q, k] -> [..., q, k] (rows no longer sum to 1)."""
    return as_numpy(weights).max(-3)


def rollout(weights: Any, residual: float = 0.5) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020) for every depth.

    weights [layers, heads, n, n] (heads are averaged) or [layers, n, n]. Each layer becomes
    Â = residual·I + (1 − residual)·A, rows re-normalised to 1 (the residual connection carries
    the token itself); rollout R_l = Â_l · Â_{l−1} ··· Â_0. Returns [layers, n, n]: row i of
    R_l says how much of the residual stream at position i after layer l traces back to each
    input token. Rows sum to 1.
    """
    w = as_numpy(weights, np.float64)
    if w.ndim == 4:
        w = w.mean(1)
    if w.ndim != 3 or w.shape[-1] != w.shape[-2]:
        raise ValueError(f"rollout needs self-attention weights [layers, (heads,) n, n], got {w.shape}")
    if not 0.0 <= residual <= 1.0:
        raise ValueError(f"residual must be in [0, 1], got {residual}")
    n = w.shape[-1]
    eye = np.eye(n)
    out = np.empty_like(w)
    acc = eye
    for layer in range(w.shape[0]):
        a = residual * eye + (1.0 - residual) * w[layer]
        a = a / np.maximum(a.sum(-1, keepdims=True), 1e-12)
        acc = a @ acc
        out[layer] = acc
    return out


# --------------------------------------------------------------------------- words

def word_matrices(words_q: Sequence[Sequence[int]], n_q: int,
                  words_k: Sequence[Sequence[int]], n_k: int) -> tuple[np.ndarray, np.ndarray]:
    """Pooling matrices: Mq [n_words_q, n_q] averages query sub-tokens, Mk [n_k, n_words_k] sums
    key sub-tokens. Raises ValueError unless each list covers every position exactly once."""
    for words, n, side in ((words_q, n_q, "query"), (words_k, n_k, "key")):
        flat = sorted(i for word in words for i in word)
        if flat != list(range(n)):
            raise ValueError(f"{side} words must cover positions 0..{n - 1} exactly once; "
                             f"got {len(flat)} positions for {n} tokens")
    mq = np.zeros((len(words_q), n_q), dtype=np.float32)
    for w, idx in enumerate(words_q):
        mq[w, list(idx)] = 1.0 / len(idx)
    mk = np.zeros((n_k, len(words_k)), dtype=np.float32)
    for w, idx in enumerate(words_k):
        mk[list(idx), w] = 1.0
    return mq, mk


def word_level(weights: Any, words_q: Sequence[Sequence[int]],
               words_k: Sequence[Sequence[int]] | None = None) -> np.ndarray:
    """Word-to-word weights from sub-token weights [..., q_pos, k_pos] -> [..., words_q, words_k].

    Convention (Clark et al. 2019): the weight *to* a word is the **sum** over its key
    sub-tokens (attention mass is additive, so rows still sum to 1); the weight *from* a word is
    the **mean** over its query sub-tokens (each sub-token is one query, averaging keeps a
    distribution). `words_k` defaults to `words_q` (self-attention).
    """
    w = as_numpy(weights)
    words_k = words_q if words_k is None else words_k
    mq, mk = word_matrices(words_q, w.shape[-2], words_k, w.shape[-1])
    return mq @ w @ mk


# --------------------------------------------------------------------------- comparing two runs

def js_divergence(p: Any, q: Any) -> np.ndarray:
    """Jensen-Shannon divergence (nats) between distributions along the last axis.

    [..., n], [..., n] -> [...]; symmetric, 0 for identical rows, at most log 2."""
    p, q = as_numpy(p, np.float64), as_numpy(q, np.float64)
    if p.shape != q.shape:
        raise ValueError(f"shapes differ: {p.shape} vs {q.shape}")
    m = 0.5 * (p + q)
    kl_pm = (_xlogx(p) - p * np.log(np.where(m > 0, m, 1.0))).sum(-1)
    kl_qm = (_xlogx(q) - q * np.log(np.where(m > 0, m, 1.0))).sum(-1)
    return np.clip(0.5 * (kl_pm + kl_qm), 0.0, LOG2)


def js_per_head(weights_a: Any, weights_b: Any) -> np.ndarray:
    """How much each head changes between two runs whose tokens align position by position:
    JS divergence of each query row, mean over rows. [L, H, q, k] x2 -> [L, H] in [0, log 2]."""
    a, b = as_numpy(weights_a), as_numpy(weights_b)
    if a.shape != b.shape:
        raise ValueError(f"the two inputs do not align (weights {tuple(a.shape)} vs "
                         f"{tuple(b.shape)}): compare needs the same number of tokens")
    return js_divergence(a, b).mean(-1)


def tokens_align(tokens_a: Sequence[str], tokens_b: Sequence[str]) -> bool:
    """True when the two token sequences can be compared position by position (same length)."""
    return len(tokens_a) == len(tokens_b)


# --------------------------------------------------------------------------- pooling for thumbnails

def pool_factor(n: int, max_cells: int) -> int:
    """Smallest integer block size f such that ceil(n / f) <= max_cells."""
    if max_cells < 1:
        raise ValueError(f"max_cells must be >= 1, got {max_cells}")
    return max(1, -(-n // max_cells))


def pool(x: Any, max_cells: int, how: str = "max") -> tuple[np.ndarray, int]:
    """Block-pool the last two axes so neither exceeds `max_cells`: [..., n, m] ->
    ([..., ceil(n/f), ceil(m/f)], f), with one factor f for both axes (cells stay square).

    how="max" keeps sharp patterns visible (a diagonal stays bright), "mean" keeps the mass
    (edge blocks average only the cells they hold). A thumbnail cannot show more cells than it
    has pixels, so pooling loses nothing visible.
    """
    if how not in ("max", "mean"):
        raise ValueError(f"how must be 'max' or 'mean', got {how!r}")
    t = as_tensor(x)
    n, m = t.shape[-2:]
    f = pool_factor(max(n, m), max_cells)
    if f == 1:
        return t.numpy(), 1
    lead = t.shape[:-2]
    flat = t.reshape(-1, 1, n, m)
    if how == "max":
        out = torch.nn.functional.max_pool2d(flat, f, f, ceil_mode=True)
    else:
        out = torch.nn.functional.avg_pool2d(flat, f, f, ceil_mode=True, count_include_pad=False)
    return out.reshape(*lead, *out.shape[-2:]).numpy(), f


def pool_labels(tokens: Sequence[str], factor: int) -> list[str]:
    """Labels of pooled positions: 'first…last' token of each block of `factor` tokens."""
    if factor == 1:
        return [str(t) for t in tokens]
    out = []
    for start in range(0, len(tokens), factor):
        block = tokens[start:start + factor]
        out.append(f"{block[0]}…{block[-1]}" if len(block) > 1 else str(block[0]))
    return out


def most_focused_head(weights: Any) -> int:
    """The head with the lowest mean row entropy in one layer's weights [heads, q, k]: the one a
    viewer should open first (on long inputs many heads are near-uniform, a flat dark square)."""
    return int(np.argmin(row_entropy(as_numpy(weights)).mean(-1)))
