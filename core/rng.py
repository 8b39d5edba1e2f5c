"""Process-wide torch state (the global RNG, the thread count) changed without disturbing anyone.

A Streamlit server runs every session in one Python process, so `torch.manual_seed` on the
global generator would reset every other session's randomness. Code that must seed the
global generator (module constructors draw their initial weights from it and take no
`generator=`) does so inside `seeded(seed)`: the global state is forked and restored on exit,
and a module-level lock keeps two threads from interleaving inside the forked region (each
would otherwise draw from, and then restore over, the other's state). Where an explicit
`torch.Generator` can be passed, pass one instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch

_GLOBAL_RNG_LOCK = threading.Lock()


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the block with the global (CPU) torch RNG seeded to `seed`; restore it after.

    Draws inside the block are exactly those after `torch.manual_seed(seed)`. Keep the block
    short (model construction, not training): other seeded blocks wait for it. Not re-entrant.
    """
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


_THREADS_LOCK = threading.RLock()


@contextmanager
def threads(n: int) -> Iterator[None]:
    """Run the block with torch's intra-op thread count set to `n`, restored after.

    The count is process-wide: blocks that change it take turns (a lock), so two sessions
    cannot save and restore over each other and leave the server on the wrong count."""
    with _THREADS_LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(int(n))
        try:
            yield
        finally:
            torch.set_num_threads(before)
