"""Train the shipped positional-encoding comparison models (one tiny encoder per encoding).

    python scripts/train_positional.py                    # every kind in TRAINED_KINDS
    python scripts/train_positional.py --kinds rope alibi --steps 2000 --seed 0

Deterministic for a seed (single thread, seeded init and data). Writes
models/positional/<kind>.safetensors and <kind>.json (config, settings, accuracy by length).
The task and the reason `none` stays at chance are in core/toy_task.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.labs.toy_task import MODEL_DIR, TRAIN_LENGTH, TRAINED_KINDS, TrainSettings, save_trained, train  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=list(TRAINED_KINDS))
    parser.add_argument("--steps", type=int, default=TrainSettings.steps)
    parser.add_argument("--seed", type=int, default=TrainSettings.seed)
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # determinism, and the CPU is shared
    settings = TrainSettings(steps=args.steps, seed=args.seed)
    for kind in args.kinds:
        start = time.time()
        model, losses = train(kind, settings)
        record = save_trained(model, kind, settings, losses, args.out)
        acc = {n: (f"{a:.3f}" if a is not None else "n/a") for n, a in record["accuracy"].items()}
        print(f"{kind:15s} {time.time() - start:5.1f}s loss {losses[-1]:.3f} "
              f"accuracy by length (trained at {TRAIN_LENGTH}): {acc}", flush=True)


if __name__ == "__main__":
    main()
