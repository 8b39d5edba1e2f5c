"""The deck's positional-encoding requirements, measured: `scorecard(kind, N, d_model)`.

Each measure is a small pure function of an encoding matrix PE [n_positions, d_model]
(float64), so it can be tested on its own and applied to any table (a trained one too):

- `value_range`:       (min, max) of all entries; ok when every |value| <= 1 (deck: bounded).
- `scale`:             RMS of PE per dimension in units of the token-embedding std sigma
                       (information, no pass/fail), also against sigma * sqrt(d_model).
- `length_consistent`: PE(p) is the same whether the sequence has N or 2N positions.
- `min_distance`:      smallest ||PE(p) - PE(q)|| over p != q < N, and the pair (p, q); ok when
                       it is at least MIN_STEP_TO_STD sigma per dimension.
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
from core.labs.deck_quotes import deck_quote
from core.positional import KINDS, alibi_bias, alibi_slopes, apply_rope, positional_encoding, rope_angles

#: Per-dimension std of token embeddings when none is given: BERT's and GPT-2's
#: initialisation N(0, 0.02) (CONCEPTS.md section 6). MiniLM's trained table measures 0.0553.
DEFAULT_EMBEDDING_STD = 0.02
#: Thresholds in sigma units (sigma = per-dimension std of the token embeddings): two positions
#: count as distinct, and one step as visible, when they differ by at least this many sigma
#: per dimension (RMS). Below it "semantic values overshadow positional values" (the deck).
MIN_STEP_TO_STD = 0.1
#: tolerance for "exactly" (length consistency, offset-only)
EXACT = 1e-9
#: a best linear shift map "works" when it leaves less than this fraction of PE(p+k)
SHIFT_TOLERANCE = 1e-6

MEASURES: dict[str, dict[str, str]] = {
    "value_range": {
        "requirement": "bounded (|value| ≤ 1)",
        "deck": deck_quote("each value in each dimension of the semantic vector should be between 0 and 1"),
        "comment": "The deck asks for [0, 1]. Sin/cos lives in [−1, 1], and that is fine: what "
                   "matters is a fixed bound of the same order as the token embeddings (see the "
                   "scale row), not the sign. ✓ here means |value| ≤ 1 everywhere.",
    },
    "scale": {
        "requirement": "scale against the words (RMS / σ)",
        "deck": deck_quote("positional similarity doesn’t have a much larger effect on the final value "
                           "than semantic similarity"),
        "comment": "RMS of PE per dimension divided by σ, the per-dimension spread of the token "
                   "embeddings it is added to; in brackets the same against σ·√d_model, the "
                   "paper's embedding scaling (AIAYN multiplies embeddings by √d_model). A number "
                   "to read, not a pass/fail.",
    },
    "length_consistent": {
        "requirement": "same identifier whatever the length",
        "deck": deck_quote("Every position should have the same identifier irrespective of the sequence "
                           "length or what the input is"),
    },
    "min_distance": {
        "requirement": f"unique positions (≥ {MIN_STEP_TO_STD:g}σ apart)",
        "deck": deck_quote("The periodicity of sin and cos would lead to multiple indices receiving the "
                           "same positional value"),
        "comment": f"✓ when every two positions differ by at least {MIN_STEP_TO_STD:g}σ per "
                   "dimension (RMS): closer than that, the word embeddings drown the difference.",
    },
    "adjacent_delta": {
        "requirement": f"neighbours distinguishable (step ≥ {MIN_STEP_TO_STD:g}σ)",
        "deck": deck_quote("The positional embedding value deltas between each position would be too "
                           "small and the semantic values would overshadow the positional values"),
        "comment": f"✓ when one step of position moves each dimension by at least {MIN_STEP_TO_STD:g}σ "
                   "(RMS).",
    },
    "shift_residual": {
        "requirement": "relative offsets are linear",
        "deck": deck_quote("The AIAYN paper’s choice of positional embedding is best understood if you "
                           "have knowledge of what? … Fourier Analysis"),
        "comment": "Our reading of the Fourier card: shifting a position rotates each sin/cos pair, "
                   "one fixed linear map for every p. ✓ when the best linear map leaves less than "
                   f"{SHIFT_TOLERANCE:g} of PE(p+1); 'uninformative' when N − 1 ≤ d, since then any "
                   "table fits exactly.",
    },
    "offset_only": {
        "requirement": "similarity depends on distance only",
        "deck": deck_quote("Since sigmoids are asymptomatic, large input values will have very similar "
                           "output values so sigmoids would not be good for large sequences"),
        "comment": "(“Asymptomatic” on the card means asymptotic.) Our measure: PE(p)·PE(p+k) is "
                   "the same wherever p is.",
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


def min_distance(pe: torch.Tensor | np.ndarray,
                 embedding_std: float = DEFAULT_EMBEDDING_STD) -> dict[str, Any]:
    """Smallest Euclidean distance between two different positions of PE [N, d].

    Returns value, pair (p, q) with p < q (the first such pair), per_dim = value / sqrt(d) (the
    gap as one scalar dimension would show it), relative = per_dim / embedding_std (in sigma
    units) and max_cosine (largest cosine similarity). ok when relative >= MIN_STEP_TO_STD.
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
    rel = value / math.sqrt(d) / embedding_std
    return {"value": value, "pair": (p, q), "per_dim": value / math.sqrt(d), "max_cosine": max_cos,
            "relative": rel, "embedding_std": embedding_std, "ok": rel >= MIN_STEP_TO_STD,
            "note": f"closest: positions {p} and {q}, distance {value:.4g} = {rel:.3g}σ per dimension "
                    f"(σ = {embedding_std:.3g}; ✓ needs ≥ {MIN_STEP_TO_STD:g}σ)"}


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
            "note": f"step per dimension {lo / math.sqrt(d):.3g}..{hi / math.sqrt(d):.3g}; the "
                    f"smallest is {rel:.3g}σ (σ = {embedding_std:.3g}; ✓ needs ≥ {MIN_STEP_TO_STD:g}σ)"}


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
    return {"value": res, "ok": res < SHIFT_TOLERANCE if informative else None,
            "informative": informative, "rank": rank, "note": note}


def scale(pe: torch.Tensor | np.ndarray, embedding_std: float = DEFAULT_EMBEDDING_STD) -> dict[str, Any]:
    """RMS of PE [N, d] per dimension against the token-embedding spread sigma: value = RMS / sigma;
    scaled = RMS / (sigma * sqrt(d)), against embeddings multiplied by sqrt(d_model) as in AIAYN.
    Information, not pass/fail: ok is None and info is True."""
    x = _np(pe)
    rms = float(np.sqrt(np.mean(x ** 2)))
    d = x.shape[1]
    rel, scaled = rms / embedding_std, rms / (embedding_std * math.sqrt(d))
    return {"value": rel, "rms": rms, "scaled": scaled, "embedding_std": embedding_std, "ok": None,
            "info": True, "note": f"RMS {rms:.3g} = {rel:.3g}σ of the token embeddings; {scaled:.3g}× "
                                  f"the embeddings scaled by √d_model = {math.sqrt(d):.3g}"}


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
    (period, stretch, seed). embedding_std: per-dimension std (sigma) of the token embeddings
    the encoding is added to (default 0.02, BERT/GPT-2 init); thresholds are in sigma units.
    n_heads: for ALiBi's slopes.
    Returns {measure: {"value", "ok", "note", ...}} for every MEASURES entry, plus "kind".
    """
    if kind not in KINDS:
        raise ValueError(f"unknown positional encoding {kind!r}; choose one of {KINDS}")
    if n_positions < 2 or d_model < 1 or offset < 1:
        raise ValueError(f"need n_positions >= 2, d_model >= 1, offset >= 1; got "
                         f"{n_positions}, {d_model}, {offset}")
    if kind == "none":
        return {"kind": kind, **_none_card()}
    if kind == "alibi":
        return {"kind": kind, **_alibi_card(n_positions, n_heads)}
    return {"kind": kind, **_vector_card(kind, n_positions, d_model, offset, embedding_std, kind_params)}


def _none_card() -> dict[str, dict[str, Any]]:
    """No positional encoding: nothing to measure, and every position is the same."""
    reason = "no positional encoding: every position looks the same, attention is permutation-equivariant"
    card = {name: _na(reason) for name in MEASURES}
    card["min_distance"] = {"value": 0.0, "pair": (0, 1), "per_dim": 0.0, "relative": 0.0, "ok": False,
                            "note": "every position is identical: word order is invisible"}
    return card


def _alibi_card(n_positions: int, n_heads: int) -> dict[str, dict[str, Any]]:
    """ALiBi biases scores by distance; there is no vector per position to measure."""
    slopes = alibi_slopes(n_heads)
    lo = float(alibi_bias(n_heads, n_positions, n_positions, causal=False).min())
    reason = "ALiBi gives no vector per position; it biases scores by distance"
    return {
        "value_range": {"value": (lo, 0.0), "ok": False,
                        "note": f"score bias in [{lo:.4g}, 0]: grows with distance, but it is "
                                "added to scores (softmax is shift-invariant), not to embeddings"},
        "scale": _na(reason),
        "length_consistent": {"value": 0.0, "ok": True,
                              "note": "the bias -m|i-j| between two positions ignores N"},
        "min_distance": _na(reason),
        "adjacent_delta": {"value": float(slopes.min()), "max": float(slopes.max()), "ok": True,
                           "note": f"each step of distance lowers the score by the head slope "
                                   f"{float(slopes.min()):.3g}..{float(slopes.max()):.3g}"},
        "shift_residual": _na(reason),
        "offset_only": {"value": 0.0, "ok": True,
                        "note": "bias depends on |i - j| only (cannot tell before from after)"},
    }


def _vector_card(kind: str, n_positions: int, d_model: int, offset: int, embedding_std: float,
                 kind_params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every measure on the table PE [N, d] of an additive kind (RoPE: its rotation features)."""
    if kind == "rope":
        pe, pe2 = rope_features(n_positions, d_model), rope_features(2 * n_positions, d_model)
    else:
        pe = positional_encoding(kind, n_positions, d_model, **kind_params)
        pe2 = positional_encoding(kind, 2 * n_positions, d_model, **kind_params)
    card = {"value_range": value_range(pe), "scale": scale(pe, embedding_std),
            "length_consistent": length_consistent(pe, pe2),
            "min_distance": min_distance(pe, embedding_std),
            "adjacent_delta": adjacent_delta(pe, embedding_std),
            "shift_residual": shift_residual(pe, offset), "offset_only": offset_only(pe)}
    if kind == "rope":
        spread = rope_score_offset_spread(min(n_positions, 256), max(2, d_model - d_model % 2))
        card["offset_only"] = {"value": spread, "ok": spread <= 1e-9 * 10,
                               "note": f"q.k score after rotation varies with p by {spread:.3g} at "
                                       "fixed offset: depends on n - m only"}
        card["scale"] = _na("RoPE adds nothing to the embeddings")
        where = " (on the rotation angles cos/sin(p theta_i); RoPE rotates q and k, adds nothing)"
        for entry in card.values():
            if entry.get("value") is not None:
                entry["note"] += where
    if kind == "learned":
        card["length_consistent"]["note"] += ("; a trained table has no row past max_len, so longer "
                                              "sequences are impossible")
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
