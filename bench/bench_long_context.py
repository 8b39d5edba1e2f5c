"""SmolLM2 at 1024 tokens: text -> overview figure, against the plain forward of the same text.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_long_context.py [--repeats 3] [--tokens 1024]

Baseline (same process, same text, run alternately with the pipeline): transformers' own eager
forward under no_grad. Pipeline = what the overview page does on a new text: capture by need
(`*.weights` only), per-head statistics (vectorised in torch, computed once), the overview
figure and its JSON. Target: pipeline <= 1.3x the forward, JSON <= 1 MB. Also prints the One head
figure's JSON at this length, and a cProfile of one pipeline run with --profile.
Times are process CPU time (other jobs on a shared machine distort it less); medians.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import load_model  # noqa: E402
from viz.attention import head_data, head_view  # noqa: E402
from viz.attention_overview import capture_stats, overview  # noqa: E402

WORDS = "the quick brown fox jumps over a lazy dog while seven curious cats watch".split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=1024)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = load_model(args.model, max_tokens=args.tokens)
    text = " ".join(WORDS[i % len(WORDS)] for i in range(args.tokens + 64))
    enc = model._encode(text, None, None)
    n = int(enc.input_ids.shape[1])
    kwargs = model.forward_inputs(enc)
    stack = "decoder" if model.arch == "decoder" else "encoder"

    def plain() -> None:
        model.model.set_attn_implementation("eager")
        try:
            with torch.no_grad():
                model.model(**kwargs)
        finally:
            model.model.set_attn_implementation(model.info["attn_implementation"])

    parts: dict[str, list[float]] = {k: [] for k in ("forward", "capture", "stats", "figure+json", "total")}
    json_bytes = 0
    clock = time.process_time
    for _ in range(args.repeats):
        t = clock()
        plain()
        parts["forward"].append(clock() - t)
        t0 = clock()
        cap = model.capture(text, names="*.weights")
        t1 = clock()
        stats = capture_stats(cap, stack)
        t2 = clock()
        json_bytes = len(overview(cap, stack, stats=stats).to_json())
        t3 = clock()
        parts["capture"].append(t1 - t0)
        parts["stats"].append(t2 - t1)
        parts["figure+json"].append(t3 - t2)
        parts["total"].append(t3 - t0)
        del cap
    med = {k: statistics.median(v) for k, v in parts.items()}
    print(f"{args.model}, {n} tokens, 1 thread, process CPU time, median of {args.repeats}")
    for k, v in med.items():
        print(f"  {k:12s} {v:7.2f} s   ({v / med['forward']:.2f}x forward)")
    print(f"  text -> overview: {med['total'] / med['forward']:.2f}x the plain forward (target <= 1.30x)")
    print(f"  overview JSON: {json_bytes / 1e6:.2f} MB (target <= 1 MB)")
    one = model.capture(text, names=f"{stack}.0.self_attn.*")
    t = clock()
    head_json = len(head_view(head_data(one, 0, 0, stack)).to_json())
    print(f"  One head figure at {n} tokens: {head_json / 1e6:.1f} MB JSON, built in {clock() - t:.2f} s")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        cap = model.capture(text, names="*.weights")
        overview(cap, stack, stats=capture_stats(cap, stack)).to_json()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
