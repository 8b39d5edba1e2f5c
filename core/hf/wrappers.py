"""The loaded models behind the one capture interface: Model and its two kinds.

Model.capture(text) tokenizes (core/encoding.py), runs one recorded forward pass under the
per-model capture lock and returns a Capture. HFModel wraps a transformers model running the
instrumented attention (core/hf.py); ScratchModel wraps our from-scratch core.Transformer.
Loading them from names, folders or the hub is core/loaders.py's job.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import torch

from core.capture import (
    Capture,
    CaptureTooLarge,
    NameFilter,
    Recorder,
    estimate_nbytes,
    mb,
    model_lock,
    name_filter,
    recording,
)
from core.hf.placement import input_device
from core.hf.text import Encoded, check_text, encode, is_byte_level, tokenizer_kind
from core.hf.tokens import clean_token, word_labels
from core.hooks import hook_points
from core.objectives import (
    NEXT_TOKEN_INPUT,
    NEXT_TOKEN_TARGET,
    POOLED_NORM,
    REPREDICT,
    next_token_loss,
    pooled_norm,
    repredict_loss,
    scratch_objective,
)

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
        """
        if target is not None and self.arch != "encoder-decoder":
            raise ValueError(f"target= is for encoder-decoder models; {self.name!r} is a {self.arch} model")
        enc = self._encode(text, pair, target)
        keep = name_filter(names, self.names)
        n_target = None if enc.target_ids is None else int(enc.target_ids.shape[1])
        estimated = self.estimate_nbytes(int(enc.input_ids.shape[1]), keep, n_target) * (2 if grads else 1)
        if max_bytes is not None and estimated > max_bytes:
            raise CaptureTooLarge(
                f"this capture would hold about {mb(estimated)} ({enc.input_ids.shape[1]} tokens), more "
                f"than the {mb(max_bytes)} allowed: use a shorter text or capture fewer names",
                estimated, max_bytes)
        tensors, gradients, objective = self._run(enc, keep, bool(grads))
        meta = {
            "model": self.name, "arch": self.arch,
            "attn_implementation": self.info["attn_implementation"],
            "objective": objective if grads else None,
            "n_tokens_original": enc.n_original, "n_tokens_kept": int(enc.input_ids.shape[1]),
            "truncated": enc.truncated, "max_tokens": self.max_tokens,
            "words": enc.words, "word_labels": word_labels(enc.tokens, enc.words),
            "segments": enc.segments, "pair": pair is not None, "raw_tokens": enc.raw_tokens,
            "target_raw_tokens": enc.target_raw,
            "target_default": self.arch == "encoder-decoder" and target is None,
            "estimated_bytes": estimated, "names": None if names is None or callable(names) else
            ([names] if isinstance(names, str) else list(names)),
        }
        return Capture(tensors, enc.tokens, enc.target_tokens, meta, gradients)

    def _run(self, enc: Encoded, keep: Callable[[str], bool],
             grads: bool) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], str | None]:
        """Record one forward pass (and the objective's gradients). One capture at a time per
        model: Streamlit sessions share a loaded model, and its hooks must only see their own run."""
        recorder = Recorder(keep, grads)
        with model_lock(self.model):
            was_training = self.model.training
            if was_training:  # eval() walks every module: skip it when already in eval mode
                self.model.eval()
            try:
                with torch.set_grad_enabled(grads):
                    loss, objective = self._forward(enc, recorder, grads)
                    gradients = recorder.gradients(loss) if grads else {}
            finally:
                if was_training:
                    self.model.train(True)
        return recorder.tensors, gradients, objective

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
        enc.target_tokens = [clean_token(t, self._byte_level) for t in enc.target_raw]

    def _forward(self, enc: Encoded, recorder: Recorder, grads: bool):
        """Run the model with `recorder` attached; return (objective tensor, its text) when grads."""
        raise NotImplementedError


# --------------------------------------------------------------------------- HF

class HFModel(Model):
    """A transformers model running the instrumented attention (core/hf.py)."""

    def __init__(self, name: str, model, tokenizer, max_tokens: int = DEFAULT_MAX_TOKENS,
                 source: str = "", load_seconds: float = 0.0) -> None:
        from core.hf.attention import ATTN_IMPLEMENTATION, instrument

        self.model = model.eval()
        self.layout = instrument(model)
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
        return self.layout.names

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

    def _forward(self, enc: Encoded, recorder: Recorder, grads: bool):
        """One instrumented forward pass; returns (loss or None, objective text or None)."""
        from core.hf.attention import instrumented

        with instrumented(self.layout, recorder) as active:
            out = self.model(**self.forward_inputs(enc))
            if self.layout.attention and active.calls == 0:
                raise RuntimeError(f"{self.name}: the model did not call the attention interface; "
                                   "nothing about attention was captured")
            return self._objective(out, enc) if grads else (None, None)

    def _objective(self, out, enc: Encoded) -> tuple[torch.Tensor, str]:
        logits = getattr(out, "logits", None)
        if logits is not None and logits.device != enc.input_ids.device:  # a GPU or split model
            enc = _on(enc, logits.device)
        vocab = getattr(self.model.config, "vocab_size", None)
        if logits is not None and logits.dim() == 3 and logits.shape[-1] == vocab:
            if self.arch == "decoder":
                return next_token_loss(logits, enc.input_ids), NEXT_TOKEN_INPUT
            if self.arch == "encoder-decoder":
                return next_token_loss(logits, enc.target_ids), NEXT_TOKEN_TARGET
            return repredict_loss(logits, enc.input_ids), REPREDICT
        hidden = getattr(out, "last_hidden_state", None)
        if hidden is None:
            hidden = out[0]
        mask = enc.inputs.get("attention_mask") if self.arch != "encoder-decoder" else None
        return pooled_norm(hidden, mask), POOLED_NORM


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
    """Our core.Transformer (here: MiniLM's weights via core/twin.py) with an HF tokenizer."""

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

    def _forward(self, enc: Encoded, recorder: Recorder, grads: bool):
        device = next(self.model.parameters()).device
        if device.type != "cpu":
            enc = _on(enc, device)
        inputs = enc.inputs
        with recording(self.model, recorder):
            out = self.model(inputs["input_ids"], attention_mask=inputs.get("attention_mask"),
                             token_type_ids=inputs.get("token_type_ids"))
            if not grads:
                return None, None
            return scratch_objective(self.arch, out.logits, out.hidden, enc.input_ids,
                                     attention_mask=inputs.get("attention_mask"))

