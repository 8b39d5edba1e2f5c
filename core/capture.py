"""Capture: the named tensors of one forward pass, and `capture()` that records them.

Names follow ARCHITECTURE.md: `{stack}.{layer}.{block}.{quantity}` with stack in
encoder/decoder, block in self_attn/cross_attn and quantity in q, k, v, scores, mask, weights,
vectors, output; plus `embed`, `pos_embed` (and `decoder.embed`, `decoder.pos_embed` for the
decoder side of an encoder-decoder) and `{stack}.{layer}.resid_post`.
"""

from __future__ import annotations

import fnmatch
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

import torch
from torch import nn

from core.hooks import HookPoint, hook_points
from core.objectives import capture_objective

QUANTITIES = ("q", "k", "v", "scores", "mask", "weights", "vectors", "output")
_BLOCK_NAME = re.compile(r"^(encoder|decoder)\.(\d+)\.(self_attn|cross_attn)\.(\w+)$")


class Capture(Mapping):
    """A read-only mapping from capture names to detached CPU tensors, plus display tokens.

    tokens:        display strings of the source sequence (input of the first stack)
    target_tokens: display strings of the decoder side of an encoder-decoder (else None)
    meta:          model name, arch, attention implementation, objective, truncation...
    grads:         same names and shapes, gradients of meta['objective'] (empty unless
                   captured with grads=True)
    Missing names raise KeyError listing what is available: a quantity is never faked.
    """

    def __init__(self, tensors: Mapping[str, torch.Tensor], tokens: list[str],
                 target_tokens: list[str] | None = None, meta: Mapping[str, Any] | None = None,
                 grads: Mapping[str, torch.Tensor] | None = None) -> None:
        self._tensors = dict(tensors)
        self._grads = dict(grads or {})
        self.tokens = list(tokens)
        self.target_tokens = None if target_tokens is None else list(target_tokens)
        self._meta = dict(meta or {})

    # Mapping protocol
    def __getitem__(self, name: str) -> torch.Tensor:
        return _lookup(self._tensors, name, "captured")

    def __iter__(self) -> Iterator[str]:
        return iter(self._tensors)

    def __len__(self) -> int:
        return len(self._tensors)

    def __repr__(self) -> str:
        return (f"Capture({self._meta.get('model', '?')!r}, {len(self.tokens)} tokens, "
                f"{len(self)} tensors, grads={bool(self._grads)})")

    @property
    def meta(self) -> Mapping[str, Any]:
        return MappingProxyType(self._meta)

    @property
    def grads(self) -> Mapping[str, torch.Tensor]:
        return _Grads(self._grads)

    # helpers for figures
    def blocks(self, stack: str | None = None, block: str | None = None) -> list[tuple[str, int, str]]:
        """The (stack, layer, block) triples present, in layer order."""
        found = set()
        for name in self._tensors:
            m = _BLOCK_NAME.match(name)
            if m and (stack in (None, m[1])) and (block in (None, m[3])):
                found.add((m[1], int(m[2]), m[3]))
        return sorted(found, key=lambda t: (t[0] != "encoder", t[1], t[2]))

    def n_layers(self, stack: str = "encoder", block: str = "self_attn") -> int:
        return len(self.blocks(stack, block))

    def stacked(self, quantity: str, stack: str = "encoder", block: str = "self_attn",
                batch: int = 0) -> torch.Tensor:
        """One quantity for every layer of a stack: [layers, heads, q_pos, ...] for one batch row."""
        return torch.stack(self.per_layer(quantity, stack, block, batch))

    def per_layer(self, quantity: str, stack: str = "encoder", block: str = "self_attn",
                  batch: int = 0) -> list[torch.Tensor]:
        """One quantity for every layer of a stack as a list of views [heads, q_pos, ...] (no
        copy: at 1024 tokens a stacked copy of SmolLM2's weights alone is 1.1 GB)."""
        layers = [layer for _, layer, _ in self.blocks(stack, block)]
        if not layers:
            raise KeyError(f"no {stack}.*.{block} tensors captured; blocks present: {self.blocks()}")
        return [self[f"{stack}.{i}.{block}.{quantity}"][batch] for i in layers]

    @property
    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self._tensors.values())


class _Grads(Mapping):
    def __init__(self, grads: dict[str, torch.Tensor]) -> None:
        self._grads = grads

    def __getitem__(self, name: str) -> torch.Tensor:
        if not self._grads:
            raise KeyError(f"{name!r}: no gradients were captured; call capture(..., grads=True)")
        return _lookup(self._grads, name, "with a gradient")

    def __iter__(self) -> Iterator[str]:
        return iter(self._grads)

    def __len__(self) -> int:
        return len(self._grads)


def _lookup(store: dict[str, torch.Tensor], name: str, what: str) -> torch.Tensor:
    try:
        return store[name]
    except KeyError:
        shown = ", ".join(sorted(store)[:40]) + (" ..." if len(store) > 40 else "")
        raise KeyError(f"{name!r} is not {what}; available ({len(store)}): {shown}") from None


# --------------------------------------------------------------------------- recording

NameFilter = Iterable[str] | Callable[[str], bool] | None


def name_filter(names: NameFilter, available: Iterable[str]) -> Callable[[str], bool]:
    """Turn `names` (None = all; exact names or glob patterns like '*.weights'; or a predicate)
    into a predicate. A pattern that matches none of `available` raises KeyError."""
    if names is None:
        return lambda n: True
    if callable(names):
        return names
    if isinstance(names, str):
        names = [names]
    patterns, available = list(names), list(available)
    for pattern in patterns:
        if not any(fnmatch.fnmatchcase(a, pattern) for a in available):
            raise KeyError(f"{pattern!r} matches no capture name; available: "
                           f"{', '.join(available[:40])}{' ...' if len(available) > 40 else ''}")
    return lambda n: any(fnmatch.fnmatchcase(n, p) for p in patterns)


class CaptureTooLarge(ValueError):
    """A capture would need more memory than allowed (estimated before the model runs)."""

    def __init__(self, message: str, estimated: int, limit: int) -> None:
        super().__init__(message)
        self.estimated, self.limit = estimated, limit


BYTES_PER_VALUE = 4  # every float is stored as float32 (half-precision models included); masks: 1


def estimate_nbytes(names: Iterable[str], n_tokens: int, *, n_heads: int, d_head: int, d_model: int,
                    n_target: int | None = None) -> int:
    """Bytes a capture of `names` will hold (Capture.nbytes), before running the model.

    Per name, with T = tokens of its stack (n_target for the decoder of an encoder-decoder),
    K = keys (the source tokens for cross-attention, else T), 4 bytes a float:
      scores, weights: heads × T × K × 4    (the tokens² terms: all but a few % at length)
      mask:            T × K × 1            (bool)
      q, vectors: heads × T × d_head × 4;   k, v: heads × K × d_head × 4
      output, resid_post, embed, pos_embed: T × d_model × 4
    So a full capture is about layers × heads × tokens² × 2 quantities × 4 bytes, plus linear terms.
    """
    total = 0
    for name in names:
        decoder_side = name.startswith("decoder")
        n_q = n_target if decoder_side and n_target is not None else n_tokens
        n_k = n_tokens if ".cross_attn." in name else n_q
        quantity = name.rsplit(".", 1)[-1]
        if quantity in ("scores", "weights"):
            total += n_heads * n_q * n_k * BYTES_PER_VALUE
        elif quantity == "mask":
            total += n_q * n_k
        elif quantity in ("q", "vectors"):
            total += n_heads * n_q * d_head * BYTES_PER_VALUE
        elif quantity in ("k", "v"):
            total += n_heads * n_k * d_head * BYTES_PER_VALUE
        else:
            total += n_q * d_model * BYTES_PER_VALUE
    return total


def mb(n_bytes: float) -> str:
    """'12.3 MB' / '1.13 GB' for messages."""
    return f"{n_bytes / 1e9:.2f} GB" if n_bytes >= 1e9 else f"{n_bytes / 1e6:.1f} MB"


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt parameters


def reuse_freed_memory(mmap_threshold: int = 32 * 2**20) -> bool:
    """Let the C allocator keep freed blocks up to `mmap_threshold` bytes for reuse instead of
    giving them back to the OS at once (glibc only; returns False elsewhere, changing nothing).

    Why: a capture keeps its tensors, so the forward pass cannot reuse that memory and every
    new page costs a page fault (measured: 2,700 faults, +45% time for an 11 MB capture of the
    6-layer core at 128 tokens). With freed memory kept, the pages of an earlier capture or
    forward are reused: no faults, capture of every name within a few % of the plain forward.
    Memory is still bounded: the capture cache has a byte budget and trims after evicting.
    The app calls this once at start; benchmarks call it for baseline and capture alike.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold))) and \
            bool(libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
    except (OSError, AttributeError):  # not glibc
        return False


class Recorder:
    """Collects named tensors during one forward pass, and their gradients after it.

    `record(name, x)` stores x detached and returns the tensor the forward pass should go on
    with: x itself, or (when gradients are wanted of a tensor that does not require grad, such
    as a fixed positional encoding) a leaf copy that does.
    """

    def __init__(self, keep: Callable[[str], bool], grads: bool) -> None:
        self.keep, self.want_grads = keep, grads
        self.tensors: dict[str, torch.Tensor] = {}
        self._live: dict[str, torch.Tensor] = {}

    def record(self, name: str, x: torch.Tensor) -> torch.Tensor:
        if not self.keep(name):
            return x
        # the same values as x.detach().cpu(), without a new tensor object per call when x
        # already is a CPU tensor outside autograd (every capture without grads on CPU)
        stored = x.detach() if x.requires_grad else x
        if not stored.is_cpu:
            stored = stored.cpu()
        if stored.dtype in (torch.float16, torch.bfloat16):  # figures and numpy need fp32
            stored = stored.float()
        self.tensors[name] = stored
        if self.want_grads and x.is_floating_point():
            if not x.requires_grad:
                x = x.detach().requires_grad_(True)
            self._live[name] = x
        return x

    def gradients(self, objective: torch.Tensor) -> dict[str, torch.Tensor]:
        """d objective / d every recorded float tensor (zeros where it does not reach)."""
        names = list(self._live)
        grads = torch.autograd.grad(objective, [self._live[n] for n in names], allow_unused=True)
        return {n: (torch.zeros_like(self._live[n]) if g is None else g).detach().cpu()
                for n, g in zip(names, grads)}


# --------------------------------------------------------------------------- meta

MODEL_META = ("model", "arch", "attn_implementation", "positional", "n_layers", "n_heads", "objective")
INPUT_META = ("n_tokens_original", "n_tokens_kept", "truncated", "max_tokens", "words", "word_labels",
              "segments", "pair", "raw_tokens", "target_raw_tokens", "target_default", "names",
              "estimated_bytes")
META_KEYS = MODEL_META + INPUT_META  # every capture has all of them, however it was made


def model_meta(model: str, arch: str, attn_implementation: str, positional: str | None,
               n_layers: int | None, n_heads: int | None, objective: str | None) -> dict[str, Any]:
    """The MODEL_META part of a capture's meta (positional: a core.positional kind, or None for a
    Hugging Face model; objective: the text of meta['objective'], None without grads)."""
    return {"model": model, "arch": arch, "attn_implementation": attn_implementation,
            "positional": positional, "n_layers": n_layers, "n_heads": n_heads, "objective": objective}


def ids_meta(tokens: list[str], target_tokens: list[str] | None, segments: list[int],
             max_tokens: int) -> dict[str, Any]:
    """The INPUT_META part for a capture made from token ids (no text, nothing cut): one word per
    token, the display tokens as raw tokens. Model.capture(text) overrides it with what the
    tokenizer knows."""
    return {"n_tokens_original": len(tokens), "n_tokens_kept": len(tokens), "truncated": False,
            "max_tokens": max_tokens, "words": [[i] for i in range(len(tokens))],
            "word_labels": list(tokens), "segments": list(segments), "pair": False,
            "raw_tokens": list(tokens), "target_raw_tokens": target_tokens, "target_default": False,
            "names": None, "estimated_bytes": None}


def requested_names(names: NameFilter) -> list[str] | None:
    """meta['names']: the names or patterns a capture was asked for (None: everything, or a predicate)."""
    if names is None or callable(names):
        return None
    return [names] if isinstance(names, str) else list(names)


# --------------------------------------------------------------------------- running

_LOCKS: weakref.WeakKeyDictionary[nn.Module, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def model_lock(model: nn.Module) -> threading.RLock:
    """The lock that makes captures of one model take turns (hooks live on the shared model,
    so two threads capturing at once would record each other's tensors)."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(model)
        if lock is None:
            lock = _LOCKS[model] = threading.RLock()
        return lock


@contextmanager
def running(model: nn.Module, grads: bool) -> Iterator[None]:
    """The one block every capture runs in: this model's lock held (one capture at a time),
    eval mode (no dropout), autograd on only when gradients are wanted; the training flag is
    restored after."""
    with model_lock(model):
        was_training = model.training
        if was_training:  # eval() walks every module (~4 ms on a 6-layer model): only when needed
            model.eval()
        try:
            with torch.set_grad_enabled(grads):
                yield
        finally:
            if was_training:
                model.train(True)


@contextmanager
def recording(model: nn.Module, recorder: Recorder, points: dict[str, HookPoint] | None = None):
    """Every HookPoint of `model` (or of `points`) whose name the recorder keeps feeds
    `recorder` (HookPoint.record); the points not kept stay untouched. Always undone, even
    when the forward pass raises (each point gets back what it had before)."""
    points = hook_points(model) if points is None else points
    tapped = [(point, point.record) for name, point in points.items() if recorder.keep(name)]
    try:
        for point, _ in tapped:  # object.__setattr__: nn.Module's own costs ~3 us a call
            object.__setattr__(point, "record", recorder.record)
        yield recorder
    finally:
        for point, previous in tapped:
            object.__setattr__(point, "record", previous)


def capture(model: nn.Module, input_ids, target_ids=None, grads: bool = False,
            names: NameFilter = None, *, attention_mask: torch.Tensor | None = None,
            token_type_ids: torch.Tensor | None = None, tokens: list[str] | None = None,
            target_tokens: list[str] | None = None, meta: Mapping[str, Any] | None = None) -> Capture:
    """Run `model` (a core.Transformer) once and return the named tensors it computed.

    input_ids [pos] or [batch, pos]; target_ids the decoder input of an encoder-decoder;
    attention_mask [batch, pos] (1 = real token); token_type_ids [batch, pos] (segments);
    names: None for everything, or exact names / glob patterns ('*.weights') / a predicate;
    grads=True also fills Capture.grads with d objective / d tensor (objective in meta).
    tokens / target_tokens: display strings (default: the ids); meta: overrides of the
    META_KEYS defaults (Model.capture passes what it knows of the text).
    The model runs in eval mode (no dropout); its training flag and hooks are restored after.
    """
    input_ids = model.check_ids(input_ids)
    if target_ids is not None:
        target_ids = model.check_ids(target_ids, "target_ids")
    points = hook_points(model)
    recorder = Recorder(name_filter(names, points), grads)
    gradients, objective = {}, None
    with running(model, grads), recording(model, recorder, points):
        out = model(input_ids, target_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        if grads:
            loss, objective = capture_objective(model.cfg.arch, out.logits, out.hidden, input_ids,
                                                target_ids, attention_mask)
            gradients = recorder.gradients(loss)
    cfg = model.cfg
    if tokens is None:
        tokens = [str(i) for i in input_ids[0].tolist()]  # tolist: 20x faster than int() per element
    if target_tokens is None and target_ids is not None:
        target_tokens = [str(i) for i in target_ids[0].tolist()]
    segments = [0] * len(tokens) if token_type_ids is None else torch.as_tensor(token_type_ids)[0].tolist()
    info = model_meta(type(model).__name__, cfg.arch, "core.attention", cfg.positional, cfg.n_layers,
                      cfg.n_heads, objective)
    info.update(ids_meta(tokens, target_tokens, segments, cfg.max_len))
    info["names"] = requested_names(names)
    info.update(meta or {})
    return Capture(recorder.tensors, tokens, target_tokens, info, gradients)
