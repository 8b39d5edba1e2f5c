"""Which weight files a model folder would load, judged by their contents, not their names.

A pickle can run code when loaded, so Attention Lab loads safetensors only (unless the caller
allows pickles). A file is safetensors when it *is* one: an 8-byte little-endian header length,
a JSON header, and exactly the bytes the header describes (a truncated copy fails that too).
An index (`model.safetensors.index.json`) is only trusted as far as the shards it names pass
the same check, so an index that maps weights to `pytorch_model.bin`, `weights.txt` or
`tokenizer.model` is refused.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

INDEX = "model.safetensors.index.json"
SINGLE = "model.safetensors"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
MAX_HEADER = 100_000_000  # the safetensors library's own limit on the JSON header


class NotSafetensors(ValueError):
    """A file that was to be read as safetensors is not one (or not all of one)."""


def safetensors_header(path: str | Path) -> dict:
    """The JSON header of a complete safetensors file, or NotSafetensors saying what is wrong.

    Checks the length prefix, that the header is a JSON object of tensor entries, and that the
    file holds exactly the bytes the entries' data_offsets describe (no truncation)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            prefix = f.read(8)
            if len(prefix) < 8:
                raise NotSafetensors(f"{path.name} is not a safetensors file ({size} bytes)")
            (n,) = struct.unpack("<Q", prefix)
            if n > min(MAX_HEADER, size - 8):
                raise NotSafetensors(f"{path.name} is not a safetensors file (its first bytes are no "
                                     "safetensors header)")
            raw = f.read(n)
    except OSError as err:
        raise NotSafetensors(f"{path.name} cannot be read: {err.strerror or err}") from None
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise NotSafetensors(f"{path.name} is not a safetensors file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise NotSafetensors(f"{path.name} is not a safetensors file (its header is not a JSON object)")
    end = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)):
            raise NotSafetensors(f"{path.name} is not a safetensors file ({name!r} has no data_offsets)")
        end = max(end, offsets[1])
    if 8 + n + end != size:
        raise NotSafetensors(f"{path.name} is incomplete: its header describes {8 + n + end:,} bytes, "
                             f"the file has {size:,} (an interrupted copy or download?)")
    return header


def index_shards(folder: Path) -> list[str]:
    """The shard files `model.safetensors.index.json` maps weights to (ValueError if unreadable)."""
    try:
        weight_map = json.loads((folder / INDEX).read_text())["weight_map"]
        shards = sorted(set(weight_map.values()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise ValueError(f"{INDEX} in {folder} is not a valid index (no weight_map of file names)") from None
    if not shards or not all(isinstance(s, str) for s in shards):
        raise ValueError(f"{INDEX} in {folder} maps no weights to files")
    return shards


def weight_files(folder: Path) -> list[str]:
    """The files transformers would read weights from when asked for safetensors (may be [])."""
    if (folder / INDEX).is_file():
        return index_shards(folder)
    return [SINGLE] if (folder / SINGLE).is_file() else []


def check_weights(folder: Path, allow_pickle: bool) -> None:
    """Refuse a folder whose weights are not all complete safetensors files (unless pickles are
    allowed and there is no safetensors claim at all). Raises ValueError with what to do."""
    files = weight_files(folder)
    if not files:
        pickles = sorted(f.name for f in folder.iterdir() if f.name.endswith(PICKLE_SUFFIXES))
        if not pickles:
            raise ValueError(f"{folder} has no model weights (no *.safetensors file)")
        if not allow_pickle:
            raise ValueError(pickle_refusal(folder, pickles))
        return
    bad = []
    for name in files:
        path = folder / name  # hub snapshots are symlinks into blobs/: judge the name, read the target
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise ValueError(f"{INDEX} in {folder} points outside its folder ({name!r}); refused")
        if not path.is_file():
            raise ValueError(f"{folder}: the weights file {name} is missing (an incomplete copy or "
                             "download?)")
        try:
            safetensors_header(path)
        except NotSafetensors as err:
            if "incomplete" in str(err):
                raise ValueError(f"{folder}: {err}") from None
            bad.append(name)
    if bad and not allow_pickle:
        raise ValueError(pickle_refusal(folder, bad, indexed=(folder / INDEX).is_file()))


def pickle_refusal(folder: Path, files: list[str], indexed: bool = False) -> str:
    """The message for weights that are (or may be) pickles."""
    names = ", ".join(files)
    what = (f"its {INDEX} maps weights to files that are not safetensors ({names})" if indexed
            else f"its weights file is not safetensors ({names})" if files == [SINGLE]
            else f"it has only pickle weights ({names})")
    return (f"{folder}: {what}. Loading a pickle can run arbitrary code, so Attention Lab refuses it. "
            "Convert it once to safetensors (model.save_pretrained(folder) writes model.safetensors), "
            "or, if you trust the file, pass load_model(..., allow_pickle=True) (loaded with "
            "torch.load(weights_only=True)).")
