"""The deck's positional-encoding requirements, measured: `scorecard(kind, N, d_model)`.

Each measure is a small pure function of an encoding matrix PE [n_positions, d_model]
(float64), so it can be tested on its own and applied to any table (a trained one too):

- `value_range`:       (min, max) of all entries; ok when every |value| <= 1 (deck: bounded).
- `length_consistent`: PE(p) is the same whether the sequence has N or 2N positions.
- `min_distance`:      smallest ||PE(p) - PE(q)|| over p != q < N, and the pair (p, q).
- `adjacent_delta`:    ||PE(p+1) - PE(p)|| and, per dimension, its size relative to the
                       spread (std) of token embeddings it is added to.
- `shift_residual`:    relative residual ||X W - Y||_F / ||Y||_F of the best linear map W with
                       PE(p) W ~ PE(p + offset) (0: a fixed linear map moves every position).
- `offset_only`:       PE(p) . PE(q) depends only on p - q (PE PE^T is Toeplitz).

Every entry of the scorecard is a dict {"value", "ok", "note", ...}; a measure that does not
apply to a kind has value None and ok None, and its note says why.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from core.labs.arrays import as_numpy, cosine_similarity
from core.positional import KINDS, alibi_bias, alibi_slopes, apply_rope, positional_encoding, rope_angles

#: Per-dimension std of token embeddings when none is given: BERT's and GPT-2's
#: initialisation N(0, 0.02) (CONCEPTS.md section 6). MiniLM's trained table measures 0.0556.
DEFAULT_EMBEDDING_STD = 0.02
#: adjacent_delta is "ok" when one step moves each dimension by at least this fraction of the
#: token-embedding std (otherwise "semantic values overshadow positional values").
MIN_STEP_TO_STD = 0.1
#: tolerance for "exactly" (length consistency, offset-only)
EXACT = 1e-9

MEASURES: dict[str, dict[str, str]] = {
    "value_range": {
        "requirement": "bounded values",
        "deck": "each value in each dimension [...] should be between 0 and 1, so positional "
                "similarity doesn't have a much larger effect than semantic similarity",
    },
    "length_consistent": {
        "requirement": "same identifier whatever the length",
        "deck": "every position should have the same identifier irrespective of the sequence "
                "length or what the input is",
    },
    "min_distance": {
        "requirement": "unique positions",
        "deck": "the periodicity of sin and cos would lead to multiple indices receiving the "
                "same positional value",
    },
    "adjacent_delta": {
        "requirement": "neighbours distinguishable",
        "deck": "the positional embedding value deltas between each position would be too small "
                "and the semantic values would overshadow the positional values",
    },
    "shift_residual": {
        "requirement": "relative offsets are linear",
        "deck": "the AIAYN choice is best understood with Fourier analysis: shifting a position "
                "rotates each sin/cos pair (a fixed linear map)",
    },
    "offset_only": {
        "requirement": "similarity depends on distance only",
        "deck": "sigmoids are asymptotic, so large inputs get very similar outputs; a good "
                "encoding keeps PE(p).PE(p+k) the same wherever p is",
    },
}


def _na(reason: str) -> dict[str, Any]:
    return {"value": None, "ok": None, "note": f"not applicable: {reason}"}


def _np(pe: torch.Tensor | np.ndarray) -> np.ndarray:
    return as_numpy(pe, np.float64)


# --------------------------------------------------------------------------- single measures

def value_range(pe: torch.Tensor | np.ndarray) -> dict[str, Any]:
    """(min, max) over PE [N, d]; ok when max |value| <= 1."""
    x = _np(pe)
    lo, hi = float(x.min()), float(x.max())
    return {"value": (lo, hi), "ok": max(abs(lo), abs(hi)) <= 1.0,
            "note": f"values in [{lo:.4g}, {hi:.4g}]"}


def length_consistent(short: torch.Tensor | np.ndarray, long: torch.Tensor | np.ndarray) -> dict[str, Any]:
    """Compare PE computed for N positions [N, d] with the first N rows of PE for 2N [2N, d]."""
    a, b = _np(short), _np(long)[: len(_np(short))]
    diff = float(np.abs(a - b).max()) if a.size else 0.0
    return {"value": diff, "ok": diff <= EXACT,
            "note": f"max |PE_N(p) - PE_2N(p)| = {diff:.3g}"}


def _weighted_unique_columns(x: np.ndarray) -> np.ndarray:
    """Columns deduplicated, each scaled by sqrt(its multiplicity): same pairwise distances,
    fewer columns (a broadcast scalar encoding collapses to one column, so distances are exact)."""
    cols, counts = np.unique(x.T, axis=0, return_counts=True)
    return (cols * np.sqrt(counts)[:, None]).T


def min_distance(pe: torch.Tensor | np.ndarray) -> dict[str, Any]:
    """Smallest Euclidean distance between two different positions of PE [N, d].

    Returns value, pair (p, q) with p < q (the first such pair), per_dim = value / sqrt(d) (the
    gap as one scalar dimension would show it) and max_cosine (largest cosine similarity).
    """
    x = _np(pe)
    n, d = x.shape
    if n < 2:
        return _na("needs at least 2 positions")
    u = torch.from_numpy(_weighted_unique_columns(x))
    # few distinct columns: exact differences (near-collisions of 1e-7 survive); many: Gram trick
    mode = "donot_use_mm_for_euclid_dist" if u.shape[1] <= 16 else "use_mm_for_euclid_dist"
    dist = torch.cdist(u[None], u[None], compute_mode=mode)[0]
    dist.fill_diagonal_(float("inf"))
    dist = torch.triu(dist) + torch.tril(torch.full_like(dist, float("inf")))
    value = float(dist.min())
    # report the first pair among ties (sinusoidal: every neighbour pair is at 3.714 up to rounding)
    flat = int(torch.nonzero((dist <= value * (1 + 1e-9) + 1e-300).flatten())[0])
    p, q = divmod(flat, n)
    cos = cosine_similarity(x)
    np.fill_diagonal(cos, -np.inf)
    max_cos = float(np.nanmax(cos)) if np.isfinite(cos).any() else float("nan")
    return {"value": value, "pair": (p, q), "per_dim": value / math.sqrt(d), "max_cosine": max_cos,
            "ok": value > 1e-6 * math.sqrt(d),
            "note": f"closest: positions {p} and {q}, distance {value:.4g}"}


def adjacent_delta(pe: torch.Tensor | np.ndarray,
                   embedding_std: float = DEFAULT_EMBEDDING_STD) -> dict[str, Any]:
    """Distances between neighbours ||PE(p+1) - PE(p)|| over PE [N, d].

    value = smallest neighbour distance (the worst p), max = largest; per_dim_min / per_dim_max =
    those divided by sqrt(d) (RMS step per dimension); relative = per_dim_min / embedding_std,
    the position step against the spread of the token embeddings it is added to. ok when
    relative >= MIN_STEP_TO_STD.
    """
    x = _np(pe)
    n, d = x.shape
    if n < 2:
        return _na("needs at least 2 positions")
    steps = np.linalg.norm(np.diff(x, axis=0), axis=1)
    lo, hi = float(steps.min()), float(steps.max())
    rel = lo / math.sqrt(d) / embedding_std
    return {"value": lo, "max": hi, "per_dim_min": lo / math.sqrt(d), "per_dim_max": hi / math.sqrt(d),
            "relative": rel, "embedding_std": embedding_std, "ok": rel >= MIN_STEP_TO_STD,
            "note": f"step per dimension {lo / math.sqrt(d):.3g}..{hi / math.sqrt(d):.3g} = "
                    f"{rel:.3g} x the token-embedding std {embedding_std:.3g}"}


def shift_residual(pe: torch.Tensor | np.ndarray, offset: int = 1) -> dict[str, Any]:
    """Relative Frobenius residual of the best linear map W: PE(p) W ~ PE(p + offset).

    X = PE[0:N-offset], Y = PE[offset:N]; W by numpy least squares (SVD-based, rank-revealing:
    torch's default CPU driver is not, see ENVIRONMENT.md). Near 0: one fixed matrix moves every
    position by `offset`. When X has full row rank (N - offset <= d) any table fits exactly, so
    the number says nothing; `informative` is False then.
    """
    x = _np(pe)
    n, d = x.shape
    if offset <= 0 or n - offset < 2:
        return _na(f"needs offset >= 1 and more than offset+1 positions (N={n}, offset={offset})")
    X, Y = x[: n - offset], x[offset:]
    y_norm = np.linalg.norm(Y)
    if y_norm == 0:
        return _na("the encoding is all zeros")
    W, _, rank, _ = np.linalg.lstsq(X, Y, rcond=None)
    res = float(np.linalg.norm(X @ W - Y) / y_norm)
    rank = int(rank)
    informative = rank < n - offset
    note = f"best linear map leaves {res:.3g} of PE(p+{offset})"
    if not informative:
        note += f" (uninformative: {n - offset} rows <= rank {rank}; any table fits; raise N)"
    return {"value": res, "ok": res < 1e-6, "informative": informative, "rank": rank, "note": note}


def offset_only(pe: torch.Tensor | np.ndarray) -> dict[str, Any]:
    """Does PE(p).PE(q) depend only on p - q? value = max over offsets k of the spread
    (max - min) of the k-th diagonal of PE PE^T, relative to max |PE PE^T|."""
    x = _np(pe)
    gram = x @ x.T
    scale = float(np.abs(gram).max())
    if scale == 0:
        return _na("the encoding is all zeros")
    n = len(x)
    spread = max(float(np.ptp(np.diagonal(gram, k))) for k in range(n)) / scale if n else 0.0
    return {"value": spread, "ok": spread <= EXACT,
            "note": f"PE(p).PE(p+k) varies with p by {spread:.3g} (relative)"}


# --------------------------------------------------------------------------- RoPE / ALiBi

def rope_features(n_positions: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """RoPE's position signal as a matrix [N, d_model]: [cos(p theta_i) | sin(p theta_i)] for the
    d_model/2 rotation angles. This is what rotates q and k; it is never added to embeddings."""
    ang = rope_angles(n_positions, d_model, base)
    return torch.cat([torch.cos(ang), torch.sin(ang)], dim=1)[:, :d_model]


def rope_scores(n_positions: int, d_head: int, seed: int = 0) -> np.ndarray:
    """Scores q_m . k_n [N, N] of one random q and one random k (seeded, float64), each rotated
    by RoPE at every position: constant along each diagonal (they depend on n - m only)."""
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(1, 1, 1, d_head, generator=gen, dtype=torch.float64).expand(1, 1, n_positions, d_head)
    k = torch.randn(1, 1, 1, d_head, generator=gen, dtype=torch.float64).expand(1, 1, n_positions, d_head)
    return (apply_rope(q) @ apply_rope(k).transpose(-1, -2))[0, 0].numpy()


def rope_score_offset_spread(n_positions: int, d_head: int, seed: int = 0) -> float:
    """max |score(m, n) - score(m + t, n + t)| for random q, k rotated by RoPE (0 = offset only)."""
    scores = rope_scores(n_positions, d_head, seed)
    return max(float(np.ptp(np.diagonal(scores, k_))) for k_ in range(-n_positions + 1, n_positions))


# --------------------------------------------------------------------------- the scorecard

def scorecard(kind: str, n_positions: int, d_model: int, offset: int = 1, *,
              embedding_std: float = DEFAULT_EMBEDDING_STD, n_heads: int = 8,
              **kind_params: Any) -> dict[str, dict[str, Any]]:
    """Measure the deck's requirements for one encoding over positions 0..n_positions-1.

    kind: a name from core.positional.KINDS. kind_params go to `positional_encoding`
    (period, stretch, seed). embedding_std: per-dimension std of the token embeddings the
    encoding is added to (default 0.02, BERT/GPT-2 init). n_heads: for ALiBi's slopes.
    Returns {measure: {"value", "ok", "note", ...}} for the six MEASURES, plus "kind".
    """
    if kind not in KINDS:
        raise ValueError(f"unknown positional encoding {kind!r}; choose one of {KINDS}")
    if n_positions < 2 or d_model < 1 or offset < 1:
        raise ValueError(f"need n_positions >= 2, d_model >= 1, offset >= 1; got "
                         f"{n_positions}, {d_model}, {offset}")
    card: dict[str, Any] = {"kind": kind}
    if kind == "none":
        reason = "no positional encoding: every position looks the same, attention is permutation-equivariant"
        for name in MEASURES:
            card[name] = _na(reason)
        card["min_distance"] = {"value": 0.0, "pair": (0, 1), "per_dim": 0.0, "ok": False,
                                "note": "every position is identical: word order is invisible"}
        return card
    if kind == "alibi":
        slopes = alibi_slopes(n_heads)
        bias = alibi_bias(n_heads, n_positions, n_positions, causal=False)
        lo = float(bias.min())
        card["value_range"] = {"value": (lo, 0.0), "ok": False,
                               "note": f"score bias in [{lo:.4g}, 0]: grows with distance, but it is "
                                       "added to scores (softmax is shift-invariant), not to embeddings"}
        card["length_consistent"] = {"value": 0.0, "ok": True,
                                     "note": "the bias -m|i-j| between two positions ignores N"}
        reason = "ALiBi gives no vector per position; it biases scores by distance"
        card["min_distance"] = _na(reason)
        card["adjacent_delta"] = {"value": float(slopes.min()), "max": float(slopes.max()), "ok": True,
                                  "note": f"each step of distance lowers the score by the head slope "
                                          f"{float(slopes.min()):.3g}..{float(slopes.max()):.3g}"}
        card["shift_residual"] = _na(reason)
        card["offset_only"] = {"value": 0.0, "ok": True,
                               "note": "bias depends on |i - j| only (cannot tell before from after)"}
        return card

    if kind == "rope":
        pe, pe2 = rope_features(n_positions, d_model), rope_features(2 * n_positions, d_model)
        where = " (on the rotation angles cos/sin(p theta_i); RoPE rotates q and k, adds nothing)"
    else:
        pe = positional_encoding(kind, n_positions, d_model, **kind_params)
        pe2 = positional_encoding(kind, 2 * n_positions, d_model, **kind_params)
        where = ""
    card["value_range"] = value_range(pe)
    card["length_consistent"] = length_consistent(pe, pe2)
    card["min_distance"] = min_distance(pe)
    card["adjacent_delta"] = adjacent_delta(pe, embedding_std)
    card["shift_residual"] = shift_residual(pe, offset)
    card["offset_only"] = offset_only(pe)
    if kind == "rope":
        spread = rope_score_offset_spread(min(n_positions, 256), max(2, d_model - d_model % 2))
        card["offset_only"] = {"value": spread, "ok": spread <= 1e-9 * 10,
                               "note": f"q.k score after rotation varies with p by {spread:.3g} at "
                                       "fixed offset: depends on n - m only"}
    if kind == "learned":
        card["length_consistent"]["note"] += ("; a trained table has no row past max_len, so longer "
                                              "sequences are impossible")
    for name in MEASURES:
        if where and card[name].get("value") is not None:
            card[name]["note"] += where
    return card



# --------------------------------------------------------------------------- page helpers

def encoding_view(kind: str, n_positions: int, d_model: int, n_heads: int = 8,
                  **kind_params: Any) -> tuple[np.ndarray, str]:
    """The matrix that best shows where `kind` puts position, and a caption.

    Additive kinds: PE [N, d_model]. rope: its rotation features [N, d_model] (cos | sin of
    p theta_i). alibi: head 0's score bias [N, N] (no per-position vector exists). none: zeros."""
    if kind == "rope":
        return rope_features(n_positions, d_model).numpy(), (
            "RoPE adds nothing to the embeddings: it rotates q and k by p·θᵢ. Shown: cos | sin of "
            "those angles per position.")
    if kind == "alibi":
        bias = alibi_bias(n_heads, n_positions, n_positions, causal=False)[0].numpy()
        return bias, ("ALiBi adds nothing to the embeddings: it adds −m·|i−j| to the attention "
                      f"scores. Shown: head 0's bias (slope {float(alibi_slopes(n_heads)[0]):g}), "
                      "position × position.")
    pe = positional_encoding(kind, n_positions, d_model, **kind_params).double().numpy()
    caption = {"none": "adds nothing: every position looks the same",
               "learned": "shown as initialised, N(0, 0.02): training gives it structure "
                          "(see the trained page)",
               }.get(kind, "position × dimension")
    return pe, caption


def near_level(values: np.ndarray | torch.Tensor, level: float, eps: float) -> np.ndarray:
    """Positions p with |values[p] - level| <= eps (those a 1-D encoding cannot tell apart)."""
    return np.flatnonzero(np.abs(_np(values) - level) <= eps)
