"""Train the toy encoder-decoder reverser (core/labs/toy_reverser.py) and save its weights to
models/reverser.safetensors. Seeded: the same code gives the same weights."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.labs.toy_reverser import STEPS, save_reverser, train_reverser  # noqa: E402

if __name__ == "__main__":
    model, losses = train_reverser(STEPS)
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.4f}; saved {save_reverser(model)}")
