"""Cached access to models (one per process), captures (per model + text) and the labs'
computations, shared by sessions: pages get every cached value from here.

Captures are kept as objects (no pickling on every rerun) in an LRU with a byte budget: a
512-token MiniLM capture is ~180 MB and a SmolLM2 one ~0.7 GB, so a count limit alone could
exhaust memory. Set ATTENTION_LAB_CAPTURE_CACHE_MB to change the budget (default 3000).

Capture by need, with a memory guard: a page asks for the names it draws (the overview only
`*.weights`). Before the model runs, the capture's size is estimated (core.capture.estimate_nbytes);
while everything fits ATTENTION_LAB_FULL_CAPTURE_MB (default 800) everything is captured once, so
every page and every layer change reuses it; past that only the names the page draws are captured
(meta["names"] says which, and the page says so); past the cache budget nothing runs and the
page explains why.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import threading
import weakref
from collections import OrderedDict

import numpy as np
import streamlit as st

from core.capture import Capture, CaptureTooLarge, reuse_freed_memory

BUDGET_BYTES = int(float(os.environ.get("ATTENTION_LAB_CAPTURE_CACHE_MB", "3000")) * 1e6)
FULL_CAPTURE_BYTES = int(float(os.environ.get("ATTENTION_LAB_FULL_CAPTURE_MB", "800")) * 1e6)


@st.cache_resource(show_spinner=False, max_entries=4)
def get_model(name: str, _progress=None):
    """The loaded model `name` (core.load_model), shared by every session. Custom names follow
    the server's policy (ui/policy.py): off on a shared server, folders inside the allowed roots."""
    from core.load import AVAILABLE, ModelNotFoundError, load_model
    from ui import policy

    refused = policy.refusal(name, list(AVAILABLE))
    if refused:
        raise ModelNotFoundError(refused)
    roots = None if name in AVAILABLE else policy.allowed_roots()
    return load_model(name, progress=_progress, allowed_roots=roots)


class CaptureCache:
    """A thread-safe LRU of captures bounded by their total size in bytes."""

    def __init__(self, budget_bytes: int, trim: bool = True) -> None:
        self.budget, self.trim = budget_bytes, trim
        self._items: OrderedDict[tuple, Capture] = OrderedDict()
        self._keys: dict[int, tuple] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> Capture | None:
        with self._lock:
            cap = self._items.get(key)
            if cap is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return cap

    def put(self, key: tuple, cap: Capture) -> None:
        evicted = []
        with self._lock:
            self._items[key] = cap
            self._keys[id(cap)] = key
            self._items.move_to_end(key)
            while len(self._items) > 1 and self.nbytes > self.budget:
                _, old = self._items.popitem(last=False)
                self._keys.pop(id(old), None)
                evicted.append(old)
        if evicted:
            del evicted, old  # the last references here: their tensors are freed now
            if self.trim:
                release_memory()

    def key_of(self, cap: Capture) -> tuple | None:
        """The key a cached capture was stored under (None if it is not, or no longer, here)."""
        with self._lock:
            key = self._keys.get(id(cap))
            return key if key is not None and self._items.get(key) is cap else None

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes + sum(g.numel() * g.element_size() for g in c.grads.values())
                   for c in self._items.values())

    def __len__(self) -> int:
        return len(self._items)


def release_memory() -> bool:
    """Give freed heap memory back to the operating system (glibc's malloc_trim).

    Freed capture tensors otherwise stay in the allocator's arenas: the process grew from 395 to
    1,057 MB over 200 sentences under a 300 MB budget. Returns False where there is no glibc."""
    trim = _malloc_trim()
    return bool(trim and trim(0))


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl)
        return None


@st.cache_resource(show_spinner=False)
def capture_cache() -> CaptureCache:
    reuse_freed_memory()  # captures reuse freed pages instead of page-faulting fresh ones
    return CaptureCache(BUDGET_BYTES)


def get_capture(name: str, text: str, pair: str | None = None, target: str | None = None,
                grads: bool = False, names: tuple[str, ...] | None = None) -> Capture:
    """Model.capture(text, ...) for a model name, computed once and shared while it fits the budget.

    names: the names (or glob patterns) the page draws; None = everything. A cached full capture
    serves every request; otherwise everything is captured while it fits FULL_CAPTURE_BYTES, and
    only `names` past that. Raises CaptureTooLarge (a ValueError, with a message for the page)
    when even `names` would exceed the cache budget. Treat the result as read-only: other
    sessions see the same object."""
    cache = capture_cache()
    names = None if names is None else tuple(names)
    full_key = (name, text, pair, target, grads, None)
    cap = cache.get(full_key)
    if cap is None and names is not None:
        cap = cache.get((name, text, pair, target, grads, names))
    if cap is not None:
        return cap
    model = get_model(name)
    try:
        cap = model.capture(text, pair=pair, target=target, grads=grads,
                            max_bytes=FULL_CAPTURE_BYTES if names is not None else cache.budget)
        cache.put(full_key, cap)
        return cap
    except CaptureTooLarge:
        if names is None:
            raise
    cap = model.capture(text, pair=pair, target=target, grads=grads, names=list(names),
                        max_bytes=cache.budget)
    cache.put((name, text, pair, target, grads, names), cap)
    return cap


def full_capture_fits(name: str, text: str, pair: str | None = None) -> bool:
    """True when a capture of every name of `text` fits FULL_CAPTURE_BYTES (estimated, nothing runs)."""
    try:
        model = get_model(name)
        return model.estimate_nbytes(model.n_tokens(text, pair)) <= FULL_CAPTURE_BYTES
    except Exception:  # a model that does not load or a bad text: the capture shows the message
        return True


def identity(cap: Capture):
    """What a capture was made from: its cache key, or (not in the cache: evicted, or made for one
    layer) its model, tokens, names and a checksum of its first tensor. Never id(cap): Python
    reuses the id of a freed capture, and a browser holding the old one's figures would keep
    showing them for the new sentence."""
    key = capture_cache().key_of(cap)
    if key is not None:
        return key
    first = next(iter(cap), None)
    checksum = float(cap[first].double().sum()) if first is not None else 0.0
    return (cap.meta.get("model"), tuple(cap.tokens), tuple(cap.target_tokens or ()), tuple(sorted(cap)),
            checksum)


def refetcher(cap: Capture):
    """A callable that returns `cap` again later without keeping it alive: Streamlit holds
    deferred download callables for as long as a session is open, so a closure over the
    capture itself would pin hundreds of MB per session past the cache budget."""
    key = capture_cache().key_of(cap)
    if key is not None:
        return lambda: get_capture(*key)
    ref = weakref.ref(cap) if _weakrefable(cap) else None

    def fetch() -> Capture:
        found = ref() if ref is not None else None
        if found is None:
            raise RuntimeError("this capture is no longer in memory: rerun the page and export again")
        return found

    return fetch


def _weakrefable(obj) -> bool:
    try:
        weakref.ref(obj)
        return True
    except TypeError:
        return False


# --------------------------------------------------------------------------- lab computations
# The labs' pure computations, cached for every session (same arguments, same result). Pages call
# these instead of wrapping core.labs functions themselves.

@st.cache_data(show_spinner="Timing the layers on this machine…", max_entries=16)
def cost_timings(d: int, max_n: int) -> dict:
    """core.labs.costs.measure_costs at 9 lengths from 8 to max_n (geometric), width d."""
    from core.labs import costs

    ns = [int(n) for n in np.unique(np.geomspace(8, max_n, 9).astype(int))]
    return costs.measure_costs(ns, d, repeats=3)


@st.cache_data(show_spinner="Differentiating through time…", max_entries=32)
def gradient_curves(length: int, radius: float, activation: str, forget_bias: float, hidden: int) -> dict:
    """Gradient norm by distance for every network of core.labs.gradients, Pascanu's bound and
    the LSTM cell path: {'curves': {network: [length]}, 'bound': dict, 'cell': [length]}."""
    from core.labs import gradients as cg

    out = {k: cg.gradient_by_distance(k, length, hidden, spectral_radius=radius, activation=activation,
                                      forget_bias=forget_bias) for k in cg.NETWORKS}
    bound = cg.pascanu_bound(length, hidden, radius, activation)
    cell = cg.lstm_cell_path(length, hidden, spectral_radius=radius, forget_bias=forget_bias)["norm"]
    return {"curves": out, "bound": bound, "cell": cell}


@st.cache_data(show_spinner="Training four toy transformers (10–20 s on a laptop)…")
def live_histories() -> dict:
    """The training-dynamics run of every variant, trained now (SNAPSHOT_RUN settings)."""
    from core.labs.training_dynamics import SNAPSHOT_RUN, all_variant_histories

    return all_variant_histories(**SNAPSHOT_RUN)


@st.cache_data(show_spinner=False)
def shipped_histories() -> dict:
    """The same run, read from the shipped snapshot file."""
    from core.labs.training_dynamics import SNAPSHOT_PATH, load_histories

    return load_histories(SNAPSHOT_PATH)[0]


@st.cache_data(show_spinner="Sampling random queries and keys…")
def dot_product_variances(n_samples: int) -> dict:
    """Var(q·k) unscaled and scaled by 1/sqrt(d_k) for d_k in 4..512: arrays under 'd_k',
    'unscaled', 'scaled', 'rel_se'."""
    from core.labs import softmax as sm

    dks = np.array([4, 16, 64, 256, 512])
    var = [sm.dot_product_variance(int(k), n_samples=n_samples) for k in dks]
    return {"d_k": dks, **{k: np.array([v[k] for v in var]) for k in ("unscaled", "scaled", "rel_se")}}


@st.cache_data(show_spinner="Sampling random queries and keys…", max_entries=32)
def saturation(d_k: int, n_keys: int) -> dict:
    """core.labs.softmax.saturation_stats over 5000 trials."""
    from core.labs import softmax as sm

    return sm.saturation_stats(d_k, n_keys, trials=5000)


@st.cache_data(show_spinner=False)
def scorecard(kind: str, n_positions: int, d_model: int, **kwargs) -> dict:
    """core.labs.positional_scorecard.scorecard."""
    from core.labs.positional_scorecard import scorecard

    return scorecard(kind, n_positions, d_model, **kwargs)


@st.cache_data(show_spinner=False)
def encoding_view(kind: str, n_positions: int, d_model: int) -> tuple:
    """core.labs.positional_scorecard.encoding_view: (matrix, caption)."""
    from core.labs.positional_scorecard import encoding_view

    return encoding_view(kind, n_positions, d_model)


@st.cache_data(show_spinner=False)
def token_embedding_std() -> tuple[float, str]:
    """(σ of token embeddings, where it comes from): core.labs.reference_embeddings."""
    from core.labs.reference_embeddings import token_embedding_std

    return token_embedding_std()


@st.cache_resource(show_spinner=False)
def trained_positional(kind: str) -> tuple:
    """(shipped toy-task model, its record) for one encoding: core.labs.toy_task.load_trained."""
    from core.labs.toy_task import load_trained

    return load_trained(kind)


@st.cache_data(show_spinner=False)
def trained_layer0(kind: str) -> np.ndarray:
    """Layer-0 weights [heads, n, n] of the shipped model for `kind` on a held-out sequence."""
    from core.labs.toy_task import layer0_weights

    return layer0_weights(trained_positional(kind)[0])


@st.cache_data(show_spinner=False)
def learned_tables() -> dict[str, np.ndarray]:
    """Position tables to compare with the trained learned table (core.labs.toy_task)."""
    from core.labs.toy_task import position_tables

    return position_tables(trained_positional("learned")[0])


@st.cache_data(show_spinner=False)
def order_matters(kind: str, sentence_a: str, sentence_b: str):
    """core.labs.order.order_matters (ValueError for sentences that are not reorderings)."""
    from core.labs.order import order_matters

    return order_matters(kind, sentence_a, sentence_b)


@st.cache_data(show_spinner=False)
def rope_scores(n_positions: int, d_head: int) -> np.ndarray:
    """core.labs.positional_scorecard.rope_scores: [n, n] scores of one fixed q and k."""
    from core.labs.positional_scorecard import rope_scores

    return rope_scores(n_positions, d_head)


@st.cache_data(show_spinner=False)
def rope_score_offset_spread(n_positions: int, d_head: int) -> float:
    """How far RoPE's scores vary along a diagonal (rounding only)."""
    from core.labs.positional_scorecard import rope_score_offset_spread

    return rope_score_offset_spread(n_positions, d_head)
