"""Process-wide torch state (the global RNG, the thread count) changed without disturbing anyone.

A Streamlit server runs every session in one Python process, so `torch.manual_seed` on the
global generator would reset every other session's randomness. Code that must seed the
global generator (module constructors draw their initial weights from it and take no
`generator=`) does so inside `seeded(seed)`: the global state is forked and restored on exit,
and a module-level lock keeps two threads from interleaving inside the forked region (each
would otherwise draw from, and then restore over, the other's state). That lock is shared by
every session, so a `seeded` block holds only module construction; training, timing loops
and sweeps run after it, drawing from an explicit `torch.Generator` where they need one.

The intra-op thread count needs no lock: torch keeps it per OS thread (OpenMP's and MKL's
per-thread setting), so `threads(n)` changes only the calling thread and never waits for, nor
slows, another session.
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
    short (module construction, not training): other seeded blocks wait for it. Not re-entrant.
    """
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


_OPEN_LOCK = threading.Lock()  # guards the two counters below; held for microseconds
_open_blocks = 0
_process_default = 0


@contextmanager
def threads(n: int) -> Iterator[None]:
    """Run the block with torch's intra-op thread count set to `n` in this thread, restored after.

    torch.set_num_threads sets the calling thread's count, and also the default that threads
    started later copy. No lock is held during the block, so other threads run on at once with
    their own count. The process default is remembered when the first block opens and put back
    when the last one closes: a thread started during a block copies `n`, and its own block
    would otherwise restore `n` as everyone's default.
    """
    global _open_blocks, _process_default
    with _OPEN_LOCK:
        if _open_blocks == 0:
            _process_default = torch.get_num_threads()
        _open_blocks += 1
    before = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        with _OPEN_LOCK:
            _open_blocks -= 1
            torch.set_num_threads(_process_default if _open_blocks == 0 else before)
