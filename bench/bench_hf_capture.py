"""MiniLM: plain eager forward vs Model.capture (every name), at 11, 128 and 512 tokens.

Run: python bench/bench_hf_capture.py [--repeats N]
Prints the medians of repeated runs in one process (CPU time of this process by default, so
other jobs on a shared machine distort it less; --wall for wall-clock time), their ratio
(targets: <= 1.05x at 128 tokens (issue 15), <= 1.3x at 512) and the capture's size in MB. The plain
forward is transformers' own eager attention on the same weights, inputs tokenized once
outside the timing; the capture includes tokenization, hooks and the instrumented attention.
A second ratio (column 'vs tok+fwd') compares the capture with tokenizing the text and then
running the plain forward, the work a caller without a capture would do on the same text.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import load_model  # noqa: E402
from core.capture import reuse_freed_memory  # noqa: E402

TARGETS = {128: 1.05, 512: 1.30}


def text_of(n_tokens: int) -> str:
    """A text MiniLM tokenizes to exactly n_tokens ([CLS] + one token per word + [SEP])."""
    words = "the dog ate the cat while a bird sang in the old tree".split()
    return " ".join(words[i % len(words)] for i in range(n_tokens - 2))


def medians(fns, repeats: int, clock) -> list[float]:
    """Median time of each function, run alternately (so background load hits all alike)."""
    for fn in fns:
        fn()  # warm-up
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            start = clock()
            fn()
            ts.append(clock() - start)
    return [statistics.median(ts) for ts in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=0, help="runs per measurement (default: by length)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: steadier)")
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of process CPU time")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    print(f"allocator keeps freed memory (as the app does): {reuse_freed_memory()}")
    clock = time.perf_counter if args.wall else time.process_time
    from transformers import AutoModel

    model = load_model("minilm")
    plain = AutoModel.from_pretrained(model.info["source"], attn_implementation="eager").eval()
    print(f"torch threads: {torch.get_num_threads()}, clock: {'wall' if args.wall else 'process CPU'}")
    print(f"{'tokens':>6} {'eager ms':>9} {'capture ms':>11} {'ratio':>6} {'target':>7} {'capture MB':>11} "
          f"{'tok+fwd ms':>11} {'vs tok+fwd':>10}")
    for n in (11, 128, 512):
        text = text_of(n)
        enc = model.tokenizer(text, return_tensors="pt")
        assert enc["input_ids"].shape[1] == n
        repeats = args.repeats or {11: 100, 128: 40, 512: 15}[n]

        def eager(enc=enc):
            with torch.no_grad():
                plain(**enc)

        def tokenize_and_eager(text=text):
            with torch.no_grad():
                plain(**model.tokenizer(text, return_tensors="pt"))

        cap = model.capture(text)
        del cap  # keep only one capture alive at a time, as a page does
        e, c, te = medians([eager, lambda text=text: model.capture(text), tokenize_and_eager], repeats, clock)
        cap = model.capture(text)
        target = f"{TARGETS[n]:.2f}x" if n in TARGETS else "-"
        print(f"{n:>6} {e * 1e3:>9.2f} {c * 1e3:>11.2f} {c / e:>5.2f}x {target:>7} {cap.nbytes / 1e6:>11.1f} "
              f"{te * 1e3:>11.2f} {c / te:>9.2f}x")


if __name__ == "__main__":
    main()
