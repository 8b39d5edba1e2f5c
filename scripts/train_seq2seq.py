"""Train the seq2seq lab's four models on the toy grammar (same data, budget, hidden size).

    OMP_NUM_THREADS=1 python scripts/train_seq2seq.py                     # all four, in turn
    OMP_NUM_THREADS=1 python scripts/train_seq2seq.py --kinds attention --steps 1500 --seed 0

Deterministic for a seed (one thread, seeded initialisation and data). Writes
models/seq2seq/<kind>.safetensors and <kind>.json: settings, the training curve, training
time, held-out exact-match and token accuracy by source-length bucket, and (for the attending
models) the alignment agreement with the grammar's true alignments.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.labs.seq2seq.alignment import agreement_on  # noqa: E402
from core.labs.seq2seq.data import held_out  # noqa: E402
from core.labs.seq2seq.models import KINDS  # noqa: E402
from core.labs.seq2seq.train import MODEL_DIR, TrainSettings, evaluate, save, train  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--steps", type=int, default=TrainSettings.steps)
    parser.add_argument("--seed", type=int, default=TrainSettings.seed)
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # determinism, and the CPU is shared
    settings = TrainSettings(steps=args.steps, seed=args.seed)
    pairs = held_out()
    for kind in args.kinds:
        def report(step: int, total: int, loss: float, kind: str = kind) -> None:
            if step % 100 == 0 or step == total:
                print(f"{kind:12s} step {step}/{total} loss {loss:.3f}", flush=True)

        model, losses, seconds = train(kind, settings, report)
        scores = evaluate(model, pairs)
        extra = {"alignment": agreement_on(model, pairs)}
        save(model, kind, settings, losses, seconds, scores, extra, args.out)
        exact = " ".join(f"{k}:{v:.2f}" for k, v in scores["exact"].items())
        token = " ".join(f"{k}:{v:.3f}" for k, v in scores["token"].items())
        agree = extra["alignment"]["agreement"] if extra["alignment"] else None
        print(f"{kind:12s} {seconds:6.1f}s  exact {exact}\n{'':12s} token {token}  alignment {agree}",
              flush=True)


if __name__ == "__main__":
    main()
