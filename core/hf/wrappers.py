"""The loaded models behind the one capture interface: Model and its two kinds.

Model.capture(text) tokenizes (core/hf/text.py) and records one forward pass. HFModel wraps a
transformers model running the instrumented attention (core/hf/attention.py) inside
core.capture's `running` block; ScratchModel wraps our from-scratch core.Transformer (any
architecture) and records through core.capture itself, so both kinds give captures with the
same names, mask shapes and meta keys. Loading them from names, folders or the hub is
core/hf/sources.py's and core/load.py's job.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch

from core.capture import (
    Capture,
    CaptureTooLarge,
    NameFilter,
    Recorder,
    capture,
    estimate_nbytes,
    mb,
    model_meta,
    name_filter,
    requested_names,
    running,
)
from core.hf.placement import input_device
from core.hf.text import Encoded, check_text, encode, is_byte_level, tokenizer_kind
from core.hf.tokens import clean_tokens, word_labels
from core.hooks import hook_points
from core.objectives import capture_objective

DEFAULT_MAX_TOKENS = 1024  # captures grow with tokens^2: longer contexts are cut here (meta says so);
# the memory guard (ui/cache.py, Model.capture(max_bytes=)) decides what a page may capture below it


class Model:
    """A loaded model behind the one capture interface.

    name: the name it was loaded by; tokenizer: its (HF) tokenizer; info: architecture facts
    (name, arch, n_layers, n_heads, n_kv_heads, d_model, max_len = context length, max_tokens,
    attn_implementation, tokenizer kind, vocab_size, n_parameters, source, load_seconds).
    """

    def __init__(self, name: str, tokenizer, info: dict[str, Any], max_tokens: int) -> None:
        self.name, self.tokenizer = name, tokenizer
        self.max_tokens = int(max_tokens)
        self.info = dict(info, name=name, max_tokens=self.max_tokens)
        self._byte_level = is_byte_level(tokenizer)

    @property
    def arch(self) -> str:
        return self.info["arch"]

    @property
    def names(self) -> list[str]:
        """Every capture name this model produces."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return (f"Model({self.name!r}, {self.arch}, {self.info.get('n_layers')} layers x "
                f"{self.info.get('n_heads')} heads)")

    def n_tokens(self, text: str, pair: str | None = None) -> int:
        """How many tokens a capture of `text` holds (after the cut at max_tokens)."""
        return int(self._encode(text, pair, None).input_ids.shape[1])

    def estimate_nbytes(self, n_tokens: int, names: NameFilter = None, n_target: int | None = None) -> int:
        """Bytes a capture of `names` (None = all) at `n_tokens` will hold, known before it runs
        (core.capture.estimate_nbytes; gradients, when asked for, double it)."""
        keep = name_filter(names, self.names)
        d_model, n_heads = int(self.info["d_model"]), int(self.info["n_heads"])
        d_head = int(self.info.get("d_head") or d_model // n_heads)
        return estimate_nbytes([n for n in self.names if keep(n)], n_tokens, n_heads=n_heads,
                               d_head=d_head, d_model=d_model, n_target=n_target)

    def capture(self, text: str, pair: str | None = None, target: str | None = None,
                grads: bool = False, names: NameFilter = None, max_bytes: int | None = None) -> Capture:
        """Run the model once on `text` and return its named tensors (ARCHITECTURE.md).

        pair: a second sentence (BERT-style sentence pair; segment ids in meta['segments']).
        target: the decoder text of an encoder-decoder (default: `text` itself, flagged in
            meta['target_default']); an error for other architectures.
        grads: also fill Capture.grads with gradients of meta['objective'].
        names: None (all), exact names, glob patterns ('*.weights') or a predicate.
        max_bytes: the memory guard. The capture's size is estimated before the model runs;
            past max_bytes it raises CaptureTooLarge (a ValueError) and runs nothing.
        Input longer than `max_tokens` is cut; meta['truncated'] and the token counts say so.
        meta has every key of core.capture.META_KEYS, as a capture made from ids does.
        """
        if target is not None and self.arch != "encoder-decoder":
            raise ValueError(f"target= is for encoder-decoder models; {self.name!r} is a {self.arch} model")
        enc = self._encode(text, pair, target)
        n_target = None if enc.target_ids is None else int(enc.target_ids.shape[1])
        estimated = self.estimate_nbytes(int(enc.input_ids.shape[1]), names, n_target) * (2 if grads else 1)
        if max_bytes is not None and estimated > max_bytes:
            raise CaptureTooLarge(
                f"this capture would hold about {mb(estimated)} ({enc.input_ids.shape[1]} tokens), more "
                f"than the {mb(max_bytes)} allowed: use a shorter text or capture fewer names",
                estimated, max_bytes)
        meta = {
            "model": self.name,
            "n_tokens_original": enc.n_original, "n_tokens_kept": int(enc.input_ids.shape[1]),
            "truncated": enc.truncated, "max_tokens": self.max_tokens,
            "words": enc.words, "word_labels": word_labels(enc.tokens, enc.words),
            "segments": enc.segments, "pair": pair is not None, "raw_tokens": enc.raw_tokens,
            "target_raw_tokens": enc.target_raw,
            "target_default": self.arch == "encoder-decoder" and target is None,
            "estimated_bytes": estimated, "names": requested_names(names),
        }
        return self._capture(enc, names, bool(grads), meta)

    # subclasses -------------------------------------------------------------
    def _accepted_inputs(self) -> set[str] | None:
        return None

    def _encode(self, text: str, pair: str | None, target: str | None) -> Encoded:
        enc = encode(self.tokenizer, text, pair, self.max_tokens, self._accepted_inputs(), self._byte_level)
        if self.arch == "encoder-decoder":
            self._encode_target(enc, text if target is None else check_text(target, "target"))
        return enc

    def _encode_target(self, enc: Encoded, target: str) -> None:
        ids = self.tokenizer(text_target=target, truncation=True, max_length=self.max_tokens - 1,
                             verbose=False)["input_ids"]
        start = self.info.get("decoder_start_token_id")
        ids = ([start] if start is not None else []) + list(ids)
        enc.target_ids = torch.tensor([ids])
        enc.target_raw = self.tokenizer.convert_ids_to_tokens(ids)
        enc.target_tokens = clean_tokens(enc.target_raw, self._byte_level)

    def _capture(self, enc: Encoded, names: NameFilter, grads: bool, meta: dict[str, Any]) -> Capture:
        """Record one forward pass on `enc` (meta: what is known of the text)."""
        raise NotImplementedError


# --------------------------------------------------------------------------- HF

class HFModel(Model):
    """A transformers model running the instrumented attention (core/hf.py)."""

    def __init__(self, name: str, model, tokenizer, max_tokens: int = DEFAULT_MAX_TOKENS,
                 source: str = "", load_seconds: float = 0.0) -> None:
        from core.hf.attention import ATTN_IMPLEMENTATION, instrument

        self.model = model.eval()
        self.layout = instrument(model)
        self._names = self.layout.names  # fixed once instrumented; every capture filters against it
        cfg = model.config
        context = _context_length(cfg, tokenizer)
        counts = [p for p in self.layout.attention.values() if p.endswith("self_attn")]
        first = "decoder" if self.layout.arch == "decoder" else "encoder"
        n_heads = _first_attr(cfg, "num_attention_heads", "n_head", "num_heads", "encoder_attention_heads")
        info = {
            "arch": self.layout.arch, "model_class": type(model).__name__,
            "model_type": getattr(cfg, "model_type", None),
            "n_layers": sum(p.startswith(first) for p in counts),
            "n_heads": n_heads,
            "n_kv_heads": _first_attr(cfg, "num_key_value_heads") or n_heads,
            "d_model": _first_attr(cfg, "hidden_size", "n_embd", "d_model"),
            "d_head": _first_attr(cfg, "head_dim", "d_kv"),
            "max_len": context, "attn_implementation": ATTN_IMPLEMENTATION,
            "tokenizer": tokenizer_kind(tokenizer), "vocab_size": getattr(cfg, "vocab_size", None),
            "n_parameters": sum(p.numel() for p in model.parameters()),
            "source": source, "load_seconds": round(load_seconds, 3),
            "decoder_start_token_id": getattr(cfg, "decoder_start_token_id", None),
        }
        super().__init__(name, tokenizer, info, min(max_tokens, context))
        self._device = input_device(model)
        self.info["device"] = str(self._device) if self._device is not None else "split"
        self.info["device_map"] = dict(getattr(model, "hf_device_map", None) or {}) or None
        self.info["dtype"] = str(next(model.parameters()).dtype).replace("torch.", "")
        params = inspect.signature(model.forward).parameters
        self._accepted = {k for k in ("input_ids", "attention_mask", "token_type_ids") if k in params}
        self._use_cache = "use_cache" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def _accepted_inputs(self) -> set[str]:
        return self._accepted

    def forward_inputs(self, enc: Encoded) -> dict[str, Any]:
        """The keyword arguments of one plain forward call (also used by the benchmark)."""
        kwargs: dict[str, Any] = dict(enc.inputs)
        if enc.target_ids is not None:
            kwargs["decoder_input_ids"] = enc.target_ids
        if self._device is not None and self._device.type != "cpu":
            kwargs = {k: v.to(self._device) if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
        if self._use_cache:
            kwargs["use_cache"] = False
        return kwargs

    def _capture(self, enc: Encoded, names: NameFilter, grads: bool, meta: dict[str, Any]) -> Capture:
        """One instrumented forward pass inside core.capture's `running` block (lock, eval mode,
        restore): Streamlit sessions share a loaded model, and its hooks must only see their own run."""
        from core.hf.attention import instrumented

        recorder = Recorder(name_filter(names, self.names), grads)
        gradients, objective = {}, None
        with running(self.model, grads), instrumented(self.layout, recorder) as active:
            out = self.model(**self.forward_inputs(enc))
            if self.layout.attention and active.calls == 0:
                raise RuntimeError(f"{self.name}: the model did not call the attention interface; "
                                   "nothing about attention was captured")
            if grads:
                loss, objective = self._objective(out, enc)
                gradients = recorder.gradients(loss)
        info = model_meta(self.name, self.arch, self.info["attn_implementation"], None,
                          self.info["n_layers"], self.info["n_heads"], objective)
        return Capture(recorder.tensors, enc.tokens, enc.target_tokens, {**info, **meta}, gradients)

    def _objective(self, out, enc: Encoded) -> tuple[torch.Tensor, str]:
        """capture_objective of a transformers output: its logits when they are a language-model
        head's (over the vocabulary), else the last hidden state."""
        logits = getattr(out, "logits", None)
        if logits is not None and logits.device != enc.input_ids.device:  # a GPU or split model
            enc = _on(enc, logits.device)
        vocab = getattr(self.model.config, "vocab_size", None)
        if logits is not None and not (logits.dim() == 3 and logits.shape[-1] == vocab):
            logits = None
        hidden = getattr(out, "last_hidden_state", None)
        if hidden is None and logits is None:
            hidden = out[0]
        return capture_objective(self.arch, logits, hidden, enc.input_ids, enc.target_ids,
                                 enc.inputs.get("attention_mask"))


def _on(enc: Encoded, device: torch.device) -> Encoded:
    """A copy of `enc` whose id and mask tensors live on `device` (for the objective's loss)."""
    import copy

    moved = copy.copy(enc)
    if enc.target_ids is not None:
        moved.target_ids = enc.target_ids.to(device)
    moved.inputs = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in enc.inputs.items()}
    return moved


def _first_attr(cfg, *names: str):
    for name in names:
        value = getattr(cfg, name, None)
        if value is not None:
            return value
    return None


def _context_length(cfg, tokenizer) -> int:
    context = _first_attr(cfg, "max_position_embeddings", "n_positions", "max_seq_len")
    if context is None:  # relative positions (T5): the tokenizer's limit, if it states a real one
        limit = getattr(tokenizer, "model_max_length", None)
        context = limit if isinstance(limit, int) and limit < 1_000_000 else DEFAULT_MAX_TOKENS
    return int(context)


# --------------------------------------------------------------------------- from scratch

class ScratchModel(Model):
    """Our core.Transformer (any architecture; 'minilm-scratch' is MiniLM's weights via
    core/hf/twin.py) with an HF tokenizer. An encoder-decoder takes `capture(text, target=...)`."""

    def __init__(self, name: str, model, tokenizer, max_tokens: int = DEFAULT_MAX_TOKENS,
                 source: str = "", load_seconds: float = 0.0) -> None:
        self.model = model.eval()
        cfg = model.cfg
        info = {
            "arch": cfg.arch, "model_class": type(model).__name__, "model_type": "core.Transformer",
            "n_layers": cfg.n_layers, "n_heads": cfg.n_heads, "n_kv_heads": cfg.n_heads,
            "d_model": cfg.d_model, "max_len": cfg.max_len, "attn_implementation": "core.attention",
            "tokenizer": tokenizer_kind(tokenizer), "vocab_size": cfg.vocab_size,
            "n_parameters": model.n_parameters, "source": source,
            "load_seconds": round(load_seconds, 3), "positional": cfg.positional,
        }
        super().__init__(name, tokenizer, info, min(max_tokens, cfg.max_len))
        self._names = sorted(hook_points(model))

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def _accepted_inputs(self) -> set[str]:
        return {"input_ids", "attention_mask", "token_type_ids"}

    def _capture(self, enc: Encoded, names: NameFilter, grads: bool, meta: dict[str, Any]) -> Capture:
        """core.capture itself: the same names, mask shapes and meta as a capture made from ids."""
        device = next(self.model.parameters()).device
        if device.type != "cpu":
            enc = _on(enc, device)
        inputs = enc.inputs
        return capture(self.model, enc.input_ids, enc.target_ids, grads, names,
                       attention_mask=inputs.get("attention_mask"),
                       token_type_ids=inputs.get("token_type_ids"),
                       tokens=enc.tokens, target_tokens=enc.target_tokens, meta=meta)
