"""What a visitor may load on this server: packaged models always; hub ids and local folders
unless the server is shared; folders only inside the allowed roots.

Settings (environment variables, read at each call so tests and restarts see changes):
- ATTENTION_LAB_SHARED=1: a shared (classroom) server. Only the packaged models; no hub ids, no
  folders, no "other" entry in the model picker. (ATTENTION_LAB_CUSTOM_MODELS=0, the older
  spelling, means the same.)
- ATTENTION_LAB_MODEL_ROOTS: folders that custom model paths must lie inside, separated by
  os.pathsep (':' on Linux). Default: the user's home folder and the working directory. A path
  outside them is refused with one message that says nothing about whether it exists.
"""

from __future__ import annotations

import os
from pathlib import Path

_NO = ("0", "false", "no", "off")
_YES = ("1", "true", "yes", "on")


def shared_mode() -> bool:
    """True on a shared server: hub ids and local folders are off together."""
    return os.environ.get("ATTENTION_LAB_SHARED", "").strip().lower() in _YES \
        or os.environ.get("ATTENTION_LAB_CUSTOM_MODELS", "1").strip().lower() in _NO


def allowed_roots() -> list[Path]:
    """The folders custom model paths must lie inside (resolved)."""
    raw = os.environ.get("ATTENTION_LAB_MODEL_ROOTS")
    roots = [r for r in raw.split(os.pathsep) if r.strip()] if raw is not None else [Path.home(), Path.cwd()]
    return [Path(r).expanduser().resolve() for r in roots]


def refusal(name: str, packaged: list[str]) -> str | None:
    """Why `name` may not be loaded here (None when it may)."""
    if name in packaged or not shared_mode():
        return None
    return (f"this is a shared server: only the packaged models ({', '.join(packaged)}) can be "
            "loaded here, not hub ids or folders")
