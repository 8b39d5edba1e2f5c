"""Figures with their sliders in the browser (ui/web/switch.html, viz/switch.py): One head's
Layer / Head and the temperature what-if.

A slider move there swaps the chosen entry's numbers and texts into the drawn figure at once (no
server round trip: Streamlit's own slider waits about 0.1 s before it even sends a change, and a
rerun then rebuilds and redraws the figure) and reports the move; the next run mirrors it in the
URL (`reported`) and redraws what depends on it.

Each deck (every entry's numbers) is sent until the frame says it holds it: the component says
which deck and entries it holds in every report, and reports after every payload; a frame that
holds none (a page switch remounts it) asks. A new deck
sends the chunk on screen (with the figure: 2 MB for a MiniLM layer at 128 tokens, not 12 for all
six); the first slider move on it brings the rest when the whole deck fits DECK_BUDGET (past it,
each chunk comes when it is picked), so a sentence nobody explores costs one chunk.
"""

from __future__ import annotations

import functools
import hashlib
import os
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
from viz.switch import Deck
from viz.theme import model_title, present_text

DECK_BUDGET = int(float(os.environ.get("ATTENTION_LAB_SWITCH_DECK_MB", "24")) * 2**20)
_HTML = Path(__file__).with_name("web") / "switch.html"


@dataclass(frozen=True)
class Control:
    """A slider of the component: `name` (also its URL key), `label`, the `values` it steps through."""

    name: str
    label: str
    values: Sequence


def _web_folder() -> Path:
    """A folder Streamlit serves the component from: our page and plotly.js (the plotly.min.js
    of the installed plotly package, so the figure JSON and the drawing library match), made
    once per version of both, offline."""
    js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    html = _HTML.read_bytes()
    digest = hashlib.sha256(html + plotly.__version__.encode()).hexdigest()[:12]
    folder = cache_root() / "web" / f"switch-{digest}"
    if not (folder / "index.html").exists():
        tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
        tmp.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(js, tmp / "plotly.min.js")
        (tmp / "index.html").write_bytes(html)
        try:
            tmp.rename(folder)
        except OSError:  # another process made it first
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


@functools.cache
def _component():
    return components.declare_component("switch", path=str(_web_folder()))


def reported(key: str) -> dict | None:
    """{control name: value} the user picked in component `key` since the last run, or None."""
    value = st.session_state.get(key) or {}
    seq = int(value.get("seq", 0) or 0)
    if seq <= st.session_state.get(f"_{key}_applied", 0):
        return None
    st.session_state[f"_{key}_applied"] = seq
    return dict(value.get("chosen") or {})


def follow(key: str) -> None:
    """Mirror a move reported by component `key` in the URL state of its controls' keys."""
    for name, chosen in (reported(key) or {}).items():
        state.set_value(name, chosen)


def deck_id(*parts) -> str:
    """A short id for a deck: what it shows and how (capture, block, scale, theme...)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


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
    joined by ","). chunks: the entry keys that travel together; build(keys): their Deck (texts as
    shown); figure(): the figure of the entry on screen as shown, made only when a deck starts;
    fits: the whole deck may be sent."""
    value = st.session_state.get(key) or {}
    # what the frame said it holds: a payload is sent again until the frame has said so (the
    # browser can drop one: a run that follows at once replaces the component's arguments)
    held = set(value.get("keys") or []) if value.get("have") == data_id else set()
    current = ",".join(str(i) for i in at)
    send = [] if current in held else next((list(chunk) for chunk in chunks if current in chunk), [])
    if fits and value.get("explored") == data_id:  # the user moves these sliders: all of it, once
        send += [k for chunk in chunks for k in chunk if k not in held and k not in send]
    args = dict(data_id=data_id, at=list(at), seq=st.session_state.get(f"_{key}_applied", 0),
                controls=[dict(name=c.name, label=c.label, values=list(c.values)) for c in controls],
                present=bool(state.value("present", False)))
    if send:
        deck = build(send)
        args.update(index=deck.index, values=deck.buffer)
        if not held:
            args.update(figure=figure().to_json(), shown=current)
    _component()(key=key, default=None, **args)
