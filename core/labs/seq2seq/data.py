"""Sentence pairs -> padded id tensors, the held-out set, and the length buckets."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch

from core.labs.seq2seq.grammar import Pair, sample
from core.labs.seq2seq.models import BOS, EOS, INDEX, PAD

BUCKETS: tuple[tuple[int, int], ...] = ((3, 7), (8, 12), (13, 17), (18, 22), (23, 27), (28, 35))
HELD_OUT_SEED = 12345
HELD_OUT_PER_BUCKET = 50


def bucket_label(bucket: tuple[int, int]) -> str:
    return f"{bucket[0]}-{bucket[1]}"


def bucket_of(n_words: int) -> tuple[int, int] | None:
    return next((b for b in BUCKETS if b[0] <= n_words <= b[1]), None)


@dataclass
class Batch:
    """src [batch, S] ids, src_mask [batch, S] bool; tgt_in [batch, T] = <bos> y_1..y_m (padded),
    tgt_out [batch, T] = y_1..y_m <eos> (padded with PAD); pairs: the sentence pairs."""

    src: torch.Tensor
    src_mask: torch.Tensor
    tgt_in: torch.Tensor
    tgt_out: torch.Tensor
    pairs: list[Pair]


def ids(words) -> list[int]:
    return [INDEX[w] for w in words]


def pad(rows: list[list[int]]) -> torch.Tensor:
    """[len(rows), longest] LongTensor padded with PAD."""
    out = torch.full((len(rows), max(len(r) for r in rows)), PAD, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, :len(r)] = torch.tensor(r, dtype=torch.long)
    return out


def make_batch(pairs: list[Pair]) -> Batch:
    src = pad([ids(p.source) for p in pairs])
    tgt_in = pad([[BOS] + ids(p.target) for p in pairs])
    tgt_out = pad([ids(p.target) + [EOS] for p in pairs])
    return Batch(src, src != PAD, tgt_in, tgt_out, pairs)


@lru_cache(maxsize=4)
def held_out(per_bucket: int = HELD_OUT_PER_BUCKET, seed: int = HELD_OUT_SEED) -> tuple[Pair, ...]:
    """The held-out evaluation set: `per_bucket` pairs per length bucket, seeded (never trained on)."""
    pairs: list[Pair] = []
    for i, (lo, hi) in enumerate(BUCKETS):
        pairs += sample(per_bucket, seed=seed + i, min_words=lo, max_words=hi)
    return tuple(pairs)


def training_batch(step: int, batch: int, seed: int) -> Batch:
    """The training batch of `step`: the same for every model and every run with this seed;
    no held-out source sentence ever appears."""
    return make_batch(sample(batch, seed=seed * 1_000_003 + step, exclude=_held_out_sources()))


@lru_cache(maxsize=1)
def _held_out_sources() -> frozenset[tuple[str, ...]]:
    return frozenset(p.source for p in held_out())
