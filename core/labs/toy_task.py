"""A position-dependent toy task for comparing positional encodings by training.

Task "previous token": the input is a sequence of N *distinct* tokens drawn at random from a
vocabulary of VOCAB; the target at every position p >= 1 is the token at position p - 1
(position 0 has no target). A tiny encoder (bidirectional self-attention) is trained on
length TRAIN_LENGTH and evaluated at longer lengths (extrapolation).

Why `none` cannot beat chance. Without positions an encoder is permutation-equivariant: its
output at position p is a function f(x_p, {x_1..x_N}) of the token there and of the *set* of
tokens. For a uniformly random order, given x_p and the set, the previous token x_{p-1} is
equally likely to be any of the other N - 1 tokens, so any such f is right with probability
exactly 1/(N - 1) (`chance(N)`), whatever it learned.

The same argument caps the symmetric ALiBi of an encoder (bias -m|i - j|) near 1/2: that
model is equivariant under reversing the sequence, which turns "previous" into "next", so
at mirrored positions it must give the same answer to two different questions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from core.capture import capture
from core.config import TransformerConfig
from core.labs.reference_embeddings import minilm_embeddings
from core.labs.training import train_step
from core.model import Transformer
from core.positional import sinusoidal
from core.rng import seeded

VOCAB = 48
TRAIN_LENGTH = 16
MAX_LEN = 48  # longest evaluation length (all tokens stay distinct: MAX_LEN <= VOCAB)
EVAL_LENGTHS = (8, 12, 16, 20, 24, 32, 40, 48)
TRAINED_KINDS = ("none", "sinusoidal", "learned", "sigmoid", "single_sine", "stretched_sine",
                 "rope", "alibi")
MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "positional"
IGNORE = -100


@dataclass(frozen=True)
class TrainSettings:
    """Everything that defines one training run (recorded next to the weights)."""

    steps: int = 2000
    batch: int = 64
    lr: float = 3e-3
    # A learned table starts at N(0, 0.02) beside token embeddings of std 1 (x sqrt(d_model)):
    # at lr 3e-3 it reaches only ~45% in 2000 steps, at 1e-2 it learns the task fully.
    lr_learned: float = 1e-2
    seed: int = 0
    d_model: int = 32
    n_heads: int = 4
    n_layers: int = 2
    d_ff: int = 64


ProgressCallback = Callable[[int, int, float], None]  # (step done, total steps, loss)


def chance(length: int) -> float:
    """Best accuracy of any order-blind (permutation-equivariant) model at `length`: 1/(N-1)."""
    return 1.0 / (length - 1)


def model_config(kind: str, settings: TrainSettings = TrainSettings()) -> TransformerConfig:
    """A tiny encoder for `kind`. A learned table gets exactly TRAIN_LENGTH rows (it has
    nothing to learn past them), every other kind accepts up to MAX_LEN tokens."""
    return TransformerConfig(arch="encoder", vocab_size=VOCAB, d_model=settings.d_model,
                             n_heads=settings.n_heads, n_layers=settings.n_layers, d_ff=settings.d_ff,
                             max_len=TRAIN_LENGTH if kind == "learned" else MAX_LEN, positional=kind)


def make_batch(batch: int, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random sequences of distinct tokens and their targets.

    Returns input_ids [batch, length] and targets [batch, length] with targets[:, p] =
    input_ids[:, p-1] and targets[:, 0] = IGNORE.
    """
    if length > VOCAB:
        raise ValueError(f"length {length} > vocabulary {VOCAB}: tokens could not be distinct")
    ids = torch.rand(batch, VOCAB, generator=generator).argsort(dim=1)[:, :length]
    targets = torch.full_like(ids, IGNORE)
    targets[:, 1:] = ids[:, :-1]
    return ids, targets


def train(kind: str, settings: TrainSettings = TrainSettings(),
          progress: ProgressCallback | None = None) -> tuple[Transformer, list[float]]:
    """Train one model from scratch, deterministically for settings.seed.

    Returns the model (eval mode) and the loss of every step. `progress(step, total, loss)` is
    called every 10 steps and at the end (a Streamlit page hands it to st.progress).
    """
    with seeded(settings.seed):  # weight init; the global RNG is restored after
        model = Transformer(model_config(kind, settings))
    gen = torch.Generator().manual_seed(settings.seed + 1)  # data
    lr = settings.lr_learned if kind == "learned" else settings.lr
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 100) * 0.5 * (1 + math.cos(math.pi * s / settings.steps)))
    losses: list[float] = []
    model.train()
    for step in range(settings.steps):
        ids, targets = make_batch(settings.batch, TRAIN_LENGTH, gen)
        logits = model(ids).logits
        loss = nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE)
        train_step(model, opt, sched, loss, losses, step, settings.steps, progress)
    model.eval()
    return model, losses


@torch.no_grad()
def evaluate(model: Transformer, length: int, n_sequences: int = 512, seed: int = 12345) -> float | None:
    """Accuracy on held-out random sequences of `length` (positions 1..length-1).

    None when the model cannot take sequences this long (a learned table past its rows).
    The evaluation seed stream is separate from training's (which uses seed + 1 < 1000).
    """
    if length > model.cfg.max_len:
        return None
    gen = torch.Generator().manual_seed(seed + length)
    ids, targets = make_batch(n_sequences, length, gen)
    pred = model(ids).logits.argmax(-1)
    keep = targets != IGNORE
    return float((pred[keep] == targets[keep]).float().mean())


def accuracy_by_length(model: Transformer, lengths: tuple[int, ...] = EVAL_LENGTHS,
                       n_sequences: int = 512) -> dict[int, float | None]:
    """{length: accuracy or None} over `lengths` (extrapolation past TRAIN_LENGTH)."""
    return {n: evaluate(model, n, n_sequences) for n in lengths}


def layer0_weights(model: Transformer, length: int = TRAIN_LENGTH, seed: int = 1) -> np.ndarray:
    """Layer-0 self-attention weights [heads, length, length] on one held-out sequence (a seeded
    random order of `length` distinct tokens): a previous-token head shows as the line just left
    of the diagonal."""
    ids = torch.randperm(length, generator=torch.Generator().manual_seed(seed))[None]
    cap = capture(model, ids, names=["encoder.0.self_attn.weights"])
    return cap["encoder.0.self_attn.weights"][0].numpy()


def position_tables(learned: Transformer) -> dict[str, np.ndarray]:
    """Position tables [N, d] to compare: the trained learned table, sinusoidal at the same size,
    and MiniLM's learned table (first 64 rows) when its package is installed."""
    table = learned.embed.learned.table.weight.detach().numpy()
    tables = {"trained learned table": table,
              f"sinusoidal (d={table.shape[1]})": sinusoidal(len(table), table.shape[1]).numpy()}
    minilm = minilm_embeddings()
    if minilm is not None:
        tables["MiniLM's learned table (first 64)"] = minilm["position"][:64]
    return tables


# --------------------------------------------------------------------------- checkpoints

def save_trained(model: Transformer, kind: str, settings: TrainSettings, losses: list[float],
                 directory: Path = MODEL_DIR) -> dict[str, Any]:
    """Write <kind>.safetensors and <kind>.json (config, settings, accuracies); return the record."""
    from dataclasses import asdict

    from safetensors.torch import save_model

    directory.mkdir(parents=True, exist_ok=True)
    save_model(model, str(directory / f"{kind}.safetensors"))
    accuracy = accuracy_by_length(model)
    record = {
        "kind": kind, "task": "previous token (distinct tokens)", "train_length": TRAIN_LENGTH,
        "config": model.cfg.to_dict(), "settings": asdict(settings),
        "final_loss": losses[-1] if losses else None,
        "accuracy": {str(n): a for n, a in accuracy.items()},
        "chance": {str(n): chance(n) for n in EVAL_LENGTHS},
    }
    (directory / f"{kind}.json").write_text(json.dumps(record, indent=1))
    return record


def load_trained(kind: str, directory: Path = MODEL_DIR) -> tuple[Transformer, dict[str, Any]]:
    """The shipped model for `kind` (eval mode) and its record (accuracies by length as
    {"16": 0.99, ...}, None where the model cannot run). FileNotFoundError names the script."""
    from safetensors.torch import load_model

    weights, meta = directory / f"{kind}.safetensors", directory / f"{kind}.json"
    if not weights.exists() or not meta.exists():
        raise FileNotFoundError(f"no trained model for {kind!r} in {directory}; run "
                                f"`python scripts/train_positional.py --kinds {kind}`")
    record = json.loads(meta.read_text())
    model = Transformer(TransformerConfig(**record["config"]))
    load_model(model, str(weights))
    model.eval()
    return model, record
