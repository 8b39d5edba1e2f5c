"""Write models/gradient_flow/training_dynamics.npz: the per-step gradient norms of the four toy
transformers (residual / LayerNorm ablation) that the gradient-flow page shows.

Deterministic: seeded data and weights, one CPU thread, no dropout. The file records the run
settings and a checksum of them; tests/core/test_training_dynamics.py checks that the checksum
matches the current code's settings and that a fresh short run reproduces the shipped prefix.

    python scripts/make_training_snapshots.py            # about 20 s on 2 cores
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.labs.training_dynamics import (  # noqa: E402
    SNAPSHOT_PATH,
    SNAPSHOT_RUN,
    all_variant_histories,
    save_histories,
    snapshot_settings,
)


def main() -> None:
    t = time.perf_counter()
    histories = all_variant_histories(**SNAPSHOT_RUN)
    path = save_histories(histories, SNAPSHOT_PATH, snapshot_settings())
    print(f"wrote {path} ({path.stat().st_size / 1024:.1f} KiB) in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
