"""Where switched figures' decks live for the browser to fetch (ui/switch.py): files in the
component's own folder, which Streamlit serves at /component/<name>/, one folder per deck.

A frame fetches what it lacks by itself, so the server never waits for a browser to say what it
holds (a component report is a rerun request, and one landing during a page switch blanked the
page; a payload carried in component arguments can be dropped when another run follows at once).

Files are written whole and renamed into place (a fetch never sees half a file). Each process
keeps its decks under `budget` bytes, the least recently shown first out, never a deck shown in the
last `grace` seconds (a frame may still be fetching it); folders left by processes that ended are
removed after a day.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path

ORPHAN_SECONDS = 24 * 3600


class DeckFiles:
    """Deck folders under `root` (root/<data id>/<name>), at most `budget` bytes written by this
    process (decks shown in the last `grace` seconds are kept regardless)."""

    def __init__(self, root: Path, budget: int, grace: float = 60.0) -> None:
        self.root, self.budget, self.grace = Path(root), int(budget), float(grace)
        self._lock = threading.Lock()
        self._decks: OrderedDict[str, list] = OrderedDict()  # data id -> [bytes, last shown]
        self._swept = False

    def folder(self, data_id: str) -> Path:
        if not data_id.isalnum():
            raise ValueError(f"a deck id is letters and digits, not {data_id!r}")
        return self.root / data_id

    def ready(self, data_id: str, names: list[str]) -> list[str]:
        """Those of `names` written for deck `data_id` (and the deck marked as just shown)."""
        with self._lock:
            if data_id in self._decks:
                self._decks.move_to_end(data_id)
                self._decks[data_id][1] = time.monotonic()
        folder = self.folder(data_id)
        return [name for name in names if (folder / name).exists()]

    def ensure(self, data_id: str, name: str, make: Callable[[], bytes]) -> bool:
        """Write file `name` of deck `data_id` with make() unless it exists; True if written."""
        path = self.folder(data_id) / name
        if path.exists():
            return False
        data = make()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        with self._lock:
            entry = self._decks.setdefault(data_id, [0, 0.0])
            entry[0] += len(data)
            entry[1] = time.monotonic()
            self._decks.move_to_end(data_id)
        self._evict()
        return True

    def nbytes(self) -> int:
        """Bytes this process has written and not yet removed."""
        with self._lock:
            return sum(size for size, _ in self._decks.values())

    def _evict(self) -> None:
        now, gone = time.monotonic(), []
        with self._lock:
            total = sum(size for size, _ in self._decks.values())
            for data_id, (size, shown) in list(self._decks.items()):
                if total <= self.budget:
                    break
                if now - shown < self.grace:
                    continue
                del self._decks[data_id]
                total -= size
                gone.append(data_id)
        for data_id in gone:
            shutil.rmtree(self.folder(data_id), ignore_errors=True)

    def sweep_orphans(self) -> None:
        """Once per process: remove deck folders nobody wrote to for a day (a process that ended)."""
        if not self._swept and self.root.is_dir():
            remove_stale(self.root.iterdir())
        self._swept = True


def remove_stale(folders: Iterable[Path], keep: Path | None = None) -> None:
    """Remove the folders (but `keep`) in which nothing was written for ORPHAN_SECONDS: neither
    the folder itself nor anything directly inside it changed."""
    cutoff = time.time() - ORPHAN_SECONDS
    for folder in folders:
        try:
            if folder == keep or not folder.is_dir():
                continue
            newest = max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.iterdir())])
        except OSError:
            continue
        if newest < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
