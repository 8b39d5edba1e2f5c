"""Per-layer gradient norms of a from-scratch Transformer while it trains, with and without
residual connections and LayerNorm.

The ablation does not touch `core.model`: `AblatedBlock` subclasses its `Block` and changes
only how a sublayer is wired in (`_sublayer`). With residual=True and layer_norm=True it is
exactly the paper's block (same parameters, same outputs; a test checks this); the other
variants drop the skip connection (x -> LN(f(x))), the LayerNorm (x -> x + f(x)) or both
(x -> f(x)). Everything else (embeddings, attention, MLP, head, optimiser, data) is shared.

Toy task (seeded, CPU, about a second per variant): a causal LM on sequences made of 8 random
tokens followed by the same 8 tokens again; the second half is predictable only by attending
back 8 positions, so attention has to learn something.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.capture import Capture, capture
from core.config import TransformerConfig
from core.labs.gradients import single_thread
from core.model import Block, Transformer
from core.rng import seeded

VARIANTS: dict[str, tuple[bool, bool]] = {  # name -> (residual, layer_norm)
    "residual + LayerNorm": (True, True),
    "residual only": (True, False),
    "LayerNorm only": (False, True),
    "neither": (False, False),
}


class AblatedBlock(Block):
    """core.model.Block with the residual connection and/or the LayerNorm switchable.

    post-norm: both -> LN(x + f(x)); residual only -> x + f(x); LN only -> LN(f(x)); neither -> f(x).
    pre-norm:  both -> x + f(LN(x)); residual only -> x + f(x); LN only -> f(LN(x)); neither -> f(x).
    """

    def __init__(self, cfg: TransformerConfig, stack: str, layer: int, residual: bool = True,
                 layer_norm: bool = True) -> None:
        super().__init__(cfg, stack, layer)
        self.residual, self.layer_norm = residual, layer_norm

    def _sublayer(self, x: torch.Tensor, norm: nn.LayerNorm, fn) -> torch.Tensor:
        ln = norm if self.layer_norm else (lambda h: h)
        if self.pre:
            y = self.dropout(fn(ln(x)))
            return x + y if self.residual else y
        y = self.dropout(fn(x))
        return ln(x + y if self.residual else y)


def toy_config(n_layers: int = 6) -> TransformerConfig:
    """The toy model: causal decoder, 16 tokens, d_model 32, 4 heads, untied head (so the
    embedding gradient is the embedding's own), post-norm as in the paper."""
    return TransformerConfig(arch="decoder", vocab_size=16, d_model=32, n_heads=4, n_layers=n_layers,
                             d_ff=64, max_len=16, positional="sinusoidal", norm="post",
                             tie_embeddings=False)


def build_model(residual: bool = True, layer_norm: bool = True, cfg: TransformerConfig | None = None,
                seed: int = 0) -> Transformer:
    """A seeded core.Transformer (decoder) whose blocks are AblatedBlocks. Every variant gets
    the same initial weights for the same seed (the blocks are rebuilt in the same order)."""
    cfg = cfg or toy_config()
    if cfg.arch != "decoder":
        raise ValueError(f"arch={cfg.arch!r}: the ablation is built for a decoder-only model")
    with seeded(seed):  # seeded without disturbing other sessions' global RNG
        model = Transformer(cfg)
        torch.manual_seed(seed + 1)
        for i in range(cfg.n_layers):
            model.decoder.layers[i] = AblatedBlock(cfg, "decoder", i, residual, layer_norm)
    if model.decoder.final_norm is not None and not layer_norm:
        model.decoder.final_norm = nn.Identity()
    return model


def copy_task_batch(batch: int, vocab_size: int, half: int, generator: torch.Generator) -> torch.Tensor:
    """Token ids [batch, 2 * half]: `half` random tokens, then the same tokens again."""
    first = torch.randint(0, vocab_size, (batch, half), generator=generator)
    return torch.cat([first, first], dim=1)


def _norm(params) -> float:
    grads = [p.grad.flatten() for p in params if p.grad is not None]
    return float(torch.linalg.vector_norm(torch.cat(grads))) if grads else 0.0


@dataclass
class GradientHistory:
    """Gradient norms recorded at every training step (before the optimiser step).

    steps [S]; loss [S] (next-token cross-entropy on the second half); embeddings [S] (token
    embedding table); attention [S, L] and mlp [S, L] (all parameters of layer l's
    self-attention / feed-forward); head [S] (output projection). snapshot_steps [K] and
    captures (K Captures of the probe sequence with grads: weights and their gradients).
    """

    variant: str
    steps: np.ndarray
    loss: np.ndarray
    embeddings: np.ndarray
    attention: np.ndarray
    mlp: np.ndarray
    head: np.ndarray
    snapshot_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    captures: list[Capture] = field(default_factory=list)

    def at(self, step: int) -> dict[str, np.ndarray]:
        """Per-layer norms at one step: 'embeddings' [1], 'attention' [L], 'MLP' [L]."""
        i = int(np.searchsorted(self.steps, step))
        i = min(i, len(self.steps) - 1)
        return {"embeddings": self.embeddings[i:i + 1], "attention": self.attention[i],
                "MLP": self.mlp[i]}


def train_gradient_history(variant: str = "residual + LayerNorm", *, steps: int = 60,
                           n_layers: int = 6, batch: int = 32, lr: float = 3e-3, seed: int = 0,
                           snapshot_every: int = 10,
                           progress: Callable[[int, int], None] | None = None) -> GradientHistory:
    """Train the toy model of one VARIANTS entry with Adam and record gradient norms per step.

    Deterministic for a seed (data from a seeded generator, no dropout). The probe sequence
    (also seeded) is captured with grads at steps 0, snapshot_every, ... and at the last step.
    `progress(step, steps)` is called after each step. Only the weight initialisation holds
    the global-RNG lock (`build_model`); training holds no process-wide lock.
    """
    with single_thread():
        return _train(variant, steps=steps, n_layers=n_layers, batch=batch, lr=lr, seed=seed,
                      snapshot_every=snapshot_every, progress=progress)


def _train(variant: str, *, steps: int, n_layers: int, batch: int, lr: float, seed: int,
           snapshot_every: int, progress: Callable[[int, int], None] | None) -> GradientHistory:
    if variant not in VARIANTS:
        raise ValueError(f"variant={variant!r} is not one of {tuple(VARIANTS)}")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    residual, layer_norm = VARIANTS[variant]
    cfg = toy_config(n_layers)
    model = build_model(residual, layer_norm, cfg, seed)
    half = cfg.max_len // 2
    gen = torch.Generator().manual_seed(seed + 2)
    probe = copy_task_batch(1, cfg.vocab_size, half, torch.Generator().manual_seed(seed + 3))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rec: dict[str, list] = {"loss": [], "embeddings": [], "attention": [], "mlp": [], "head": []}
    snaps, captures = [], []
    layers = model.decoder.layers
    for step in range(steps):
        if step % snapshot_every == 0 or step == steps - 1:
            snaps.append(step)
            captures.append(capture(model, probe, grads=True, names="*.weights",
                                    meta={"model": f"toy copy task, {variant}, step {step}"}))
        model.train()
        ids = copy_task_batch(batch, cfg.vocab_size, half, gen)
        logits = model(ids).logits
        loss = nn.functional.cross_entropy(logits[:, half - 1:-1].flatten(0, 1), ids[:, half:].flatten())
        opt.zero_grad()
        loss.backward()
        rec["loss"].append(loss.item())
        rec["embeddings"].append(_norm([model.token.weight]))
        rec["attention"].append([_norm(b.self_attn.parameters()) for b in layers])
        rec["mlp"].append([_norm(b.ff.parameters()) for b in layers])
        rec["head"].append(_norm(model.head.parameters()))
        opt.step()
        if progress is not None:
            progress(step + 1, steps)
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in rec.items()}
    return GradientHistory(variant, np.arange(steps), arrays["loss"], arrays["embeddings"],
                           arrays["attention"], arrays["mlp"], arrays["head"],
                           np.asarray(snaps), captures)


def all_variant_histories(*, steps: int = 60, n_layers: int = 6, batch: int = 32, lr: float = 3e-3,
                          seed: int = 0) -> dict[str, GradientHistory]:
    """train_gradient_history for every VARIANTS entry (same seed, same data)."""
    return {v: train_gradient_history(v, steps=steps, n_layers=n_layers, batch=batch, lr=lr, seed=seed)
            for v in VARIANTS}


# --- Shipped snapshot: the page loads these numbers instead of training for ~20 s -----------------

SNAPSHOT_PATH = Path(__file__).resolve().parents[2] / "models" / "gradient_flow" / "training_dynamics.npz"
SNAPSHOT_RUN = {"steps": 60, "n_layers": 6, "batch": 32, "lr": 3e-3, "seed": 0}  # the page's run
_ARRAYS = ("loss", "embeddings", "attention", "mlp", "head")


def snapshot_settings(**run) -> dict:
    """Everything that determines the recorded numbers: the run arguments (SNAPSHOT_RUN unless
    overridden), the variants, the toy model's config and the task. JSON-serialisable."""
    run = {**SNAPSHOT_RUN, **run}
    return {"run": run, "variants": {k: list(v) for k, v in VARIANTS.items()},
            "config": asdict(toy_config(run["n_layers"])),
            "task": "copy: 8 random tokens then the same 8; loss on the second half; Adam; no dropout"}


def settings_checksum(settings: dict) -> str:
    """sha256 of the canonical JSON of `snapshot_settings()`: changes whenever a setting does."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


def save_histories(histories: dict[str, GradientHistory], path: Path | str, settings: dict) -> Path:
    """Write the per-step arrays of each history (not the captures) and the settings with their
    checksum to one .npz (no pickles)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(histories)
    meta = {"settings": settings, "checksum": settings_checksum(settings), "variants": names,
            "torch": torch.__version__}
    arrays = {"meta": np.array(json.dumps(meta, sort_keys=True))}
    for i, name in enumerate(names):
        arrays[f"v{i}_steps"] = histories[name].steps
        for key in _ARRAYS:
            arrays[f"v{i}_{key}"] = getattr(histories[name], key)
    np.savez_compressed(path, **arrays)
    return path


def load_histories(path: Path | str = SNAPSHOT_PATH) -> tuple[dict[str, GradientHistory], dict]:
    """(histories without captures, meta) from a file written by `save_histories`. meta has
    'settings', 'checksum', 'variants' and the 'torch' version that produced the numbers."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        out = {name: GradientHistory(name, z[f"v{i}_steps"], *(z[f"v{i}_{k}"] for k in _ARRAYS))
               for i, name in enumerate(meta["variants"])}
    return out, meta
