"""Measured crossover n (self-attention slower than a recurrent layer) for d = 64, 256, 512.

Run: python bench/bench_costs.py [--threads 1] [--repeats 5]
Prints, per d, the measured wall times and the first n where softmax(QK^T/sqrt d)V takes
longer than torch.nn.RNN (and LSTM) over the same n tokens, next to the theoretical n = d.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.labs.costs import measure_costs, measured_crossover  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-n", type=int, default=4096)
    args = parser.parse_args()
    ns = [int(n) for n in np.unique(np.round(np.geomspace(16, args.max_n, 17)).astype(int))]
    print(f"torch {torch.__version__}, {args.threads} thread(s), best of {args.repeats}")
    for d in (64, 256, 512):
        t = measure_costs(ns, d, repeats=args.repeats, threads=args.threads)
        print(f"\nd = {d}")
        print(f"{'n':>6} {'attention ms':>13} {'RNN ms':>9} {'LSTM ms':>9} {'conv ms':>9} {'attn/RNN':>9}")
        for i, n in enumerate(ns):
            a, r = t["self-attention"][i], t["recurrent (RNN)"][i]
            print(f"{n:>6} {a * 1e3:>13.3f} {r * 1e3:>9.3f} {t['recurrent (LSTM)'][i] * 1e3:>9.3f} "
                  f"{t['convolution'][i] * 1e3:>9.3f} {a / r:>9.2f}")
        x_rnn = measured_crossover(ns, t["self-attention"], t["recurrent (RNN)"])
        x_lstm = measured_crossover(ns, t["self-attention"], t["recurrent (LSTM)"])
        fmt = lambda x: "none in range" if x is None else f"{x:.0f}"
        print(f"crossover d={d}: theory n = {d}; measured vs RNN n = {fmt(x_rnn)}, "
              f"vs LSTM n = {fmt(x_lstm)}")


if __name__ == "__main__":
    main()
