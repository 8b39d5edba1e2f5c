"""Where a model's weights live: one device, or split by accelerate's big-model inference.

`Placement` carries load_model's device / dtype / device_map / max_memory / offload_folder
to `from_pretrained` (transformers hands device_map to accelerate: several GPUs, CPU, disk)
or moves an already loaded model. Captures are unchanged: the instrumented attention runs
wherever each layer runs, and the Recorder moves every tensor to CPU float32 as it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

_DTYPES = {"float32": torch.float32, "fp32": torch.float32, "float16": torch.float16,
           "fp16": torch.float16, "half": torch.float16, "bfloat16": torch.bfloat16,
           "bf16": torch.bfloat16}


def best_device() -> str:
    """'cuda' when a CUDA GPU is there, else 'mps' (Apple silicon), else 'cpu'."""
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def as_dtype(dtype: str | torch.dtype | None) -> torch.dtype | str:
    """None -> float32 (figures are float32); 'auto' -> the checkpoint's own dtype; names or torch dtypes."""
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype) or dtype == "auto":
        return dtype
    if isinstance(dtype, str) and dtype.lower() in _DTYPES:
        return _DTYPES[dtype.lower()]
    raise ValueError(f"dtype must be None, 'auto', a torch dtype or one of {sorted(_DTYPES)}; got {dtype!r}")


@dataclass(frozen=True)
class Placement:
    """device: 'cpu', 'cuda', 'cuda:1', 'mps' or 'auto' (the best one here); None = CPU.
    dtype: see as_dtype (half precision keeps weights in half; captures are still float32).
    device_map: accelerate's map ('auto', 'balanced', 'sequential' or {module: device}); with
    max_memory ({0: '20GiB', 1: '20GiB', 'cpu': '60GiB'}) and offload_folder (for 'disk')."""

    device: str | None = None
    dtype: str | torch.dtype | None = None
    device_map: str | dict | None = None
    max_memory: dict | None = None
    offload_folder: str | None = None

    def __post_init__(self) -> None:
        if self.device is not None and self.device_map is not None:
            raise ValueError("give device= (one device) or device_map= (a split), not both")
        if (self.max_memory is not None or self.offload_folder is not None) and self.device_map is None:
            raise ValueError("max_memory= and offload_folder= need device_map= (e.g. device_map='auto')")
        as_dtype(self.dtype)  # fail early on a bad name

    @property
    def target(self) -> str:
        return best_device() if self.device == "auto" else (self.device or "cpu")

    def from_pretrained_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"dtype": as_dtype(self.dtype)}
        if self.device_map is not None:
            kwargs["device_map"] = self.device_map
            if self.max_memory is not None:
                kwargs["max_memory"] = self.max_memory
            if self.offload_folder is not None:
                kwargs["offload_folder"] = str(self.offload_folder)
        return kwargs

    def place(self, model: nn.Module) -> nn.Module:
        """Move a model loaded without a device_map to `device` (and dtype, if one was asked)."""
        if self.device_map is not None or getattr(model, "hf_device_map", None):
            return model
        dtype = as_dtype(self.dtype)
        target = self.target
        if isinstance(dtype, torch.dtype) and self.dtype is not None:
            return model.to(device=target, dtype=dtype)
        return model.to(target) if target != "cpu" else model


def input_device(model: nn.Module) -> torch.device | None:
    """Where a model's inputs go: its device, or None when accelerate split it (its hooks move
    the inputs to each part's device)."""
    if getattr(model, "hf_device_map", None) and len(set(model.hf_device_map.values())) > 1:
        return None
    try:
        return next(p.device for p in model.parameters() if p.device.type != "meta")
    except StopIteration:
        return None
