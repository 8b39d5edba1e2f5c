"""HookPoint: an identity module with a contract name, the one place a capture can tap."""

from __future__ import annotations

import torch
from torch import nn


class HookPoint(nn.Module):
    """Returns its input unchanged; `name` is its dotted capture name (e.g.
    'encoder.0.self_attn.weights'), set by the model that owns it."""

    def __init__(self) -> None:
        super().__init__()
        self.name = ""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def extra_repr(self) -> str:
        return repr(self.name)


def hook_points(model: nn.Module) -> dict[str, HookPoint]:
    """Every named HookPoint in `model`, by capture name."""
    return {m.name: m for m in model.modules() if isinstance(m, HookPoint) and m.name}


def name_hook_points(module: nn.Module, prefix: str) -> None:
    """Give every HookPoint attribute `hook_<q>` of `module` the name f'{prefix}.{q}'."""
    for attr, child in module.named_children():
        if isinstance(child, HookPoint) and attr.startswith("hook_"):
            child.name = f"{prefix}.{attr[len('hook_'):]}" if prefix else attr[len("hook_"):]
