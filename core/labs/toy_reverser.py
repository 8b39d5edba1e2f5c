"""A tiny encoder-decoder core.Transformer trained in seconds to reverse a word sequence: the
smallest real sequence-to-sequence model, so the decoder-side page can show cross-attention and
an end-of-sequence token on trained weights (seeded, deterministic, CPU).

Source "one two three <eos>" -> target "<bos> three two one" -> labels "three two one <eos>".
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_model, save_model

from core.config import TransformerConfig
from core.model import Transformer
from core.rng import seeded, threads

WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "red", "blue", "cat", "dog"]
PAD, BOS, EOS = 0, 1, 2
VOCAB = ["<pad>", "<bos>", "<eos>", *WORDS]
MAX_WORDS = 6
WEIGHTS = Path(__file__).resolve().parents[2] / "models" / "reverser.safetensors"
STEPS = 300  # scripts/make_reverser.py trains with these settings


def config() -> TransformerConfig:
    return TransformerConfig(arch="encoder-decoder", vocab_size=len(VOCAB), d_model=32, n_heads=4,
                             n_layers=2, d_ff=64, max_len=MAX_WORDS + 2, positional="sinusoidal")


def encode_words(text: str) -> list[int]:
    """'one two three' -> ids; raises ValueError naming words outside the toy vocabulary."""
    words = text.lower().split()
    unknown = [w for w in words if w not in WORDS]
    if unknown:
        raise ValueError(f"the reverser knows only these words: {', '.join(WORDS)} "
                         f"(not: {', '.join(unknown)})")
    if not 1 <= len(words) <= MAX_WORDS:
        raise ValueError(f"give 1 to {MAX_WORDS} words, got {len(words)}")
    return [VOCAB.index(w) for w in words]


def _batch(n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Padded (source, decoder input, labels, source mask), all [n, MAX_WORDS + 1]."""
    width = MAX_WORDS + 1
    src = torch.full((n, width), PAD)
    dec = torch.full((n, width), PAD)
    lab = torch.full((n, width), -100)
    lengths = torch.randint(1, MAX_WORDS + 1, (n,), generator=gen)
    words = torch.randint(3, len(VOCAB), (n, MAX_WORDS), generator=gen)
    for i, m in enumerate(lengths.tolist()):
        seq = words[i, :m]
        src[i, :m], src[i, m] = seq, EOS
        rev = seq.flip(0)
        dec[i, 0], dec[i, 1:m + 1] = BOS, rev
        lab[i, :m], lab[i, m] = rev, EOS
    return src, dec, lab, src != PAD


def train_reverser(steps: int = STEPS, seed: int = 0, batch: int = 64) -> tuple[Transformer, list[float]]:
    """Train the reverser; returns (model in eval mode, loss per step)."""
    with seeded(seed), threads(1):
        model = Transformer(config())
        gen = torch.Generator().manual_seed(seed)
        opt = torch.optim.Adam(model.parameters(), lr=3e-3)
        losses = []
        for _ in range(steps):
            src, dec, lab, src_mask = _batch(batch, gen)
            out = model(src, dec, attention_mask=src_mask.long(), target_attention_mask=(dec != PAD).long())
            loss = torch.nn.functional.cross_entropy(out.logits.reshape(-1, len(VOCAB)), lab.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
    return model.eval(), losses


def save_reverser(model: Transformer, path: Path = WEIGHTS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    save_model(model, str(path))  # shared (tied) tables are stored once
    return path


def load_reverser(path: Path = WEIGHTS) -> Transformer:
    """The shipped reverser (models/reverser.safetensors, made by scripts/make_reverser.py)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} is missing: run `python scripts/make_reverser.py`")
    model = Transformer(config())
    load_model(model, str(path), strict=True)
    return model.eval()
