"""One optimisation step as every lab's training loop takes it (toy task, seq2seq)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


def train_step(model: nn.Module, opt: torch.optim.Optimizer, sched, loss: torch.Tensor,
               losses: list[float], step: int, total: int,
               progress: Callable[[int, int, float], None] | None) -> None:
    """Backward, clip gradients at norm 1, step the optimiser and the schedule, record the loss,
    and call progress(step, total, loss) every 10 steps and at the last one."""
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    losses.append(float(loss.detach()))
    if progress is not None and ((step + 1) % 10 == 0 or step + 1 == total):
        progress(step + 1, total, losses[-1])
