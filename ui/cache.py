"""Cached access to models (one per process) and captures (per model + text), shared by sessions.

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

import os
import threading
import weakref
from collections import OrderedDict

import streamlit as st

from core.capture import Capture, CaptureTooLarge, release_freed_memory, reuse_freed_memory

BUDGET_BYTES = int(float(os.environ.get("ATTENTION_LAB_CAPTURE_CACHE_MB", "3000")) * 1e6)
FULL_CAPTURE_BYTES = int(float(os.environ.get("ATTENTION_LAB_FULL_CAPTURE_MB", "800")) * 1e6)


@st.cache_resource(show_spinner=False, max_entries=4)
def get_model(name: str, _progress=None):
    """The loaded model `name` (core.load_model), shared by every session."""
    from core import load_model

    return load_model(name, progress=_progress) if _progress else load_model(name)


class CaptureCache:
    """A thread-safe LRU of captures bounded by their total size in bytes."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
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
        with self._lock:
            self._items[key] = cap
            self._keys[id(cap)] = key
            self._items.move_to_end(key)
            evicted = False
            while len(self._items) > 1 and self.nbytes > self.budget:
                _, old = self._items.popitem(last=False)
                self._keys.pop(id(old), None)
                evicted = True
        if evicted:  # freed captures go back to the OS (the allocator keeps small frees for reuse)
            del old
            release_freed_memory()

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
