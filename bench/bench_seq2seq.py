"""Seq2seq lab: training cost of each model and one decoding step's latency, same process.

Training: median ms of one update (batch 64, the shipped settings) on the same batches, the
ratio to `context` (the baseline), the projected seconds for the shipped number of steps and
the seconds recorded when the shipped weights were trained. Decoding: median ms of one greedy
step on a 20-word sentence (GRU: one recurrent step; transformer: one decoder pass over the
words so far, no cache) and of a whole translate() with its attention capture.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_seq2seq.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core.labs.seq2seq.data import make_batch, training_batch  # noqa: E402
from core.labs.seq2seq.grammar import sample  # noqa: E402
from core.labs.seq2seq.models import BOS, KINDS, PAD, build  # noqa: E402
from core.labs.seq2seq.train import TrainSettings  # noqa: E402
from core.labs.seq2seq.translate import load  # noqa: E402
from core.rng import seeded  # noqa: E402


def median_ms(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def update_ms(kind: str, batches, repeats: int) -> float:
    with seeded(0):
        model = build(kind)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    it = iter(batches * (repeats + 1))

    def update() -> None:
        b = next(it)
        logits, _ = model(b.src, b.src_mask, b.tgt_in)
        loss = nn.functional.cross_entropy(logits.flatten(0, 1), b.tgt_out.flatten(), ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return median_ms(update, repeats)


def decode_step_ms(kind: str, words: list[str], repeats: int) -> tuple[float, float]:
    m = load(kind)
    b = make_batch([p for p in sample(1, seed=9, min_words=len(words), max_words=len(words))])
    prefix = torch.cat([torch.tensor([[BOS]]), b.tgt_out[:, :9]], 1)  # 10 decoder inputs
    with torch.no_grad():
        if kind == "transformer":
            step = median_ms(lambda: m.net(b.src, b.src_mask, prefix), repeats)
        else:
            memo = m.net.start(b.src, b.src_mask)
            step = median_ms(lambda: m.net.step(prefix[:, -1], dict(memo)), repeats)
    whole = median_ms(lambda: m.translate(" ".join(b.pairs[0].source)), max(3, repeats // 10))
    return step, whole


def main() -> None:
    torch.set_num_threads(1)
    settings = TrainSettings()
    batches = [training_batch(s, settings.batch, settings.seed) for s in range(5)]
    print(f"training: median ms per update (batch {settings.batch}); shipped budget {settings.steps} steps")
    print(f"{'model':>12} {'ms/update':>10} {'x context':>10} {'projected s':>12} {'recorded s':>11}")
    base = None
    for kind in KINDS:
        ms = update_ms(kind, batches, repeats=10)
        base = base or ms
        recorded = load(kind).record.get("train_seconds")
        print(f"{kind:>12} {ms:>10.1f} {ms / base:>10.2f} {ms * settings.steps / 1000:>12.0f} {recorded:>11}")
    words = sample(1, seed=9, min_words=20, max_words=20)[0].source
    print("\ndecoding a 20-word sentence: one step at the 10th word, and a whole translate()")
    print(f"{'model':>12} {'step ms':>8} {'x context':>10} {'translate ms':>13}")
    base = None
    for kind in KINDS:
        step, whole = decode_step_ms(kind, list(words), repeats=50)
        base = base or step
        print(f"{kind:>12} {step:>8.2f} {step / base:>10.2f} {whole:>13.1f}")


if __name__ == "__main__":
    main()
