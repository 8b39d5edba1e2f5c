"""Models from the Hugging Face hub: the HF cache first, then a download with deadlines.

Every network step has a total deadline, so an endpoint that accepts the connection and never
answers (a dead proxy, a captive portal) gives a clear message instead of a hung page:
- the reachability probe (connect only) and the question "which files has this repo" get
  $ATTENTION_LAB_NETWORK_DEADLINE seconds each (default 15);
- each file download gets that deadline plus its size at $ATTENTION_LAB_MIN_DOWNLOAD_MBPS
  (default 0.5 MB/s), so a 500 MB model on a slow line is not cut, a stalled one is.
Only files that cannot run code are fetched: config and tokenizer files by name and weights
named *.safetensors; an index mapping weights to anything else is refused before any weight is
downloaded (pickles only with allow_pickle=True).
"""

from __future__ import annotations

import fnmatch
import json
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

from core.hf.weights import INDEX, PICKLE_SUFFIXES, pickle_refusal

T = TypeVar("T")
SAFE_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
              "special_tokens_map.json", "added_tokens.json", "vocab.txt", "vocab.json", "merges.txt",
              "spiece.model", "sentencepiece.bpe.model", "source.spm", "target.spm", "*.tiktoken",
              INDEX, "*.safetensors")
SENTENCEPIECE_ONLY = "tokenizer.model"  # needed only when the repo has no tokenizer.json
PICKLE_FILES = ("pytorch_model*.bin", "pytorch_model.bin.index.json")


class NetworkDeadline(TimeoutError):
    """A network step did not finish within its deadline."""


def network_deadline() -> float:
    """Seconds allowed for one network question ($ATTENTION_LAB_NETWORK_DEADLINE, default 15)."""
    return _positive("ATTENTION_LAB_NETWORK_DEADLINE", 15.0)


def min_download_rate() -> float:
    """Bytes per second below which a download counts as stalled (default 0.5 MB/s)."""
    return _positive("ATTENTION_LAB_MIN_DOWNLOAD_MBPS", 0.5) * 1e6


def _positive(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if 0 < value < float("inf") else default


def endpoint() -> str:
    """The hub endpoint: $HF_ENDPOINT as it is now (huggingface_hub reads it once at import)."""
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def with_deadline(fn: Callable[[], T], seconds: float, what: str) -> T:
    """fn() run in a daemon thread, or NetworkDeadline after `seconds` (the thread is left to
    its own socket timeouts; the caller is never blocked longer than the deadline)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            box["error"] = err

    worker = threading.Thread(target=run, name=f"attention-lab: {what}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise NetworkDeadline(f"{what} got no answer within {seconds:g} s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def reachable(url: str, seconds: float = 3.0) -> bool:
    """True when a TCP connection to the endpoint's host opens within `seconds` (name lookup
    included)."""
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)

    def connect() -> bool:
        with socket.create_connection((parsed.hostname, port), timeout=seconds):
            return True

    try:
        return with_deadline(connect, seconds, f"connecting to {parsed.hostname}")
    except (OSError, NetworkDeadline):
        return False


def hub_files(names: list[str], allow_pickle: bool = False) -> list[str]:
    """The files of a hub repo worth fetching: config, tokenizer and safetensors weights (and
    pickle weights only when allowed). Names are matched on the repo path's last part."""
    patterns = list(SAFE_FILES) + (list(PICKLE_FILES) if allow_pickle else [])
    if "tokenizer.json" not in names:
        patterns.append(SENTENCEPIECE_ONLY)
    chosen = []
    for name in names:
        if "/" in name:  # subfolders hold other variants (onnx/, checkpoints): not loaded
            continue
        if any(fnmatch.fnmatchcase(name, p) for p in patterns):
            chosen.append(name)
    return chosen


def check_index(weight_map: dict, repo_id: str, allow_pickle: bool) -> list[str]:
    """The shards an index names; refused before downloading when any is not *.safetensors."""
    shards = sorted(set(weight_map.values())) if isinstance(weight_map, dict) else []
    if not shards or not all(isinstance(s, str) for s in shards):
        raise ValueError(f"{repo_id}: its {INDEX} maps no weights to files")
    unsafe = [s for s in shards if not s.endswith(".safetensors") or "/" in s]
    if unsafe and not allow_pickle:
        raise ValueError(pickle_refusal(Path(repo_id), unsafe, indexed=True))
    return shards


def download(repo_id: str, allow_pickle: bool = False) -> Path:
    """Fetch the safe files of `repo_id` into the HF cache, each under its deadline; the folder.

    Raises NetworkDeadline, ValueError (pickles, no weights) or the hub's own errors."""
    from huggingface_hub import HfApi, hf_hub_download

    url, limit, rate = endpoint(), network_deadline(), min_download_rate()
    api = HfApi(endpoint=url)
    info = with_deadline(lambda: api.model_info(repo_id, files_metadata=True, timeout=limit), limit,
                         f"asking {url} which files {repo_id!r} has")
    sizes = {s.rfilename: (s.size or 0) for s in info.siblings or []}
    wanted = hub_files(list(sizes), allow_pickle)

    def fetch(name: str) -> Path:
        seconds = limit + sizes.get(name, 0) / rate
        size = f" ({sizes[name] / 1e6:,.0f} MB)" if sizes.get(name) else ""
        return Path(with_deadline(
            lambda: hf_hub_download(repo_id, name, revision=info.sha, endpoint=url, etag_timeout=limit),
            seconds, f"downloading {name}{size} from {url}"))

    if INDEX in wanted:  # read the index first: a pickle behind it is refused before any weight moves
        shards = check_index(json.loads(fetch(INDEX).read_text()).get("weight_map"), repo_id, allow_pickle)
        wanted = [n for n in wanted if not n.endswith(".safetensors") or n in shards] + \
                 [s for s in shards if s not in wanted and s in sizes]
    if not any(n.endswith(".safetensors") for n in wanted) and not allow_pickle:
        pickles = [n for n in sizes if n.endswith(PICKLE_SUFFIXES)]
        if pickles:
            raise ValueError(pickle_refusal(Path(repo_id), pickles))
    folder = None
    for name in wanted:
        folder = fetch(name).parent
    if folder is None:
        raise ValueError(f"{repo_id} has no config, tokenizer or weights files Attention Lab can load")
    return folder
