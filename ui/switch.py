"""Figures with their sliders in the browser (ui/web/switch.html, viz/switch.py): One head's
Layer / Head and the temperature what-if.

A slider move there swaps the chosen entry's numbers and texts into the drawn figure at once (no
server round trip: Streamlit's own slider waits about 0.1 s before it even sends a change, and a
rerun then rebuilds and redraws the figure) and reports the move; the next run mirrors it in the
URL (`reported`) and redraws what depends on it.

The numbers travel as files the frame fetches by itself (ui/deck_files.py: one folder per deck in
the component's own folder, which Streamlit serves): the figure, the chunk on screen (a MiniLM layer
at 128 tokens: 2 MB, not 12 for all six), and after the first slider move on a deck all of it when
it fits DECK_BUDGET (past it, each chunk is written when it is picked). The component's arguments
stay small (which deck, which files are written, the choice) and the frame reports nothing but the
user's moves: a report is a rerun request, and automatic ones (asking for data, acknowledging it)
landing during a page switch left the page blank.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import plotly
import plotly.graph_objects as go
import streamlit as st
import streamlit.components.v1 as components

from core.hf.sources import cache_root
from ui import state
from ui.deck_files import DeckFiles, remove_stale
from viz.switch import Deck
from viz.theme import model_title, present_text

DECK_BUDGET = int(float(os.environ.get("ATTENTION_LAB_SWITCH_DECK_MB", "24")) * 2**20)
DISK_BUDGET = int(float(os.environ.get("ATTENTION_LAB_SWITCH_DISK_MB", "512")) * 2**20)
# deck ids are salted per process: a deck's folder cannot be found from the sentence it shows
_SALT = secrets.token_hex(8)
_HTML = Path(__file__).with_name("web") / "switch.html"


@dataclass(frozen=True)
class Control:
    """A slider of the component: `name` (also its URL key), `label`, the `values` it steps through."""

    name: str
    label: str
    values: Sequence


def gz(data: bytes, level: int) -> bytes:
    """`data` as a gzip file. Streamlit gzips every component file it serves at level 9, on
    every request (plotly.js, 4.8 MB: 170 ms of server CPU per frame; a 2 MB deck chunk: 100 ms),
    but never a file that is gzip already: the frame inflates these itself (DecompressionStream).
    Deck floats barely compress (7 %): level 0 stores them."""
    return gzip.compress(data, compresslevel=level, mtime=0)


def _web_folder() -> Path:
    """A folder Streamlit serves the component from: our page and plotly.js (the plotly.min.js
    of the installed plotly package, so the figure JSON and the drawing library match; gzipped
    once here, see `gz`), made once per version of both, offline. The page is written with
    plotly's version, which keys the copy of plotly.js's text its frames share (switch.html)."""
    js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    html = _HTML.read_bytes().replace(b"__PLOTLY_VERSION__", plotly.__version__.encode())
    digest = hashlib.sha256(html + plotly.__version__.encode()).hexdigest()[:12]
    folder = cache_root() / "web" / f"switch-{digest}"
    if not (folder / "index.html").exists():
        tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
        tmp.mkdir(parents=True, exist_ok=True)
        (tmp / "plotly.min.js.gz").write_bytes(gz(js.read_bytes(), 9))
        (tmp / "index.html").write_bytes(html)
        try:
            tmp.rename(folder)
        except OSError:  # another process made it first
            shutil.rmtree(tmp, ignore_errors=True)
        remove_stale(folder.parent.glob("switch-*"), keep=folder)  # earlier versions, unused for a day
    return folder


@functools.cache
def _component():
    return components.declare_component("switch", path=str(_web_folder()))


@functools.cache
def deck_files() -> DeckFiles:
    """This process's deck folders (in the component's folder: served beside index.html)."""
    files = DeckFiles(_web_folder() / "decks", DISK_BUDGET)
    files.sweep_orphans()
    return files


def reported(key: str) -> dict | None:
    """{control name: value} the user picked in component `key` since the last run, or None. The
    frame reports indices; the values are the controls' own, as the last run drew them (a value
    through the browser's JSON would come back changed: a temperature 3.0 as 3)."""
    value = st.session_state.get(key) or {}
    seq = int(value.get("seq", 0) or 0)
    if seq <= st.session_state.get(f"_{key}_applied", 0):
        return None
    st.session_state[f"_{key}_applied"] = seq
    drawn = st.session_state.get(f"_{key}_controls", [])
    return {name: values[i] for (name, values), i in zip(drawn, value.get("at") or [], strict=False)
            if isinstance(i, int) and 0 <= i < len(values)}


def follow(key: str) -> None:
    """Mirror a move reported by component `key` in the URL state of its controls' keys."""
    for name, chosen in (reported(key) or {}).items():
        state.set_value(name, chosen)


def deck_id(*parts) -> str:
    """A short id for a deck: what it shows and how (capture, block, scale, theme...)."""
    return hashlib.sha256(repr((_SALT, *parts)).encode()).hexdigest()[:24]


def shown_texts(deck: Deck, model: str | None) -> Deck:
    """The deck's layout texts as the page shows them (ui.frame.as_shown): the model's name in the
    title, and the projector theme's line breaks in presentation mode."""
    present = state.value("present", False)
    for entry in deck.index["entries"].values():
        texts = entry["texts"]
        if "title.text" in texts:
            texts["title.text"] = model_title(texts["title.text"], model)
        if present:
            entry["texts"] = {path: present_text(path, text) for path, text in texts.items()}
    return deck


def show(key: str, controls: Sequence[Control], at: Sequence[int], data_id: str,
         chunks: Sequence[Sequence[str]], build: Callable[[list[str]], Deck],
         figure: Callable[[], go.Figure], fits: bool) -> None:
    """Draw component `key` on the entry `at` (one index per control; its key is the indices
    joined by ","). chunks: the entry keys written together; build(keys): their Deck (texts as
    shown); figure(): the figure of the entry on screen as shown, made only when a deck starts;
    fits: the whole deck may be written once the user moves a slider."""
    files = deck_files()
    current = ",".join(str(i) for i in at)
    names = [f"c{i}.bin.gz" for i in range(len(chunks))]
    files.ensure(data_id, "figure.json.gz", lambda: gz(figure().to_json().encode(), 6))
    for name, chunk in zip(names, chunks, strict=True):
        if current in chunk:
            files.ensure(data_id, name, lambda chunk=chunk: gz(build(list(chunk)).to_bytes(), 0))
    value = st.session_state.get(key) or {}
    if fits and value.get("explored") == data_id:  # the user moves these sliders: all of it, once
        files.ensure(data_id, "all.bin.gz",
                     lambda: gz(build([k for chunk in chunks for k in chunk]).to_bytes(), 0))
    st.session_state[f"_{key}_controls"] = [(c.name, list(c.values)) for c in controls]
    _component()(key=key, default=None, data_id=data_id, base=f"decks/{data_id}/",
                 chunks=[list(chunk) for chunk in chunks],
                 ready=files.ready(data_id, ["figure.json.gz", "all.bin.gz", *names]),
                 at=list(at), seq=st.session_state.get(f"_{key}_applied", 0),
                 controls=[dict(name=c.name, label=c.label, values=list(c.values)) for c in controls],
                 present=bool(state.value("present", False)))
