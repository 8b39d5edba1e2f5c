"""Cached access to models (one per process) and captures (per model + text), shared by sessions.

Captures are kept as objects (no pickling on every rerun) in an LRU with a byte budget: a
512-token MiniLM capture is ~180 MB and a SmolLM2 one ~0.7 GB, so a count limit alone could
exhaust memory. Set ATTENTION_LAB_CAPTURE_CACHE_MB to change the budget (default 3000).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import threading
import weakref
from collections import OrderedDict

import streamlit as st

from core.capture import Capture

BUDGET_BYTES = int(float(os.environ.get("ATTENTION_LAB_CAPTURE_CACHE_MB", "3000")) * 1e6)


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
    return CaptureCache(BUDGET_BYTES)


def get_capture(name: str, text: str, pair: str | None = None, target: str | None = None,
                grads: bool = False) -> Capture:
    """Model.capture(text, ...) for a model name, computed once and shared while it fits the budget.
    Treat the result as read-only: other sessions see the same object."""
    cache = capture_cache()
    key = (name, text, pair, target, grads)
    cap = cache.get(key)
    if cap is None:
        cap = get_model(name).capture(text, pair=pair, target=target, grads=grads)
        cache.put(key, cap)
    return cap


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
