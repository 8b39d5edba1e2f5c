"""What attention costs: AIAYN Table 1 as data, its operation counts, measured wall times on this
machine, and the "who talks to whom in one layer" graphs behind the path-length column.

The theoretical counts cross at n = d (n^2 d = n d^2). Measured times cross later on a CPU: a
recurrent layer runs n dependent steps, each a small [1, d] x [d, d] product that pays a fixed
per-step cost and cannot use the hardware's parallelism, while attention is a few large matrix
products. `measure_costs` returns the numbers; it never decides what they should be.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence

import numpy as np
import torch

from core import rng

TABLE_1_CAPTION = (
    "Maximum path lengths, per-layer complexity and minimum number of sequential operations for "
    "different layer types. n is the sequence length, d is the representation dimension, k is the "
    "kernel size of convolutions and r the size of the neighborhood in restricted self-attention."
)
TABLE_1: list[dict[str, str]] = [  # Vaswani et al. 2017, Table 1, verbatim
    {"layer": "Self-Attention", "complexity": "O(n²·d)", "sequential": "O(1)", "path": "O(1)"},
    {"layer": "Recurrent", "complexity": "O(n·d²)", "sequential": "O(n)", "path": "O(n)"},
    {"layer": "Convolutional", "complexity": "O(k·n·d²)", "sequential": "O(1)", "path": "O(log_k(n))"},
    {"layer": "Self-Attention (restricted)", "complexity": "O(r·n·d)", "sequential": "O(1)",
     "path": "O(n/r)"},
]
LAYERS = ("self-attention", "recurrent (RNN)", "recurrent (LSTM)", "convolution")


def op_counts(n: Sequence[int] | np.ndarray, d: int, k: int = 3, r: int = 32) -> dict[str, np.ndarray]:
    """Table 1's per-layer operation counts for sequence lengths n [m]: arrays [m] under
    'self-attention' n^2 d, 'recurrent' n d^2, 'convolution' k n d^2, 'restricted self-attention'
    r n d (r capped at n: a neighbourhood cannot exceed the sequence)."""
    n = np.asarray(n, dtype=np.float64)
    return {"self-attention": n ** 2 * d, "recurrent": n * d ** 2, "convolution": k * n * d ** 2,
            "restricted self-attention": np.minimum(r, n) * n * d}


def theoretical_crossover(d: int) -> float:
    """n at which n^2 d = n d^2, i.e. n = d: self-attention is cheaper exactly when n < d."""
    return float(d)


def sequential_steps(n: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]:
    """Minimum number of sequential operations per layer [m]: n for recurrence, 1 otherwise."""
    n = np.asarray(n, dtype=np.float64)
    one = np.ones_like(n)
    return {"self-attention": one, "recurrent": n, "convolution": one, "restricted self-attention": one}


# --------------------------------------------------------------------------- measured timings

def _layer_fns(d: int, n: int, k: int, seed: int) -> dict[str, Callable[[], object]]:
    """One forward pass of each layer type on one sequence x [1, n, d] (no autograd)."""
    gen = torch.Generator().manual_seed(seed + n)
    x = torch.randn(1, n, d, generator=gen)
    q = torch.randn(1, n, d, generator=gen)
    v = torch.randn(1, n, d, generator=gen)
    with rng.seeded(seed):  # only the constructors draw from the global RNG: hold its lock briefly
        rnn = torch.nn.RNN(d, d, batch_first=True)
        lstm = torch.nn.LSTM(d, d, batch_first=True)
        conv = torch.nn.Conv1d(d, d, k, padding=k // 2)
    scale = 1.0 / math.sqrt(d)
    xt = x.transpose(1, 2).contiguous()
    return {
        # weights = softmax(q k^T / sqrt(d)); vectors = weights v: the n^2 d part of the layer
        "self-attention": lambda: torch.softmax((q @ x.transpose(1, 2)) * scale, -1) @ v,
        # n dependent steps h_t = tanh(W_ih x_t + W_hh h_{t-1}) (PyTorch steps them in C++)
        "recurrent (RNN)": lambda: rnn(x),
        "recurrent (LSTM)": lambda: lstm(x),
        "convolution": lambda: conv(xt),
    }


def _best_time(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up (allocations, kernel choice)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure_costs(ns: Sequence[int], d: int, *, k: int = 3, repeats: int = 3,
                  layers: Sequence[str] = LAYERS, threads: int = 1, seed: int = 0,
                  progress: Callable[[int, int], None] | None = None) -> dict[str, np.ndarray]:
    """Wall time (seconds, best of `repeats` after a warm-up) of one forward pass of each layer
    on one sequence of n tokens, width d, for every n in ns.

    Returns {'n': [m], layer: [m] seconds for each requested layer}. Layers (LAYERS):
    self-attention = softmax(Q K^T / sqrt d) V given Q, K, V [n, d] (the n^2 d core; no
    projections); recurrent (RNN) / (LSTM) = torch.nn.RNN / LSTM stepped over the n tokens;
    convolution = Conv1d(d, d, k). torch runs on `threads` intra-op threads in this thread
    (restored after; other threads keep theirs); 1 keeps numbers comparable on a busy machine.
    `progress(done, total)` is called after each length. No process-wide lock is held while
    timing (only while the layers are built). Pure apart from the clock: same arguments, same
    table shape, so callers may cache it.
    """
    unknown = [name for name in layers if name not in LAYERS]
    if unknown:
        raise ValueError(f"unknown layers {unknown}; choose from {LAYERS}")
    if d < 1 or any(int(n) < 1 for n in ns):
        raise ValueError("d and every n must be >= 1")
    out = {name: np.zeros(len(ns)) for name in layers}
    with rng.threads(threads), torch.no_grad():
        for i, n in enumerate(ns):
            fns = _layer_fns(d, int(n), k, seed)
            for name in layers:
                out[name][i] = _best_time(fns[name], repeats)
            if progress is not None:
                progress(i + 1, len(ns))
    return {"n": np.asarray(ns, dtype=np.int64), **out}


def measured_crossover(ns: Sequence[int] | np.ndarray, attention_s: Sequence[float] | np.ndarray,
                       recurrent_s: Sequence[float] | np.ndarray) -> float | None:
    """The first n where self-attention becomes slower than recurrence, interpolated on log-log
    axes between the two measured lengths around it. None if attention stays faster over the
    whole range; ns[0] if it is already slower at the shortest length."""
    n = np.asarray(ns, dtype=np.float64)
    ratio = np.log(np.asarray(attention_s, dtype=np.float64) / np.asarray(recurrent_s, dtype=np.float64))
    above = np.nonzero(ratio >= 0)[0]
    if len(above) == 0:
        return None
    i = int(above[0])
    if i == 0:
        return float(n[0])
    r0, r1 = ratio[i - 1], ratio[i]
    frac = r0 / (r0 - r1)
    return float(np.exp(np.log(n[i - 1]) + frac * (np.log(n[i]) - np.log(n[i - 1]))))


# --------------------------------------------------------------------------- path lengths

GRAPHS = ("chain", "window", "complete", "band")
GRAPH_LAYER = {"chain": "recurrent", "window": "convolution", "complete": "self-attention",
               "band": "restricted self-attention"}


def connectivity(kind: str, n: int, width: int = 3) -> np.ndarray:
    """Who talks to whom in one layer: bool adjacency [n, n], True where positions i and j are
    joined directly (no self-loops).

    chain: recurrence, i -- i+1 (one time step); window: a convolution of kernel size `width`,
    |i - j| <= width // 2; complete: self-attention, every pair; band: restricted self-attention
    with a neighbourhood of `width` positions, |i - j| <= width // 2.
    """
    if kind not in GRAPHS:
        raise ValueError(f"kind={kind!r} is not one of {GRAPHS}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    gap = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    if kind == "chain":
        return gap == 1
    if kind == "complete":
        return gap > 0
    if width < 2:
        raise ValueError(f"a {kind} needs width >= 2 to join anything, got {width}")
    return (gap > 0) & (gap <= width // 2)


def max_path_length(adjacency: np.ndarray) -> int:
    """The graph's diameter: the most hops any pair of positions needs (breadth-first search).
    Raises ValueError when some pair is not connected at all."""
    n = adjacency.shape[0]
    neighbours = [np.nonzero(row)[0] for row in adjacency]
    worst = 0
    for start in range(n):
        dist = np.full(n, -1)
        dist[start] = 0
        todo = deque([start])
        while todo:
            i = todo.popleft()
            for j in neighbours[i]:
                if dist[j] < 0:
                    dist[j] = dist[i] + 1
                    todo.append(j)
        if (dist < 0).any():
            raise ValueError("the graph is not connected")
        worst = max(worst, int(dist.max()))
    return worst


def path_lengths(n: Sequence[int] | np.ndarray, k: int = 3, r: int = 32) -> dict[str, np.ndarray]:
    """Table 1's maximum path lengths, evaluated (not rounded) for lengths n [m]: 'self-attention'
    1, 'recurrent' n, 'convolution (contiguous)' n / k (a stack of O(n/k) layers),
    'convolution (dilated)' log_k n, 'restricted self-attention' n / r (at least 1)."""
    n = np.asarray(n, dtype=np.float64)
    return {"self-attention": np.ones_like(n), "recurrent": n, "convolution (contiguous)": n / k,
            "convolution (dilated)": np.log(n) / math.log(k),
            "restricted self-attention": np.maximum(n / r, 1.0)}


__all__ = ["GRAPHS", "GRAPH_LAYER", "LAYERS", "TABLE_1", "TABLE_1_CAPTION", "connectivity",
           "max_path_length", "measure_costs", "measured_crossover", "op_counts", "path_lengths",
           "sequential_steps", "theoretical_crossover"]
