"""Train, evaluate, save and load the four seq2seq models (same data, budget and hidden size).

Deterministic for a seed on one thread: weights are initialised inside `core.rng.seeded`, and
the batch of step s is `data.training_batch(s, batch, seed)`, identical for every model.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from core.labs.seq2seq.data import (
    BUCKETS,
    HELD_OUT_PER_BUCKET,
    HELD_OUT_SEED,
    Batch,
    bucket_label,
    bucket_of,
    make_batch,
    training_batch,
)
from core.labs.seq2seq.grammar import Pair
from core.labs.seq2seq.models import EOS, KINDS, MAX_LEN, PAD, build
from core.labs.training import train_step
from core.rng import seeded

MODEL_DIR = Path(__file__).resolve().parents[3] / "models" / "seq2seq"
ProgressCallback = Callable[[int, int, float], None]  # (step done, total steps, loss)
CURVE_EVERY = 20  # the training curve keeps the mean loss of every 20 steps


@dataclass(frozen=True)
class TrainSettings:
    """One training run (recorded next to the weights); identical for the four kinds."""

    steps: int = 1200
    batch: int = 64
    lr: float = 3e-3
    warmup: int = 50
    seed: int = 0


def initial_model(kind: str, seed: int = TrainSettings.seed) -> nn.Module:
    """The model `train` starts from (same seed, same draws), in eval mode: what the
    architecture alone does before any learning."""
    with seeded(seed):
        return build(kind).eval()


def train(kind: str, settings: TrainSettings = TrainSettings(),
          progress: ProgressCallback | None = None) -> tuple[nn.Module, list[float], float]:
    """Train `kind` from scratch; returns (model in eval mode, loss per step, seconds).

    AdamW with linear warm-up then cosine decay, gradients clipped at norm 1.
    progress(step, total, loss) is called every 10 steps and at the end."""
    model = initial_model(kind, settings.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / settings.warmup)
                                              * 0.5 * (1 + math.cos(math.pi * s / settings.steps)))
    losses: list[float] = []
    start = time.perf_counter()
    model.train()
    for step in range(settings.steps):
        b = training_batch(step, settings.batch, settings.seed)
        logits, _ = model(b.src, b.src_mask, b.tgt_in)
        loss = nn.functional.cross_entropy(logits.flatten(0, 1), b.tgt_out.flatten(), ignore_index=PAD)
        train_step(model, opt, sched, loss, losses, step, settings.steps, progress)
    model.eval()
    return model, losses, time.perf_counter() - start


# --------------------------------------------------------------------------- evaluation

@torch.no_grad()
def greedy(model: nn.Module, b: Batch, max_steps: int = MAX_LEN - 1) -> list[list[int]]:
    """Greedy decoding of a batch to <eos>: the chosen ids of each sentence, <eos> excluded."""
    n = b.src.shape[0]
    done = torch.zeros(n, dtype=torch.bool)
    out = torch.full((n, 1), 1, dtype=torch.long)  # <bos>
    memo = model.start(b.src, b.src_mask) if model.kind != "transformer" else None
    for _ in range(max_steps):
        if memo is not None:
            logits, _ = model.step(out[:, -1], memo)
        else:
            logits = model(b.src, b.src_mask, out)[0][:, -1]
        nxt = logits.argmax(-1).masked_fill(done, PAD)
        out = torch.cat([out, nxt[:, None]], 1)
        done |= nxt == EOS
        if bool(done.all()):
            break
    result = []
    for row in out[:, 1:].tolist():
        result.append(row[:row.index(EOS)] if EOS in row else row)
    return result


@torch.no_grad()
def evaluate(model: nn.Module, pairs: list[Pair] | tuple[Pair, ...], batch: int = 200) -> dict[str, Any]:
    """Held-out scores by source-length bucket.

    exact: the greedy translation equals the reference word for word (and stops there);
    token: teacher-forced next-word accuracy (the reference so far given, is the next word,
    <eos> included, the argmax?). Returns {'exact': {bucket: x}, 'token': {...}, 'n': {...},
    'exact_all', 'token_all'}."""
    from core.labs.seq2seq.data import ids

    hits: dict[str, list[float]] = {bucket_label(b): [] for b in BUCKETS}
    right: dict[str, list[int]] = {bucket_label(b): [0, 0] for b in BUCKETS}
    for i in range(0, len(pairs), batch):
        chunk = list(pairs[i:i + batch])
        b = make_batch(chunk)
        decoded = greedy(model, b)
        pred = model(b.src, b.src_mask, b.tgt_in)[0].argmax(-1)
        keep = b.tgt_out != PAD
        ok = ((pred == b.tgt_out) & keep).sum(1).tolist()
        total = keep.sum(1).tolist()
        for p, d, k, t in zip(chunk, decoded, ok, total):
            label = bucket_label(bucket_of(len(p.source)))
            hits[label].append(float(d == ids(p.target)))
            right[label][0] += k
            right[label][1] += t
    exact = {k: float(np.mean(v)) for k, v in hits.items() if v}
    token = {k: v[0] / v[1] for k, v in right.items() if v[1]}
    return {"exact": exact, "token": token, "n": {k: len(v) for k, v in hits.items() if v},
            "exact_all": float(np.mean([x for v in hits.values() for x in v])),
            "token_all": sum(v[0] for v in right.values()) / sum(v[1] for v in right.values())}


def agreement(attention: np.ndarray, pair: Pair) -> tuple[int, int]:
    """(target words whose attention argmax is one of their true source words, target words).
    attention [>= len(target), >= len(source)]; the <eos> row is not counted."""
    m = len(pair.target)
    arg = attention[:m, :len(pair.source)].argmax(-1)
    return sum(int(a in js) for a, js in zip(arg, pair.alignment)), m


# --------------------------------------------------------------------------- checkpoints

def save(model: nn.Module, kind: str, settings: TrainSettings, losses: list[float], seconds: float,
         scores: dict[str, Any], extra: dict[str, Any] | None = None, directory: Path = MODEL_DIR) -> dict:
    """Write <kind>.safetensors and <kind>.json (settings, curve, scores, timing)."""
    from safetensors.torch import save_model

    directory.mkdir(parents=True, exist_ok=True)
    save_model(model, str(directory / f"{kind}.safetensors"))
    curve = [float(np.mean(losses[i:i + CURVE_EVERY])) for i in range(0, len(losses), CURVE_EVERY)]
    record = {
        "kind": kind, "settings": asdict(settings), "train_seconds": round(seconds, 1),
        "torch_threads": torch.get_num_threads(), "n_parameters": sum(p.numel() for p in model.parameters()),
        "curve_every": CURVE_EVERY, "curve": curve, "final_loss": curve[-1] if curve else None,
        "held_out": {"seed": HELD_OUT_SEED, "per_bucket": HELD_OUT_PER_BUCKET},
        "scores": scores, **(extra or {}),
    }
    (directory / f"{kind}.json").write_text(json.dumps(record, indent=1))
    return record


def load_trained(kind: str, directory: Path = MODEL_DIR) -> tuple[nn.Module, dict[str, Any]]:
    """The shipped model of `kind` (eval mode) and its record. FileNotFoundError names the script."""
    from safetensors.torch import load_model

    if kind not in KINDS:
        raise ValueError(f"unknown model {kind!r}; the four are {', '.join(KINDS)}")
    weights, meta = directory / f"{kind}.safetensors", directory / f"{kind}.json"
    if not weights.exists() or not meta.exists():
        raise FileNotFoundError(f"no trained {kind!r} model in {directory}; run "
                                f"`python scripts/train_seq2seq.py --kinds {kind}`")
    model = build(kind)
    load_model(model, str(weights))
    return model.eval(), json.loads(meta.read_text())
