"""A model folder made once by a conversion (SmolLM2's GGUF -> safetensors) and reused.

converted_folder(target, stamp, convert) returns `target` when it holds a complete copy made
from the same source (the stamp), and otherwise converts again:
- complete means: the stamp matches, config.json parses, a tokenizer file is there, and every
  weights file is a whole safetensors file (a truncated copy is caught by its header);
- a broken copy is reported through `progress` and replaced;
- a conversion runs under a file lock beside the target, so two sessions or processes loading
  for the first time at once convert once (the second waits, then finds the copy);
- it is written to a temporary folder and renamed into place; temporary folders left behind by
  an interrupted conversion (a killed process) are removed on the next call.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from core.hf.weights import NotSafetensors, safetensors_header, weight_files

Progress = Callable[[float, str], None]
STAMP = "attention_lab.json"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def problem(folder: Path, stamp: dict) -> str | None:
    """What is wrong with a converted copy ('missing' when there is none), or None."""
    try:
        found = json.loads((folder / STAMP).read_text())
    except FileNotFoundError:
        return "missing"
    except (OSError, ValueError):
        return f"its {STAMP} is unreadable"
    if found != stamp:
        return "it was made from another source file or by an older version"
    try:
        json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return "config.json is missing or unreadable"
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        return "the tokenizer files are missing"
    try:
        files = weight_files(folder)
    except ValueError as err:
        return str(err)
    if not files:
        return "the weights file is missing"
    for name in files:
        try:
            safetensors_header(folder / name)
        except NotSafetensors as err:
            return str(err)
    return None


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextmanager
def file_lock(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """An exclusive lock held by one thread of one process at a time (flock on `path`, plus a
    process-local lock where flock is missing). on_wait() is called once if it has to wait."""
    with _THREAD_LOCKS_GUARD:
        local = _THREAD_LOCKS.setdefault(str(path), threading.Lock())
    if not local.acquire(blocking=False):
        if on_wait:
            on_wait()
            on_wait = None
        local.acquire()
    try:
        try:
            import fcntl
        except ImportError:  # Windows: the process-local lock only
            yield
            return
        with open(path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait:
                    on_wait()
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        local.release()


def clean_orphans(parent: Path, prefix: str) -> list[str]:
    """Remove temporary folders `prefix*` in `parent` (call with the conversion lock held: then
    no conversion is writing them). Returns the names removed."""
    removed = []
    for entry in parent.glob(f"{prefix}*"):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed


def converted_folder(target: Path, stamp: dict, convert: Callable[[Path, Progress], None],
                     progress: Progress | None = None, label: str = "model",
                     tmp_prefix: str | None = None) -> Path:
    """`target`, converted by convert(tmp_folder, progress) unless a complete copy is there.

    stamp: a small JSON-able dict naming the source (written beside the copy and compared).
    Raises whatever the conversion raises, or RuntimeError when it produced an incomplete copy."""
    report = progress or (lambda _f, _m: None)
    target = Path(target)
    if problem(target, stamp) is None:
        return target
    parent, prefix = target.parent, tmp_prefix or f".{target.name}.tmp-"
    parent.mkdir(parents=True, exist_ok=True)
    waiting = lambda: report(0.0, f"{label}: another session is converting it; waiting for that copy")
    with file_lock(parent / f".{target.name}.lock", waiting):
        clean_orphans(parent, prefix)
        wrong = problem(target, stamp)
        if wrong is None:  # another session or process converted it while we waited
            return target
        if wrong != "missing":
            report(0.0, f"{label}: the converted copy in {target} is incomplete ({wrong}); converting again")
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        try:
            convert(tmp, report)
            (tmp / STAMP).write_text(json.dumps(stamp))
            made = problem(tmp, stamp)
            if made is not None:
                raise RuntimeError(f"{label}: the conversion produced an incomplete copy ({made})")
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    report(1.0, f"{label}: ready")
    return target
