"""Plain forward vs capture() of every name (no grads), same model, same process.

Prints medians (process CPU time) of repeated runs and their ratio at 32, 128 and 512 tokens
(target, issue 15: at most 1.05x at 128; TransformerLens run_with_cache costs 1.56-1.60x).
    .venv/bin/python bench/bench_core_capture.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core import Transformer, TransformerConfig, capture  # noqa: E402
from core.capture import reuse_freed_memory  # noqa: E402


def paired_medians_ms(a, b, repeats: int) -> tuple[float, float]:
    """Median ms of a() and b(), run alternately so machine load hits both alike."""
    a(), b()  # warm-up
    ta, tb = [], []
    for _ in range(repeats):
        for fn, times in ((a, ta), (b, tb)):
            t = time.process_time()
            fn()
            times.append((time.process_time() - t) * 1000)
    return statistics.median(ta), statistics.median(tb)


def main() -> None:
    print(f"allocator keeps freed memory (as the app does): {reuse_freed_memory()}")
    torch.manual_seed(0)
    cfg = TransformerConfig(arch="encoder", vocab_size=1000, d_model=256, n_heads=8, n_layers=6,
                            d_ff=1024, max_len=512)
    model = Transformer(cfg).eval()
    print(f"model: encoder, 6 layers x 8 heads, d_model 256 ({model.n_parameters / 1e6:.1f} M params)")
    print(f"{'tokens':>6} {'forward ms':>11} {'capture ms':>11} {'ratio':>6} {'capture MB':>11}")
    for n in (32, 128, 512):
        ids = torch.randint(0, 1000, (1, n))
        repeats = 30 if n < 512 else 10

        def forward(ids=ids):
            with torch.no_grad():
                model(ids)

        base, cap_ms = paired_medians_ms(forward, lambda ids=ids: capture(model, ids), repeats)
        size = capture(model, ids).nbytes / 1e6
        print(f"{n:>6} {base:>11.2f} {cap_ms:>11.2f} {cap_ms / base:>6.2f} {size:>11.1f}")


if __name__ == "__main__":
    main()
